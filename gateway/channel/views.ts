// What agents and supervisors are shown, built from the router's state and the hub's sessions.
// Pure functions: no sockets, no store writes.
import type { QueueItem, ServerFrameOf } from '../../protocol/index.ts';
import { diffQueueWindow, type QueueDeltaFrame } from '../../protocol/queue-delta.ts';
import type { QueueEntryView, Router } from '../routing/types.ts';

/** What the views read: the router without its commands (the engine's RoutingView). */
type RouterView = Omit<Router, 'apply'>;
import type { SessionRecord } from '../store/types.ts';

/** One queued visitor as an agent sees it (the whole list and the bounded window build the same item). */
function queueItem(router: RouterView, agentId: string, s: SessionRecord, q: QueueEntryView): QueueItem {
  return {
    sessionId: s.id,
    siteId: s.siteId,
    department: s.department,
    entryUrl: s.entryUrl,
    waitingSince: q.joinedAt,
    priority: q.priority,
    offeredToMe: q.offeredTo === agentId,
    offerExpiresAt: q.offeredTo === agentId ? q.offerExpiresAt : null,
    canAccept: router.canAccept(agentId, s.id),
  };
}

/** The queue as one agent sees it: eligible visitors in serving order, with their accept rights. */
export function queueItemsFor(router: RouterView, sessionOf: (id: string) => SessionRecord | undefined, agentId: string): QueueItem[] {
  return router.queueFor(agentId).flatMap((q) => {
    const s = sessionOf(q.sessionId);
    return s ? [queueItem(router, agentId, s, q)] : [];
  });
}

/** The supervisor's live overview: queue, agents with their load, sessions. */
export function overviewFrame(router: RouterView, sessions: Iterable<SessionRecord>, agentNames: ReadonlyMap<string, string>, now: number): ServerFrameOf<'overview'> {
  const queue = router.queue();
  const snap = router.snapshot();
  let oldest = Number.POSITIVE_INFINITY;
  for (const q of queue) if (q.joinedAt < oldest) oldest = q.joinedAt;
  return {
    type: 'overview',
    // A loop, not Math.min(...queue): spreading 100,000 arguments overflows the stack.
    queue: { length: queue.length, longestWaitSeconds: queue.length ? Math.round((now - oldest) / 1000) : 0 },
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

// ------------------------------------------------------------------ deltas (issue 12)
//
// What the hub needs so a queue change costs the agents' windows and the visitors whose position
// moved, not the whole queue times every agent. Pure: the hub calls them from its flush and sends
// what they return; they keep what was last sent so the next call can diff against it.

/** The first `limit` entries of an agent's queue as QueueItems, and the total: O(limit x departments). */
export function queueWindowFor(
  router: RouterView,
  sessionOf: (id: string) => SessionRecord | undefined,
  agentId: string,
  limit: number,
): { total: number; items: QueueItem[] } {
  const { total, entries } = router.queueWindow(agentId, limit);
  const items: QueueItem[] = [];
  for (const q of entries) {
    const s = sessionOf(q.sessionId);
    if (s) items.push(queueItem(router, agentId, s, q));
  }
  return { total, items };
}

/**
 * Per agent, the window last sent and the delta to the current one. The first update for an agent
 * (or after forget) is a delta from an empty window: every item added. Send `queue.delta` frames
 * (protocol/queue-delta.ts) with what update() returns; null means nothing to send.
 */
export class AgentQueueWindows {
  readonly #sent = new Map<string, { total: number; items: QueueItem[] }>();
  constructor(readonly limit = 50) {}

  update(router: RouterView, sessionOf: (id: string) => SessionRecord | undefined, agentId: string): QueueDeltaFrame | null {
    const next = queueWindowFor(router, sessionOf, agentId, this.limit);
    const prev = this.#sent.get(agentId) ?? { total: 0, items: [] };
    const delta = diffQueueWindow(prev.items, prev.total, next.items, next.total);
    if (delta === null && this.#sent.has(agentId)) return null;
    this.#sent.set(agentId, next);
    return { type: 'queue.delta', ...(delta ?? { total: next.total, removed: [], added: [], moved: [], updated: [] }) };
  }

  /** What the agent's console shows now (after the last update): for a reconnecting socket's first frame. */
  window(agentId: string): { total: number; items: QueueItem[] } | undefined {
    return this.#sent.get(agentId);
  }

  /** Forgets every agent `keep` refuses (their last socket closed): O(agents with a window). */
  retain(keep: (agentId: string) => boolean): void {
    for (const id of this.#sent.keys()) if (!keep(id)) this.#sent.delete(id);
  }

  /** The agent's last socket closed: the next update starts from an empty window. */
  forget(agentId: string): void {
    this.#sent.delete(agentId);
  }

  get size(): number {
    return this.#sent.size;
  }
}

export interface PositionPush {
  sessionId: string;
  position: number;
  agentsOnline: number;
}

/**
 * Queue positions for visitors, only when they change, coalesced. changed() marks the queue dirty
 * (call it on queue.changed); collect() returns the pushes due now: visitors listening here whose
 * (position, agents online) differs from what they were last sent, each at most once per
 * `minIntervalMs`. It computes every position in one pass over the queue (router.positions()), and
 * runs that pass at most once per `passIntervalMs`, so under a storm the cost is one pass per
 * interval, not one per command. `nextAt` says when to call again (held-back changes), or null.
 * Entries of visitors no longer queued are dropped in the pass: the map never outgrows the queue.
 */
export class PositionPushes {
  readonly #sent = new Map<string, { position: number; agentsOnline: number; at: number }>();
  #dirty = false;
  #lastPass = Number.NEGATIVE_INFINITY;

  constructor(
    readonly minIntervalMs = 1000,
    readonly passIntervalMs = 250,
  ) {}

  changed(): void {
    this.#dirty = true;
  }

  /**
   * `departmentOf(id)`: the visitor's department if a socket for them is open here, else undefined
   * (nothing is sent to a visitor who is not listening on this instance).
   */
  collect(router: RouterView, now: number, departmentOf: (sessionId: string) => string | null | undefined): { pushes: PositionPush[]; nextAt: number | null } {
    if (!this.#dirty) return { pushes: [], nextAt: null };
    if (now < this.#lastPass + this.passIntervalMs) return { pushes: [], nextAt: this.#lastPass + this.passIntervalMs };
    this.#lastPass = now;
    this.#dirty = false;
    const positions = router.positions();
    for (const id of this.#sent.keys()) if (!positions.has(id)) this.#sent.delete(id);
    const pushes: PositionPush[] = [];
    let nextAt: number | null = null;
    const online = new Map<string | null, number>();
    for (const [sessionId, position] of positions) {
      const department = departmentOf(sessionId);
      if (department === undefined) continue;
      let agentsOnline = online.get(department);
      if (agentsOnline === undefined) online.set(department, (agentsOnline = router.eligibleAgentCount(department)));
      const last = this.#sent.get(sessionId);
      if (last && last.position === position && last.agentsOnline === agentsOnline) continue;
      if (last && now < last.at + this.minIntervalMs) {
        // Changed, but sent too recently: keep the queue dirty and come back when it may go.
        this.#dirty = true;
        const at = last.at + this.minIntervalMs;
        if (nextAt === null || at < nextAt) nextAt = at;
        continue;
      }
      this.#sent.set(sessionId, { position, agentsOnline, at: now });
      pushes.push({ sessionId, position, agentsOnline });
    }
    if (this.#dirty && nextAt !== null) nextAt = Math.max(nextAt, this.#lastPass + this.passIntervalMs);
    return { pushes, nextAt };
  }

  /** A visitor's socket (re)opened: their position now, whatever was sent before; null if not queued. */
  current(router: RouterView, now: number, sessionId: string, department: string | null): PositionPush | null {
    const position = router.position(sessionId);
    if (position === null) return null;
    const agentsOnline = router.eligibleAgentCount(department);
    this.#sent.set(sessionId, { position, agentsOnline, at: now });
    return { sessionId, position, agentsOnline };
  }

  /** The session ended or was served: forget what it was sent. */
  forget(sessionId: string): void {
    this.#sent.delete(sessionId);
  }

  get size(): number {
    return this.#sent.size;
  }
}
