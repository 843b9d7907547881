// What agents and supervisors are shown, built from the router's state and the hub's sessions.
// Pure functions: no sockets, no store writes.
import type { QueueItem, ServerFrameOf } from '../../protocol/index.ts';
import type { Router } from '../routing/types.ts';
import type { SessionRecord } from '../store/types.ts';

/** The queue as one agent sees it: eligible visitors in serving order, with their accept rights. */
export function queueItemsFor(router: Router, sessionOf: (id: string) => SessionRecord | undefined, agentId: string): QueueItem[] {
  return router.queueFor(agentId).flatMap((q) => {
    const s = sessionOf(q.sessionId);
    if (!s) return [];
    return [
      {
        sessionId: s.id,
        siteId: s.siteId,
        department: s.department,
        entryUrl: s.entryUrl,
        waitingSince: q.joinedAt,
        priority: q.priority,
        offeredToMe: q.offeredTo === agentId,
        offerExpiresAt: q.offeredTo === agentId ? q.offerExpiresAt : null,
        canAccept: router.canAccept(agentId, s.id),
      },
    ];
  });
}

/** The supervisor's live overview: queue, agents with their load, sessions. */
export function overviewFrame(router: Router, sessions: Iterable<SessionRecord>, agentNames: ReadonlyMap<string, string>, now: number): ServerFrameOf<'overview'> {
  const queue = router.queue();
  const snap = router.snapshot();
  return {
    type: 'overview',
    queue: { length: queue.length, longestWaitSeconds: queue.length ? Math.round((now - Math.min(...queue.map((q) => q.joinedAt))) / 1000) : 0 },
    agents: snap.agents.map((a) => ({
      id: a.agentId,
      name: agentNames.get(a.agentId) ?? a.agentId,
      status: a.status,
      connected: a.connected,
      active: a.active.length,
      capacity: a.capacity,
    })),
    sessions: [...sessions].map((s) => ({
      sessionId: s.id,
      state: s.state,
      agentId: s.agentId,
      agentName: s.agentId ? (agentNames.get(s.agentId) ?? null) : null,
      siteId: s.siteId,
      url: s.url,
      createdAt: s.createdAt,
      acceptedAt: s.acceptedAt,
    })),
  };
}
