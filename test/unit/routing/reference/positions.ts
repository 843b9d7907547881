// Queue positions. A visitor's position counts only the visitors ahead who compete for the same
// agents: a sales visitor does not wait behind support visitors. Two departments compete when they
// share an eligible routable agent; with nobody online, the best guess is that the same department
// and the general (null) queue compete. Computed for the whole queue in one pass, because the shell
// re-sends every position on queue.changed: O(queue × departments) instead of O(queue²).

import type { SessionRecord } from './types.ts';
import { isRoutable, type AgentState } from './state.ts';
import { servesDepartment, staffedDepartments } from './agent-selection.ts';

export function computePositions(
  order: readonly SessionRecord[],
  agents: readonly AgentState[],
  fallback: boolean,
): Map<string, number> {
  const staffed = staffedDepartments(agents);
  const routable = agents.filter(isRoutable);
  const keys = [...new Set(order.map((s) => s.department))];
  const eligible = new Map<string | null, Set<string>>();
  for (const k of keys) {
    eligible.set(k, new Set(routable.filter((a) => servesDepartment(a, k, staffed, fallback)).map((a) => a.agentId)));
  }
  const competitors = new Map<string | null, (string | null)[]>();
  for (const k of keys) {
    const ek = eligible.get(k)!;
    competitors.set(
      k,
      keys.filter((j) => {
        if (j === k) return true;
        const ej = eligible.get(j)!;
        if (ek.size === 0 || ej.size === 0) return j === null || k === null;
        for (const id of ek) if (ej.has(id)) return true;
        return false;
      }),
    );
  }
  const ahead = new Map<string | null, number>();
  const positions = new Map<string, number>();
  for (const s of order) {
    let n = 1;
    for (const j of competitors.get(s.department)!) n += ahead.get(j) ?? 0;
    positions.set(s.sessionId, n);
    ahead.set(s.department, (ahead.get(s.department) ?? 0) + 1);
  }
  return positions;
}
