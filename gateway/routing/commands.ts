// Command handlers, deadline firing and auto-mode dispatch. Each function mutates the state of one
// `Step` and appends the effects the shell must carry out; nothing here reads a clock or does I/O.
// Every change to a record is followed by idx.session(s) / idx.agent(a), which re-files it in the
// indexes (indexes.ts); the handlers ask the indexes instead of scanning the sessions.

import type { AgentSpec, AgentStatus, Effect, RoutingConfig, SessionRecord } from './types.ts';
import { isRoutable, type AgentState, type RouterState } from './state.ts';
import { compareKeys, type QueueKey } from './indexes.ts';
import { pickAgent, servesDepartment } from './agent-selection.ts';
import { maxWaitDeadline, type Deadline } from './deadlines.ts';

export interface Step {
  state: RouterState;
  config: RoutingConfig;
  now: number;
  out: Effect[];
}

type RejectCode = Extract<Effect, { type: 'rejected' }>['code'];
type WithdrawReason = Extract<Effect, { type: 'offer.withdrawn' }>['reason'];

// ---------------------------------------------------------------- primitives

function withdraw(step: Step, s: SessionRecord, reason: WithdrawReason): void {
  if (s.offeredTo === null) return;
  step.out.push({ type: 'offer.withdrawn', agentId: s.offeredTo, sessionId: s.sessionId, reason });
  s.offeredTo = null;
  s.offerExpiresAt = null;
  step.state.idx.session(s);
}

function withdrawAllFrom(step: Step, agentId: string, reason: WithdrawReason): void {
  for (const s of step.state.idx.offersOf(agentId)) if (s.offeredTo === agentId) withdraw(step, s, reason);
}

/** Leaves s with agentId null; the caller re-files s. */
function detach(step: Step, s: SessionRecord): void {
  if (s.agentId === null) return;
  const a = step.state.agents.get(s.agentId);
  s.agentId = null;
  if (a) {
    a.active = a.active.filter((id) => id !== s.sessionId);
    step.state.idx.agent(a);
  }
}

function removeSession(step: Step, s: SessionRecord, reason: 'left' | 'grace-expired' | 'ended'): void {
  withdraw(step, s, 'visitor-left');
  detach(step, s);
  step.state.sessions.delete(s.sessionId);
  step.state.idx.dropSession(s);
  step.out.push({ type: 'visitor.removed', sessionId: s.sessionId, reason });
}

function assign(step: Step, s: SessionRecord, a: AgentState, previousAgentId: string | null): void {
  s.agentId = a.agentId;
  s.offeredTo = null;
  s.offerExpiresAt = null;
  s.headSeq = null;
  s.passedBy = [];
  s.overflowed = false;
  a.active.push(s.sessionId);
  a.lastAssignedAt = step.now;
  step.state.idx.session(s);
  step.state.idx.agent(a);
  step.out.push({ type: 'assigned', agentId: a.agentId, sessionId: s.sessionId, previousAgentId });
}

function requeueAtHead(step: Step, s: SessionRecord, reason: 'agent-gone' | 'transfer-to-department'): void {
  const fromAgentId = s.agentId!;
  detach(step, s);
  s.headSeq = ++step.state.headSeq;
  // The wait clock restarts: maxQueueWaitMs is about this wait, not the conversation before it.
  s.waitSince = step.now;
  s.overflowed = false;
  // A transferring agent wants someone else; a vanished agent is offline and cannot be chosen anyway.
  s.passedBy = reason === 'transfer-to-department' ? [fromAgentId] : [];
  step.state.idx.session(s);
  step.out.push({ type: 'requeued', sessionId: s.sessionId, fromAgentId, reason });
}

function setStatus(step: Step, a: AgentState, status: AgentStatus, reason: 'missed-offers' | 'grace-expired' | 'set' | 'connected'): void {
  a.status = status;
  if (status === 'online') a.missedOffers = 0;
  step.state.idx.agent(a);
  step.out.push({ type: 'agent.status', agentId: a.agentId, status, reason });
  if (status !== 'online') withdrawAllFrom(step, a.agentId, 'agent-unavailable');
}

/** Decline and timeout are the same event for routing: the agent passed on this visitor. */
function passOn(step: Step, s: SessionRecord, reason: 'timeout' | 'declined'): void {
  const agentId = s.offeredTo!;
  withdraw(step, s, reason);
  if (!s.passedBy.includes(agentId)) s.passedBy.push(agentId);
  const a = step.state.agents.get(agentId);
  if (!a) return;
  a.missedOffers++;
  const max = step.config.maxMissedOffers;
  if (max > 0 && a.missedOffers >= max && a.status === 'online') setStatus(step, a, 'away', 'missed-offers');
}

/** Offers an agent can no longer honour after their departments or capacity changed. */
function revalidateOffers(step: Step, a: AgentState): void {
  const { idx } = step.state;
  let load = a.active.length;
  for (const s of idx.offersOf(a.agentId)) {
    if (s.offeredTo !== a.agentId) continue;
    if (load >= a.capacity || !idx.serves(a, s.department)) {
      withdraw(step, s, 'agent-unavailable');
    } else {
      load++;
    }
  }
}

// ---------------------------------------------------------------- queries shared with the router

/** Why this agent may not accept this visitor now, or null if they may. */
export function acceptRefusal(state: RouterState, config: RoutingConfig, agentId: string, sessionId: string): RejectCode | null {
  const s = state.sessions.get(sessionId);
  if (!s) return 'CB_ERR_SESSION_UNKNOWN';
  if (s.agentId !== null) return 'CB_ERR_ALREADY_TAKEN';
  const a = state.agents.get(agentId);
  if (config.mode === 'auto') return a && s.offeredTo === agentId ? null : 'CB_ERR_NOT_OFFERED';
  // Manual mode still never hands out a visitor whose socket is down.
  if (!s.connected) return 'CB_ERR_NOT_OFFERED';
  if (!a || !isRoutable(a) || a.active.length >= a.capacity) return 'CB_ERR_AT_CAPACITY';
  return servesDepartment(a, s.department, state.idx.staffed, config.departmentFallback) ? null : 'CB_ERR_AT_CAPACITY';
}

export function normalizeCapacity(capacity: number, config: RoutingConfig): number {
  return Number.isFinite(capacity) && capacity >= 0 ? Math.floor(capacity) : config.defaultCapacity;
}

// ---------------------------------------------------------------- deadlines

function fire(step: Step, d: Deadline): void {
  const { sessions, agents } = step.state;
  switch (d.kind) {
    case 'agent-grace': {
      const a = agents.get(d.agentId);
      if (!a || a.graceExpiresAt !== d.at) return;
      a.graceExpiresAt = null;
      step.state.idx.agent(a);
      for (const id of [...a.active]) requeueAtHead(step, sessions.get(id)!, 'agent-gone');
      setStatus(step, a, 'offline', 'grace-expired');
      return;
    }
    case 'visitor-grace': {
      const s = sessions.get(d.sessionId);
      if (s && s.graceExpiresAt === d.at) removeSession(step, s, 'grace-expired');
      return;
    }
    case 'ring': {
      const s = sessions.get(d.sessionId);
      if (s && s.agentId === null && s.offeredTo === d.agentId && s.offerExpiresAt === d.at) passOn(step, s, 'timeout');
      return;
    }
    case 'max-wait': {
      const s = sessions.get(d.sessionId);
      if (!s || maxWaitDeadline(s, step.config) !== d.at) return;
      s.overflowed = true;
      step.state.idx.session(s);
      step.out.push({ type: 'visitor.overflow', sessionId: s.sessionId, reason: 'wait-exceeded' });
      return;
    }
  }
}

/**
 * Fires everything due. Firing one deadline can cancel another, so each is re-checked before it
 * fires. Every pass clears at least one deadline and creates none that are due, so it settles; the
 * bound turns a future bug in that argument into an error instead of a frozen event loop.
 */
export function fireDue(step: Step): void {
  const { sessions, agents, idx } = step.state;
  const maxPasses = 4 * (sessions.size + agents.size) + 1;
  for (let pass = 0; pass <= maxPasses; pass++) {
    const due = idx.dueDeadlines(step.now);
    if (due.length === 0) return;
    for (const d of due) fire(step, d);
  }
  throw new Error('routing: due deadlines did not settle');
}

// ---------------------------------------------------------------- dispatch

/**
 * Auto mode: one greedy pass in serving order, each unoffered connected visitor to the best free
 * eligible agent. Loads only grow during the pass, so afterwards no unoffered visitor has a free
 * eligible agent, which is the routing invariant. Existing offers are never moved: an agent whose
 * phone is ringing must not see it stop because someone else became free.
 *
 * The pass is taken from the indexes: the next visitor served is the earliest head among the
 * departments' ready queues that some free agent serves. That is exactly the visitor a walk of the
 * whole queue would reach next, because a department without a free agent keeps none for the rest
 * of the pass (free agents only fill up). Cost: per offer, one step per department with visitors
 * ready, instead of a walk over every queued visitor.
 */
export function dispatch(step: Step): void {
  if (step.config.mode !== 'auto') return;
  const { idx } = step.state;
  for (;;) {
    if (!idx.anyFree) return;
    let best: QueueKey | null = null;
    for (const [department, ready] of idx.readyQueues()) {
      if (idx.freeFor(department) === null) continue;
      const head = ready.first()!;
      if (best === null || compareKeys(head, best) < 0) best = head;
    }
    if (best === null) return;
    const s = best.rec;
    const { agent: a, newRound } = pickAgent(s, idx.freeFor(s.department)!);
    if (newRound) s.passedBy = [];
    s.offeredTo = a.agentId;
    s.offerExpiresAt = step.now + step.config.ringTimeoutMs;
    idx.session(s);
    step.out.push({ type: 'offered', agentId: a.agentId, sessionId: s.sessionId, expiresAt: s.offerExpiresAt });
  }
}

// ---------------------------------------------------------------- commands

export function visitorJoin(step: Step, sessionId: string, department: string | null, priority: number, eligibleNow: number): void {
  const { state, now } = step;
  // A retried join must not reset the visitor's place.
  if (state.sessions.has(sessionId)) return;
  const rec: SessionRecord = {
    sessionId,
    department: department ?? null,
    priority: Number.isFinite(priority) ? priority : 0,
    joinedAt: now,
    seq: ++state.seq,
    agentId: null,
    offeredTo: null,
    offerExpiresAt: null,
    connected: true,
    graceExpiresAt: null,
    headSeq: null,
    waitSince: now,
    overflowed: false,
    passedBy: [],
  };
  state.sessions.set(sessionId, rec);
  state.idx.session(rec);
  if (eligibleNow === 0) step.out.push({ type: 'visitor.overflow', sessionId, reason: 'no-agents' });
}

export function visitorLeave(step: Step, sessionId: string): void {
  const s = step.state.sessions.get(sessionId);
  if (s) removeSession(step, s, 'left');
}

export function visitorDisconnect(step: Step, sessionId: string): void {
  const s = step.state.sessions.get(sessionId);
  if (!s || !s.connected) return;
  s.connected = false;
  s.graceExpiresAt = step.now + step.config.visitorGraceMs;
  step.state.idx.session(s);
  withdraw(step, s, 'visitor-left');
}

export function visitorReconnect(step: Step, sessionId: string): void {
  const s = step.state.sessions.get(sessionId);
  if (!s || s.connected) return;
  s.connected = true;
  s.graceExpiresAt = null;
  step.state.idx.session(s);
}

export function agentConnect(step: Step, spec: AgentSpec): void {
  const { agents } = step.state;
  let a = agents.get(spec.agentId);
  if (!a) {
    a = {
      agentId: spec.agentId,
      status: 'offline',
      connected: false,
      departments: [],
      capacity: 0,
      active: [],
      missedOffers: 0,
      lastAssignedAt: 0,
      graceExpiresAt: null,
    };
    agents.set(a.agentId, a);
  }
  a.departments = [...new Set(spec.departments ?? [])];
  a.capacity = normalizeCapacity(spec.capacity, step.config);
  a.connected = true;
  a.graceExpiresAt = null;
  step.state.idx.agent(a);
  setStatus(step, a, 'online', 'connected');
  revalidateOffers(step, a);
}

export function agentDisconnect(step: Step, agentId: string): void {
  const a = step.state.agents.get(agentId);
  if (!a || !a.connected) return;
  a.connected = false;
  a.graceExpiresAt = step.now + step.config.agentGraceMs;
  step.state.idx.agent(a);
  withdrawAllFrom(step, agentId, 'agent-unavailable');
}

export function agentStatus(step: Step, agentId: string, status: AgentStatus): void {
  const a = step.state.agents.get(agentId);
  if (!a || a.status === status) return;
  setStatus(step, a, status, 'set');
}

export function accept(step: Step, agentId: string, sessionId: string): void {
  const refusal = acceptRefusal(step.state, step.config, agentId, sessionId);
  if (refusal !== null) {
    step.out.push({ type: 'rejected', agentId, sessionId, code: refusal });
    return;
  }
  const a = step.state.agents.get(agentId)!;
  a.missedOffers = 0;
  assign(step, step.state.sessions.get(sessionId)!, a, null);
}

export function decline(step: Step, agentId: string, sessionId: string): void {
  const s = step.state.sessions.get(sessionId);
  const code: RejectCode | null = !s
    ? 'CB_ERR_SESSION_UNKNOWN'
    : s.agentId !== null
      ? 'CB_ERR_ALREADY_TAKEN'
      : s.offeredTo !== agentId
        ? 'CB_ERR_NOT_OFFERED'
        : null;
  if (code !== null) {
    step.out.push({ type: 'rejected', agentId, sessionId, code });
    return;
  }
  passOn(step, s!, 'declined');
}

export function sessionEnd(step: Step, sessionId: string): void {
  const s = step.state.sessions.get(sessionId);
  if (s) removeSession(step, s, 'ended');
}

export function transfer(
  step: Step,
  sessionId: string,
  fromAgentId: string,
  toAgentId: string | null,
  toDepartment: string | null,
): void {
  const { state } = step;
  const s = state.sessions.get(sessionId);
  if (!s || s.agentId !== fromAgentId) {
    step.out.push({ type: 'rejected', agentId: fromAgentId, sessionId, code: 'CB_ERR_SESSION_UNKNOWN' });
    return;
  }
  if (toAgentId !== null) {
    if (toAgentId === fromAgentId) return;
    const to = state.agents.get(toAgentId);
    if (!to || !isRoutable(to) || to.active.length + state.idx.reservedOf(toAgentId) >= to.capacity) {
      step.out.push({ type: 'rejected', agentId: fromAgentId, sessionId, code: 'CB_ERR_AT_CAPACITY' });
      return;
    }
    detach(step, s);
    assign(step, s, to, fromAgentId);
    return;
  }
  requeueAtHead(step, s, 'transfer-to-department');
  s.department = toDepartment;
  state.idx.session(s);
}
