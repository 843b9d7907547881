// Who may serve whom, and who gets the next offer. Department fallback depends on whether the
// department is staffed right now (someone online and connected in it), not on free capacity:
// a busy department keeps its visitors rather than spilling them to agents who lack the skill.

import type { SessionRecord } from './types.ts';
import { isRoutable, type AgentState } from './state.ts';

/** Departments with at least one routable agent. */
export function staffedDepartments(agents: Iterable<AgentState>): Set<string> {
  const staffed = new Set<string>();
  for (const a of agents) if (isRoutable(a)) for (const d of a.departments) staffed.add(d);
  return staffed;
}

/** Department match only; the caller checks routability and capacity. */
export function servesDepartment(
  agent: AgentState,
  department: string | null,
  staffed: ReadonlySet<string>,
  fallback: boolean,
): boolean {
  if (department === null) return true;
  if (agent.departments.includes(department)) return true;
  return fallback && !staffed.has(department);
}

/** Active sessions plus outstanding reservations, per agent. */
export function agentLoads(agents: Iterable<AgentState>, sessions: Iterable<SessionRecord>): Map<string, number> {
  const load = new Map<string, number>();
  for (const a of agents) load.set(a.agentId, a.active.length);
  for (const s of sessions) {
    if (s.agentId === null && s.offeredTo !== null) load.set(s.offeredTo, (load.get(s.offeredTo) ?? 0) + 1);
  }
  return load;
}

/**
 * Least loaded first (reservations count, or a burst of joins would all ring the same idle agent),
 * then longest idle, then agentId so equal agents are chosen the same way after a restore.
 */
export function pickAgent(pool: readonly AgentState[], load: ReadonlyMap<string, number>): AgentState | null {
  let best: AgentState | null = null;
  for (const a of pool) {
    if (best === null) {
      best = a;
      continue;
    }
    const la = load.get(a.agentId) ?? 0;
    const lb = load.get(best.agentId) ?? 0;
    if (la !== lb) {
      if (la < lb) best = a;
      continue;
    }
    if (a.lastAssignedAt !== best.lastAssignedAt) {
      if (a.lastAssignedAt < best.lastAssignedAt) best = a;
      continue;
    }
    if (a.agentId < best.agentId) best = a;
  }
  return best;
}

/**
 * Candidates who have not passed on this visitor in the current round; when every candidate has
 * passed, a new round starts (the visitor must not wait while someone could take them).
 */
export function offerPool(s: SessionRecord, candidates: readonly AgentState[]): { pool: AgentState[]; newRound: boolean } {
  const fresh = candidates.filter((a) => !s.passedBy.includes(a.agentId));
  return fresh.length > 0 ? { pool: fresh, newRound: false } : { pool: [...candidates], newRound: true };
}
