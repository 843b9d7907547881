// Pushes to visitors and agents that follow from the routing state rather than from one frame:
// queue snapshots to agents, queue positions to waiting visitors (at most one a second each), the
// supervisors' overview, and the session info both parties render. Routing changes only mark the
// queue dirty; one flush per event-loop turn renders it, however many commands moved it.
import type { QueueItem, ServerFrame, SessionInfo } from '../../protocol/index.ts';
import type { SessionRecord } from '../store/types.ts';
import type { Maybe } from '../store/ports.ts';
import { isPromise, andThen } from '../store/maybe.ts';
import type { Channel } from './channel.ts';
import { background } from './settle.ts';
import { overviewFrame, queueItemsFor } from './views.ts';
import { estimateWaitSeconds } from './wait-estimate.ts';
import { send, sendText, type Socket } from './sockets.ts';
import { sessionTopic } from './topics.ts';

export class Pushes {
  #c: Channel;
  #queueDirty = false;
  #flushScheduled = false;
  #closed = false;

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

  queueFor(agentId: string): QueueItem[] {
    return queueItemsFor(this.#c.engine.router as Parameters<typeof queueItemsFor>[0], (id) => this.#sessionForQueue(id), agentId);
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

  overview(): Maybe<ServerFrame> {
    const { engine, sessions, agents, d } = this.#c;
    return andThen(agents.list(), (list) => {
      const names = new Map(list.map((a) => [a.id, a.name]));
      return andThen(engine.liveSessions(sessions.values()), (live) => overviewFrame(engine.router as Parameters<typeof overviewFrame>[0], live, names, d.clock()));
    });
  }

  queueChanged(): void {
    this.#queueDirty = true;
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
    const { engine, sockets, d, sessions } = this.#c;
    for (const [agentId, set] of sockets.agents.entries()) {
      const frame = JSON.stringify({ type: 'queue.snapshot', items: this.queueFor(agentId) } satisfies ServerFrame);
      for (const ws of set) sendText(ws, frame);
    }
    const queue = engine.router.queue();
    for (const q of queue) this.sendPosition(q.sessionId, false);
    d.metrics.queueLength.set(queue.length);
    let active = 0;
    for (const s of sessions.values()) if (s.state === 'active') active++;
    d.metrics.activeSessions.set(active);
    // The overview reads the agent list from the store: only build it when a supervisor listens.
    // In a cluster each instance renders it for its own supervisors.
    if (d.app.numSubscribers('supervisors') > 0) {
      background(andThen(this.overview(), (f) => {
        if (!this.#closed) d.app.publish('supervisors', JSON.stringify(f));
      }), d.log, 'rendering the overview failed');
    }
  }

  /** Queue position pushes: on change, at most one per second per visitor, always re-sent on (re)connect. */
  sendPosition(sessionId: string, force: boolean): void {
    const { sockets, extras, engine, d } = this.#c;
    if (!sockets.visitors.has(sessionId)) return;
    const x = extras.of(sessionId);
    const last = x.lastPosition;
    const wait = last ? last.at + 1000 - d.clock() : 0;
    if (!force && wait > 0) {
      x.positionTimer ??= setTimeout(() => {
        // Forgotten meanwhile (the session ended): nothing to push.
        if (extras.get(sessionId) !== x) return;
        x.positionTimer = undefined;
        this.sendPosition(sessionId, false);
      }, wait);
      return;
    }
    const position = engine.router.position(sessionId);
    if (position === null) return;
    const s = this.#c.sessions.cached(sessionId);
    const agentsOnline = engine.router.eligibleAgentCount(s?.department ?? null);
    const key = `${position}|${agentsOnline}`;
    if (!force && last?.key === key) return;
    x.lastPosition = { key, at: d.clock() };
    sockets.toVisitors(sessionId, {
      type: 'queue.position',
      sessionId,
      position,
      estimatedWaitSeconds: estimateWaitSeconds(position, agentsOnline, this.#c.handleTimes.average()),
      agentsOnline,
    });
  }

  /** Sends `ws` the queue as its agent sees it. */
  queueTo(ws: Socket, agentId: string): void {
    send(ws, { type: 'queue.snapshot', items: this.queueFor(agentId) });
  }

  close(): void {
    this.#closed = true;
  }
}
