// Serving order of the queue. Head re-queues (a session whose agent vanished, or a department
// transfer) were already being served, so they go before everyone, first re-queued first. The rest
// is FIFO per priority. `seq` breaks joinedAt ties so order never depends on Map iteration.

import type { SessionRecord } from './types.ts';

export function compareServingOrder(a: SessionRecord, b: SessionRecord): number {
  if (a.headSeq !== null || b.headSeq !== null) {
    if (a.headSeq === null) return 1;
    if (b.headSeq === null) return -1;
    return a.headSeq - b.headSeq;
  }
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.joinedAt !== b.joinedAt) return a.joinedAt - b.joinedAt;
  return a.seq - b.seq;
}

export function servingOrder(sessions: Iterable<SessionRecord>): SessionRecord[] {
  const queued: SessionRecord[] = [];
  for (const s of sessions) if (s.agentId === null) queued.push(s);
  return queued.sort(compareServingOrder);
}
