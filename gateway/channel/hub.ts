// The switching cloud's coordinator: wires the channel's parts (connections, frames, effects,
// pushes, the timeline) to one engine, and is the hub the rest of the gateway sees (HTTP routes,
// server.ts) and the engine calls back (HubInbound). It owns the routing deadline timer and a
// session's start and end; everything else lives in the part named for it. No mode branches: one
// process and a cluster differ only in the engine (local-engine.ts, ../cluster/cluster-engine.ts).
import type { Logger } from 'pino';
import type { ClientFrame, ServerFrame } from '../../protocol/index.ts';
import type { Command, Effect } from '../routing/types.ts';
import type { SessionRecord } from '../store/types.ts';
import type { Maybe } from '../store/ports.ts';
import { andThen, thenCatch } from '../store/maybe.ts';
import type { Channel, HubDeps } from './channel.ts';
import type { Departed, Engine, HubInbound, SessionPatch } from './engine.ts';
import { EventDelivery, type Delivered } from './event-delivery.ts';
import { SessionCache } from './session-cache.ts';
import { SessionExtras } from './session-extras.ts';
import { AgentDirectory } from './agent-directory.ts';
import { HandleTimes } from './wait-estimate.ts';
import { Timeline } from './timeline.ts';
import { Pushes } from './pushes.ts';
import { Frames } from './frames.ts';
import { Effects } from './effects.ts';
import { Connections } from './connections.ts';
import { Lifecycle, type StartInput } from './lifecycle.ts';
import { background } from './settle.ts';
import { Sockets, sendError, sendText, type Socket } from './sockets.ts';

export type { HubDeps } from './channel.ts';
export type { Socket, SocketData } from './sockets.ts';

export class Hub implements HubInbound {
  readonly #d: HubDeps;
  readonly #engine: Engine;
  readonly #c: Channel;
  readonly #frames: Frames;
  readonly #effects: Effects;
  readonly #conn: Connections;
  readonly #life: Lifecycle;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  constructor(deps: HubDeps) {
    this.#d = deps;
    this.#engine = deps.engine;
    const c = {
      d: deps,
      engine: deps.engine,
      sessions: new SessionCache(deps.store, deps.engine.router, deps.clock),
      extras: new SessionExtras(),
      sockets: new Sockets(),
      // Session events go to each following socket exactly once, in order (not through uWS topics).
      delivery: new EventDelivery<Socket>(sendText),
      agents: new AgentDirectory(deps.store),
      handleTimes: new HandleTimes(),
      apply: (cmds: Command[], origin?: Socket) => this.#apply(cmds, origin),
      endSession: (id: string, by: 'visitor' | 'agent' | 'system', reason: string, rating?: number) => this.endSession(id, by, reason, rating),
      forget: (id: string) => this.#life.forget(id),
      sessionLog: (sessionId: string) => deps.log.child({ sessionId }),
      agentLog: (agentId: string) => deps.log.child({ agentId }),
    } as Omit<Channel, 'timeline' | 'pushes' | 'frames'> as Channel;
    c.timeline = new Timeline(c);
    c.pushes = new Pushes(c);
    c.frames = this.#frames = new Frames(c);
    this.#c = c;
    this.#effects = new Effects(c);
    this.#conn = new Connections(c);
    this.#life = new Lifecycle(c);
  }

  /** Loads the sessions still open and starts the engine; sockets are taken once this settles. */
  start(): Maybe<void> {
    return andThen(this.#c.sessions.preload(), () =>
      andThen(this.#engine.start(this), () => {
        this.#c.sessions.agreeWithRouting();
        this.#arm();
      }),
    );
  }

  // ------------------------------------------------------------------ sessions

  /** A visitor clicked the hyperlink: the session is created and queued (see lifecycle.ts). */
  startSession(input: StartInput): SessionRecord & { queued?: Promise<void> } {
    return this.#life.start(input);
  }

  /** Any session (ended ones from the store). */
  session(id: string): Maybe<SessionRecord | null> {
    return this.#c.sessions.any(id);
  }

  /**
   * Whether the session may still browse: from the cache, or loaded from the store when this
   * instance has not seen it yet (in a cluster, a session another instance created); at once on SQLite.
   */
  sessionLive(id: string): Maybe<boolean> {
    return andThen(this.#c.sessions.live(id), (s) => !!s && s.state !== 'ended');
  }

  info(s: SessionRecord) {
    return this.#c.pushes.info(s);
  }

  overview(): Maybe<ServerFrame> {
    return this.#c.pushes.overview();
  }

  /** A stored attachment becomes a chat event both parties see. */
  attachmentAdded(sessionId: string, from: 'visitor' | 'agent', name: string, attachment: { id: string; name: string; type: string; size: number }): void {
    this.#c.timeline.append({ sessionId, ts: this.#d.clock(), kind: 'attachment', from, name, attachment });
  }

  endSession(sessionId: string, by: 'visitor' | 'agent' | 'system', reason: string, rating?: number): void {
    const c = this.#c;
    const cached = c.sessions.cached(sessionId);
    if (!cached) return background(andThen(c.sessions.live(sessionId), (s) => s && this.#life.end(s, by, reason, rating)), this.#d.log, 'ending a session failed');
    this.#life.end(cached, by, reason, rating);
  }

  /** How many entries each per-session table holds (leak checks, /metrics). */
  sizes() {
    const c = this.#c;
    return { sessions: c.sessions.size, loading: c.sessions.loading, extras: c.extras.size, followed: c.delivery.size, visitors: c.sockets.visitors.size, agents: c.sockets.agents.size, writes: this.#d.writer.pending };
  }

  // ------------------------------------------------------------------ sockets and frames

  visitorOpen(ws: Socket): void {
    this.#conn.visitorOpen(ws);
  }
  visitorClose(ws: Socket): void {
    this.#conn.visitorClose(ws);
  }
  agentOpen(ws: Socket): void {
    this.#conn.agentOpen(ws);
  }
  agentClose(ws: Socket): void {
    this.#conn.agentClose(ws);
  }

  message(ws: Socket, f: ClientFrame, raw?: string): void {
    this.#frames.message(ws, f, raw ?? null);
  }

  /** An admin disabled an agent: close their sockets everywhere (their sessions follow the grace rules). */
  disconnectAgent(agentId: string): void {
    this.#engine.kick(agentId);
    this.agentChanged(agentId);
    this.closeAgent(agentId);
  }

  /** An admin changed an agent's record: every instance re-reads it. */
  agentUpdated(agentId: string): void {
    this.#engine.agentChanged(agentId);
    this.agentChanged(agentId);
  }

  // ------------------------------------------------------------------ routing

  /** Settles (when the engine answers with a promise) once the step is committed and carried out. */
  #apply(cmds: Command[], origin?: Socket): Maybe<void> {
    const failed = (err: unknown) => {
      this.#d.log.error({ err, cmds }, 'routing failed to apply a command');
      if (origin) sendError(origin, 'CB_ERR_INTERNAL');
    };
    const done = thenCatch(
      this.#engine.apply(cmds),
      (effects) => {
        if (this.#closed) return;
        for (const e of effects) this.#effects.carry(e, origin, true);
        this.#arm();
      },
      failed,
    );
    return done instanceof Promise ? done.catch(failed) : undefined;
  }

  /** One timer for the routing state's earliest deadline; the router decides what is due. */
  #arm() {
    if (this.#closed) return;
    const next = this.#engine.router.nextDeadline();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (next === null) return;
    const jitter = this.#engine.tickJitterMs ? Math.floor(Math.random() * this.#engine.tickJitterMs) : 0;
    const delay = Math.max(0, Math.min(next - this.#d.clock(), 2 ** 31 - 1));
    this.#timer = setTimeout(() => this.#apply([{ type: 'tick' }]), delay + 5 + jitter);
  }

  /** uWS's subscription handler: how many sockets here follow `topic` (the engine decides what follows from it). */
  topicCount(topic: string, now: number, was: number): void {
    this.#engine.topicCount?.(topic, now, was);
  }

  // ------------------------------------------------------------------ HubInbound (the engine calls these)

  apply(cmds: Command[]): void {
    this.#apply(cmds);
  }
  remoteEffects(effects: Effect[]): void {
    for (const e of effects) this.#effects.carry(e, undefined, false);
  }
  replicaChanged(): void {
    this.#c.pushes.queueChanged();
    this.#arm();
  }
  deadlineDue(): void {
    this.#apply([{ type: 'tick' }]);
  }
  remotePatch(p: SessionPatch): void {
    const s = this.#c.sessions.cached(p.sessionId);
    if (p.url !== undefined && s) s.url = p.url;
    if (p.control === undefined && p.sharing === undefined && !p.read && !p.viewport) return;
    const x = this.#c.extras.of(p.sessionId);
    if (p.control !== undefined) x.control = p.control;
    if (p.sharing !== undefined) x.sharing = p.sharing;
    if (p.read) x.reads[p.read.party] = p.read.seq;
    if (p.viewport) x.viewport = { type: 'viewport', sessionId: p.sessionId, from: 'visitor', w: p.viewport.w, h: p.viewport.h };
  }
  closeAgent(agentId: string): void {
    this.#conn.closeAgent(agentId);
  }
  agentChanged(agentId: string): void {
    this.#c.agents.forget(agentId);
  }
  event(sessionId: string, e: Delivered): void {
    this.#c.delivery.deliver(sessionId, e);
  }
  departed(d: Departed): void {
    this.#conn.departed(d);
  }
  agentsHere(): Iterable<string> {
    return this.#c.sockets.agents.ids();
  }
  visitorHere(sessionId: string): boolean {
    return this.#c.sockets.visitors.has(sessionId);
  }
  reconnectAgent(agentId: string): void {
    this.#conn.reconnectAgent(agentId);
  }

  get log(): Logger {
    return this.#d.log;
  }

  close(): void {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#c.extras.close();
    this.#c.pushes.close();
    this.#conn.close();
  }
}
