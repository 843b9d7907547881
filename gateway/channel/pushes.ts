// Pushes to visitors and agents that follow from the routing state rather than from one frame:
// each agent's queue window (a snapshot on hello, then only deltas, only to agents whose window
// changed), queue positions to waiting visitors (only when changed, at most one a second each, one
// pass over the queue per 250 ms), the supervisors' overview, and the session info both parties
// render. Routing changes only mark the queue dirty; one flush per event-loop turn renders it,
// however many commands moved it.
import type { QueueItem, ServerFrame, SessionInfo } from '../../protocol/index.ts';
import type { SessionRecord } from '../store/types.ts';
import type { Maybe } from '../store/ports.ts';
import { isPromise, andThen } from '../store/maybe.ts';
import type { Channel } from './channel.ts';
import { background } from './settle.ts';
import { AgentQueueWindows, overviewFrame, PositionPushes, queueItemsFor, type PositionPush } from './views.ts';
import { estimateWaitSeconds } from './wait-estimate.ts';
import { send, sendText, type Socket } from './sockets.ts';
import { sessionTopic } from './topics.ts';

/** How many queue entries an agent's console is sent (the rest is a count: "N more waiting"). */
export const QUEUE_WINDOW = 50;
/** The supervisors' overview is re-rendered at most this often under a stream of changes. */
const OVERVIEW_INTERVAL_MS = 250;
/**
 * An agent's window is re-sent at most this often, unless what is offered to them changed (an offer
 * goes out at once: the visitor waits on it). Every join, hello, offer and accept changes every
 * agent's window (at least its total); unthrottled, each visitor cost one frame per agent per change
 * (about 5 x 100 at 100 agents), which a storm coalesces per event-loop turn but a steady 50/s did
 * not: 7 ms of gateway CPU and as much again in the agents' consoles per visitor.
 */
export const WINDOW_INTERVAL_MS = 250;

export class Pushes {
  #c: Channel;
  #queueDirty = false;
  #flushScheduled = false;
  #closed = false;
  readonly #windows = new AgentQueueWindows(QUEUE_WINDOW);
  readonly #positions = new PositionPushes(1000, 250);
  #positionTimer: ReturnType<typeof setTimeout> | undefined;
  #metricsDirty = false;
  #metricsTimer: ReturnType<typeof setTimeout> | undefined;
  #overviewDirty = false;
  #overviewTimer: ReturnType<typeof setTimeout> | undefined;
  /** Agents whose offers changed since the last flush: their window goes out at once. */
  readonly #offersMoved = new Set<string>();
  /** When every agent's window was last brought up to date, and the timer for the next pass. */
  #lastWindowPass = Number.NEGATIVE_INFINITY;
  #windowsDirty = false;
  #windowTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(c: Channel) {
    this.#c = c;
  }

  info(s: SessionRecord): SessionInfo {
    const { d, extras } = this.#c;
    const agent = s.agentId ? this.#c.agents.peek(s.agentId) : null;
    const x = extras.get(s.id);
    return {
      sessionId: s.id,
      state: s.state,
      siteId: s.siteId,
      department: s.department,
      entryUrl: s.entryUrl,
      url: s.url,
      proxyUrl: s.url && s.state !== 'ended' ? d.registry.proxyUrl(s.id, s.url) : null,
      // A record still loading (a networked store) shows as "An agent" this once.
      agent: s.agentId ? { id: s.agentId, name: agent?.name ?? 'An agent' } : null,
      userAgent: s.userAgent ?? undefined,
      language: s.language ?? undefined,
      createdAt: s.createdAt,
      acceptedAt: s.acceptedAt,
      lastSeq: s.lastSeq,
      control: x?.control ?? false,
      sharing: x?.sharing ?? true,
    };
  }

  /** Session info (as it was when the change was made) to everyone on the session, on every instance, with the seq of the event that announced it. */
  publishInfo(info: SessionInfo, lastSeq: number): void {
    this.publish(info.sessionId, { type: 'session', session: { ...info, lastSeq } });
  }

  publish(sessionId: string, frame: ServerFrame): void {
    this.#c.engine.publish(sessionTopic(sessionId), JSON.stringify(frame));
  }

  /**
   * Another instance committed a change of who serves this session: this instance's visitor sockets
   * hear it from here too, so they learn it even if that instance dies before its own announcement
   * (a repeated session frame changes nothing for the shell).
   */
  tellLocalVisitors(s: SessionRecord): void {
    if (!this.#c.sockets.visitors.has(s.id)) return;
    this.#c.sockets.toVisitors(s.id, { type: 'session', session: this.info(s) });
  }

  /** The agent no longer serves the session: their sockets stop following it. */
  releaseAgent(agentId: string, sessionId: string, reason: string): void {
    const frame = JSON.stringify({ type: 'ended', sessionId, by: 'system', reason } satisfies ServerFrame);
    for (const ws of this.#c.sockets.agents.of(agentId)) {
      ws.unsubscribe(sessionTopic(sessionId));
      this.#c.delivery.unfollow(sessionId, ws);
      sendText(ws, frame);
    }
  }

  /** The agent's whole queue (O(n)): for callers that need it all, not for pushes. */
  queueFor(agentId: string): QueueItem[] {
    return queueItemsFor(this.#c.engine.router, (id) => this.#sessionForQueue(id), agentId);
  }

  /** A queued session another instance created is loaded on first sight and shown from the next flush. */
  #sessionForQueue(id: string): SessionRecord | undefined {
    const got = this.#c.sessions.live(id);
    if (!isPromise(got)) return got;
    got.then(
      (s) => {
        if (s) this.queueChanged();
      },
      () => {},
    );
    return undefined;
  }

  #sessionOf = (id: string) => this.#sessionForQueue(id);

  overview(): Maybe<ServerFrame> {
    const { engine, sessions, agents, d } = this.#c;
    return andThen(agents.list(), (list) => {
      const names = new Map(list.map((a) => [a.id, a.name]));
      return andThen(engine.liveSessions(sessions.values()), (live) => overviewFrame(engine.router, live, names, d.clock()));
    });
  }

  queueChanged(): void {
    this.#queueDirty = true;
    this.#positions.changed();
    this.flushSoon();
  }

  flushSoon(): void {
    if (this.#flushScheduled || this.#closed) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#closed || !this.#queueDirty) return;
      this.#queueDirty = false;
      this.#flush();
    });
  }

  #flush() {
    const { sockets, d } = this.#c;
    // Each agent's window (the first `limit` of their queue and their offers) against what they
    // were last sent: a frame only to agents whose window or total changed, each O(window x
    // departments x log n). Agents whose offers moved get theirs now; every agent's at most once per
    // WINDOW_INTERVAL_MS (at once after a quiet interval), so a flush costs the agents whose offers
    // moved, not all agents.
    const now = d.clock();
    this.#windowsDirty = true;
    if (now >= this.#lastWindowPass + WINDOW_INTERVAL_MS) this.#windowPass(now);
    else {
      for (const agentId of this.#offersMoved) if (sockets.agents.has(agentId)) this.#sendWindow(agentId);
      this.#windowsSoon();
    }
    this.#offersMoved.clear();
    this.#pushPositions();
    this.#metricsSoon();
    this.#overviewSoon();
  }

  /** An offer to this agent was made or withdrawn (a routing effect): their window goes out with the next flush. */
  offerMoved(agentId: string): void {
    this.#offersMoved.add(agentId);
  }

  /** Every agent's window brought up to date: O(agents x window), at most once per interval. */
  #windowPass(now: number) {
    const { sockets } = this.#c;
    this.#lastWindowPass = now;
    this.#windowsDirty = false;
    for (const agentId of sockets.agents.ids()) this.#sendWindow(agentId);
    this.#windows.retain((agentId) => sockets.agents.has(agentId));
  }

  /** The agent's window delta to all their sockets but `except`. */
  #sendWindow(agentId: string, except?: Socket): void {
    const delta = this.#windows.update(this.#c.engine.router, this.#sessionOf, agentId);
    if (!delta) return;
    const text = JSON.stringify(delta);
    for (const ws of this.#c.sockets.agents.of(agentId)) if (ws !== except) sendText(ws, text);
  }

  #windowsSoon() {
    if (this.#windowTimer || this.#closed || !this.#windowsDirty) return;
    const { d } = this.#c;
    this.#windowTimer = setTimeout(() => {
      this.#windowTimer = undefined;
      if (!this.#closed && this.#windowsDirty) this.#windowPass(d.clock());
    }, Math.max(0, this.#lastWindowPass + WINDOW_INTERVAL_MS - d.clock()));
  }

  /** Positions that changed, to the visitors listening here; held-back ones come back on a timer. */
  #pushPositions() {
    const { engine, sockets, sessions, d } = this.#c;
    const { pushes, nextAt } = this.#positions.collect(engine.router, d.clock(), (id) => (sockets.visitors.has(id) ? (sessions.cached(id)?.department ?? null) : undefined));
    for (const p of pushes) this.#sendPosition(p);
    if (nextAt === null || this.#positionTimer || this.#closed) return;
    this.#positionTimer = setTimeout(() => {
      this.#positionTimer = undefined;
      if (!this.#closed) this.#pushPositions();
    }, Math.max(0, nextAt - d.clock()));
  }

  #sendPosition(p: PositionPush) {
    this.#c.sockets.toVisitors(p.sessionId, {
      type: 'queue.position',
      sessionId: p.sessionId,
      position: p.position,
      estimatedWaitSeconds: estimateWaitSeconds(p.position, p.agentsOnline, this.#c.handleTimes.average()),
      agentsOnline: p.agentsOnline,
    });
  }

  /**
   * The gauges count every session: refreshed at most once a second (and once after the last
   * change), not on every flush, so a storm does not pay a pass over all sessions per turn.
   */
  #metricsSoon() {
    this.#metricsDirty = true;
    if (this.#metricsTimer || this.#closed) return;
    this.#refreshMetrics();
    this.#metricsTimer = setTimeout(() => {
      this.#metricsTimer = undefined;
      if (this.#metricsDirty && !this.#closed) this.#metricsSoon();
    }, 1000);
    this.#metricsTimer.unref?.();
  }

  #refreshMetrics() {
    const { engine, sessions, d } = this.#c;
    this.#metricsDirty = false;
    d.metrics.queueLength.set(engine.router.queueSize());
    let active = 0;
    for (const s of sessions.values()) if (s.state === 'active') active++;
    d.metrics.activeSessions.set(active);
  }

  /**
   * The overview lists every session and agent: rendered for supervisors at most every
   * OVERVIEW_INTERVAL_MS (and once after the last change), not once per routing change. In a
   * cluster each instance renders it for its own supervisors.
   */
  #overviewSoon() {
    const { d } = this.#c;
    // It reads the agent list from the store: only built when a supervisor listens.
    if (d.app.numSubscribers('supervisors') === 0) return;
    this.#overviewDirty = true;
    if (this.#overviewTimer || this.#closed) return;
    this.#overviewDirty = false;
    background(andThen(this.overview(), (f) => {
      if (!this.#closed) d.app.publish('supervisors', JSON.stringify(f));
    }), d.log, 'rendering the overview failed');
    this.#overviewTimer = setTimeout(() => {
      this.#overviewTimer = undefined;
      if (this.#overviewDirty && !this.#closed) this.#overviewSoon();
    }, OVERVIEW_INTERVAL_MS);
  }

  /**
   * A visitor's socket (re)opened (`force`): their position now, whatever was sent before.
   * Otherwise: the position is pushed with the next flush if it changed.
   */
  sendPosition(sessionId: string, force: boolean): void {
    const { sockets, engine, d } = this.#c;
    if (!force) return this.queueChanged();
    if (!sockets.visitors.has(sessionId)) return;
    const s = this.#c.sessions.cached(sessionId);
    const p = this.#positions.current(engine.router, d.clock(), sessionId, s?.department ?? null);
    if (p) this.#sendPosition(p);
  }

  /**
   * A socket of the agent said hello: it gets the agent's window whole (`queue.snapshot` with the
   * total), then deltas with the agent's other sockets. Their pending change goes out first, so every
   * socket's copy stays the window last diffed against.
   */
  queueTo(ws: Socket, agentId: string): void {
    this.#sendWindow(agentId, ws);
    const w = this.#windows.window(agentId) ?? { total: 0, items: [] };
    send(ws, { type: 'queue.snapshot', items: w.items, total: w.total });
  }

  close(): void {
    this.#closed = true;
    for (const t of [this.#positionTimer, this.#metricsTimer, this.#overviewTimer, this.#windowTimer]) if (t) clearTimeout(t);
  }
}
