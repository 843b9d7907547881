// Who may serve whom, and who gets the next offer. Department fallback depends on whether the
// department is staffed right now (someone online and connected in it), not on free capacity:
// a busy department keeps its visitors rather than spilling them to agents who lack the skill.

import type { SessionRecord } from './types.ts';
import type { AgentState } from './state.ts';

/** Department match only; the caller checks routability and capacity. */
export function servesDepartment(
  agent: AgentState,
  department: string | null,
  staffed: Pick<ReadonlySet<string>, 'has'>,
  fallback: boolean,
): boolean {
  if (department === null) return true;
  if (agent.departments.includes(department)) return true;
  return fallback && !staffed.has(department);
}

/**
 * The agent to offer this visitor: among the free candidates, ordered least loaded first
 * (reservations count, or a burst of joins would all ring the same idle agent), then longest idle,
 * then agentId so equal agents are chosen the same way after a restore, the first who has not passed
 * on this visitor in the current round. When every candidate has passed, a new round starts (the
 * visitor must not wait while someone could take them) and the best candidate of all is chosen.
 * Costs the agents who passed plus one, not the candidates.
 */
export function pickAgent(s: SessionRecord, candidates: Iterable<{ agent: AgentState }> & { first(): { agent: AgentState } | undefined }): { agent: AgentState; newRound: boolean } {
  if (s.passedBy.length === 0) return { agent: candidates.first()!.agent, newRound: false };
  for (const k of candidates) if (!s.passedBy.includes(k.agent.agentId)) return { agent: k.agent, newRound: false };
  return { agent: candidates.first()!.agent, newRound: true };
}
