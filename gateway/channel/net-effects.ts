// The net effects of several commands applied as one step. A visitor who joins before their socket
// opens is "joined" and "not connected yet" in one step: the join's offer to an agent and its
// withdrawal a moment later (`visitor-left`) cancel out, so no console rings for a visitor who was
// never offered (issue 14: the offer blink). Both engines fold their steps through this.
import type { Effect } from '../routing/types.ts';

export function netEffects(effects: Effect[]): Effect[] {
  let cancelled: Set<number> | null = null;
  for (let i = 0; i < effects.length; i++) {
    const w = effects[i];
    if (w.type !== 'offer.withdrawn' || w.reason !== 'visitor-left') continue;
    for (let j = i - 1; j >= 0; j--) {
      const o = effects[j];
      if (o.type === 'offered' && o.sessionId === w.sessionId && o.agentId === w.agentId && !cancelled?.has(j)) {
        (cancelled ??= new Set()).add(i).add(j);
        break;
      }
    }
  }
  if (!cancelled) return effects;
  // Several queue.changed in one step are one.
  let queueChanged = false;
  return effects.filter((e, i) => {
    if (cancelled.has(i)) return false;
    if (e.type !== 'queue.changed') return true;
    if (queueChanged) return false;
    return (queueChanged = true);
  });
}
