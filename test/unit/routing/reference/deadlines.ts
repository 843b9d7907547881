// Every timer of the router is a deadline derived from state, never stored separately: the shell
// arms one timer for nextDeadline() and sends `tick`. A deadline is due when at <= now. Deriving
// them means a restored snapshot carries its timers for free, and a late or spurious tick is harmless.

import type { RoutingConfig, SessionRecord } from './types.ts';
import type { AgentState } from './state.ts';

export type Deadline =
  | { kind: 'agent-grace'; at: number; agentId: string }
  | { kind: 'visitor-grace'; at: number; sessionId: string }
  | { kind: 'ring'; at: number; sessionId: string; agentId: string }
  | { kind: 'max-wait'; at: number; sessionId: string };

// Simultaneous deadlines fire in this order; any fixed order would do, it only has to be fixed.
const KIND_RANK: Record<Deadline['kind'], number> = { 'agent-grace': 0, 'visitor-grace': 1, ring: 2, 'max-wait': 3 };

function deadlineId(d: Deadline): string {
  return d.kind === 'agent-grace' ? d.agentId : d.sessionId;
}

export function compareDeadlines(a: Deadline, b: Deadline): number {
  if (a.at !== b.at) return a.at - b.at;
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
  const ia = deadlineId(a);
  const ib = deadlineId(b);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

/** Max wait only runs for connected visitors: an overflow form shown to nobody is lost. */
export function maxWaitDeadline(s: SessionRecord, config: RoutingConfig): number | null {
  if (config.maxQueueWaitMs <= 0 || s.agentId !== null || s.overflowed || !s.connected) return null;
  return s.waitSince + config.maxQueueWaitMs;
}

export function* deadlines(
  sessions: Iterable<SessionRecord>,
  agents: Iterable<AgentState>,
  config: RoutingConfig,
): Generator<Deadline> {
  for (const a of agents) {
    if (a.graceExpiresAt !== null) yield { kind: 'agent-grace', at: a.graceExpiresAt, agentId: a.agentId };
  }
  for (const s of sessions) {
    if (s.graceExpiresAt !== null) yield { kind: 'visitor-grace', at: s.graceExpiresAt, sessionId: s.sessionId };
    if (s.agentId === null && s.offeredTo !== null && s.offerExpiresAt !== null) {
      yield { kind: 'ring', at: s.offerExpiresAt, sessionId: s.sessionId, agentId: s.offeredTo };
    }
    const wait = maxWaitDeadline(s, config);
    if (wait !== null) yield { kind: 'max-wait', at: wait, sessionId: s.sessionId };
  }
}

export function earliestDeadline(
  sessions: Iterable<SessionRecord>,
  agents: Iterable<AgentState>,
  config: RoutingConfig,
): number | null {
  let min: number | null = null;
  for (const d of deadlines(sessions, agents, config)) if (min === null || d.at < min) min = d.at;
  return min;
}

/** Due deadlines in firing order. */
export function dueDeadlines(
  sessions: Iterable<SessionRecord>,
  agents: Iterable<AgentState>,
  config: RoutingConfig,
  now: number,
): Deadline[] {
  const due: Deadline[] = [];
  for (const d of deadlines(sessions, agents, config)) if (d.at <= now) due.push(d);
  return due.sort(compareDeadlines);
}
