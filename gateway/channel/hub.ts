// The switching cloud's I/O shell: owns the sockets, the store and the routing timer, feeds commands
// to the pure router and carries out its effects (offers, assignments, queue pushes), and relays the
// channel's frames between the two parties over uWS pub/sub.
import type { Logger } from 'pino';
import {
  RELAYED_TYPES,
  WireErrors,
  type ClientFrame,
  type ClientFrameOf,
  type QueueItem,
  type ServerFrame,
  type SessionEvent,
  type SessionInfo,
  type WireErrorCode,
} from '../../protocol/index.ts';
import type { TemplatedApp, WebSocket } from '../uws.ts';
import type { AgentRecord, SessionRecord, Store } from '../store/types.ts';
import type { Command, Effect, Router } from '../routing/types.ts';
import type { OriginRegistry } from '../proxy/origin-registry.ts';
import type { CookieJars } from '../proxy/cookie-jars.ts';
import { checkTarget, type TargetPolicy } from '../proxy/target-policy.ts';
import { newId } from '../ids.ts';
import { sessionTopic } from './topics.ts';
import { HandleTimes, estimateWaitSeconds } from './wait-estimate.ts';
import { agentCapacity } from './capacity.ts';
import { overviewFrame, queueItemsFor } from './views.ts';
import { relayText } from './relay-text.ts';
import type { Metrics } from '../metrics.ts';
import type { Webhooks } from '../webhooks.ts';
import { whenReady, type Appended, type EventLog } from './event-log.ts';
import { EventDelivery, type Delivered } from './event-delivery.ts';
import type { SessionPatch } from '../cluster/bus.ts';
import type { Departed, PresenceKind } from '../cluster/presence.ts';

export type SocketData =
  | { role: 'visitor'; cid: string; sessionId: string }
  | { role: 'agent'; cid: string; agentId: string; name: string; email: string; agentRole: string };

export type Socket = WebSocket<SocketData>;

export interface HubDeps {
  app: TemplatedApp;
  store: Store;
  router: Router;
  registry: OriginRegistry;
  jars: CookieJars;
  policy: TargetPolicy;
  log: Logger;
  clock: () => number;
  defaultCapacity: number;
  /** Capacity by department, for agents without their own. */
  departmentCapacity: Record<string, number>;
  metrics: Metrics;
  webhooks: Webhooks;
  events: EventLog;
  /** This instance's name (INSTANCE_ID), told to clients in `welcome`. */
  instanceId?: string;
  /** Several instances on Redis; absent = one process. */
  cluster?: HubCluster;
}

/** What the hub needs from the cluster layer (gateway/cluster/). */
export interface HubCluster {
  /** Several commands are committed as one atomic step. */
  apply(cmd: Command | Command[]): Promise<Effect[]>;
  publish(topic: string, text: string): void;
  relay(ws: Socket, topic: string, text: string): void;
  patch(p: SessionPatch): void;
  /** Close this agent's sockets on the other instances too. */
  kick(agentId: string): void;
  presenceAdd(kind: PresenceKind, id: string): void;
  /** Resolves true when `id` is still connected to another live instance. */
  presenceRemove(kind: PresenceKind, id: string): Promise<boolean>;
}

const RELAYED = new Set<string>(RELAYED_TYPES);

export class Hub {
  #d: HubDeps;
  #visitors = new Map<string, Set<Socket>>();
  #agents = new Map<string, Set<Socket>>();
  #sessions = new Map<string, SessionRecord>();
  #control = new Map<string, boolean>();
  #sharing = new Map<string, boolean>();
  /** Last read receipt per `sessionId|party`, replayed on hello so "Seen" survives a reload. */
  #reads = new Map<string, number>();
  /** Visitors offered the offline-message form, re-offered when they (re)connect while still queued. */
  #overflow = new Map<string, 'no-agents' | 'wait-exceeded'>();
  /** Last viewport the visitor reported, replayed to an agent who joins later. */
  #viewports = new Map<string, ServerFrame>();
  #lastPosition = new Map<string, { key: string; at: number }>();
  #positionTimers = new Map<string, ReturnType<typeof setTimeout>>();
  #handleTimes = new HandleTimes();
  #timer: ReturnType<typeof setTimeout> | null = null;
  #queueDirty = false;
  #snapshotDirty = false;
  #snapshotTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;

  #c: HubCluster | null;
  /** Session events go to each following socket exactly once, in order (not through uWS topics). */
  #delivery = new EventDelivery<Socket>((ws, text) => {
    try {
      ws.send(text);
    } catch {
      /* closed during a cluster round trip; it resumes by sequence number */
    }
  });

  constructor(deps: HubDeps) {
    this.#d = deps;
    this.#c = deps.cluster ?? null;
    for (const s of deps.store.sessionsInState('queued', 'ringing', 'active')) this.#sessions.set(s.id, s);
    this.#arm();
  }

  // ------------------------------------------------------------------ sessions

  /**
   * A visitor clicked the hyperlink: create the session and queue it. `queued` settles once the join
   * is committed (at once with one process): answering the visitor only then makes queue order the
   * order in which visitors were answered, whichever instance each one reached.
   */
  startSession(input: { siteId: string; entryUrl: string; department: string | null; userAgent: string | null; language?: string | null; priority?: number }): SessionRecord & { queued?: Promise<void> } {
    const now = this.#d.clock();
    const rec: SessionRecord = {
      id: newId(),
      siteId: input.siteId,
      department: input.department,
      priority: input.priority ?? 0,
      entryUrl: input.entryUrl,
      userAgent: input.userAgent,
      language: input.language ?? null,
      state: 'queued',
      agentId: null,
      url: checkTarget(input.entryUrl, this.#d.policy).ok ? new URL(input.entryUrl).href : null,
      createdAt: now,
      acceptedAt: null,
      endedAt: null,
      endedBy: null,
      endReason: null,
      rating: null,
      lastSeq: 0,
    };
    this.#d.store.createSession(rec);
    this.#sessions.set(rec.id, rec);
    this.#append({ sessionId: rec.id, ts: now, kind: 'system', from: 'system', text: 'Waiting for an agent…' }, () => {
      if (rec.url) this.#append({ sessionId: rec.id, ts: now, kind: 'nav', from: 'visitor', url: rec.url });
    });
    this.#d.log.info({ event: 'session.queued', sessionId: rec.id, siteId: rec.siteId, department: rec.department }, 'session queued');
    this.#d.metrics.sessionsStarted.inc();
    // Queued as away until the shell's socket opens: no agent is offered a visitor who never arrived.
    const queued = this.#apply([
      { type: 'visitor.join', sessionId: rec.id, department: rec.department, priority: rec.priority },
      { type: 'visitor.disconnect', sessionId: rec.id },
    ]);
    return queued ? { ...rec, queued } : rec;
  }

  session(id: string): SessionRecord | null {
    return this.#live(id) ?? this.#d.store.session(id);
  }

  sessionLive(id: string): boolean {
    const s = this.#live(id);
    return !!s && s.state !== 'ended';
  }

  /** A live session: from this instance's cache or, in a cluster, from the shared store (then cached). */
  #live(id: string): SessionRecord | undefined {
    const s = this.#sessions.get(id);
    if (s || !this.#c) return s;
    const rec = this.#d.store.session(id);
    if (!rec || rec.state === 'ended') return undefined;
    this.#sessions.set(id, rec);
    return this.#agreeWithRouting(rec);
  }

  /**
   * The committed routing state decides who serves a session. The instance that committed an
   * assignment writes the session row afterwards; if it died in between, the row still says queued,
   * so a copy loaded from it is corrected from the routing replica. (Cached copies are kept right by
   * the effects themselves, which can arrive before the replica catches up: they are left alone.)
   */
  #agreeWithRouting(s: SessionRecord): SessionRecord {
    if (s.state === 'ended') return s;
    const agentId = this.#d.router.agentOf(s.id);
    if (agentId && (s.state !== 'active' || s.agentId !== agentId)) {
      s.state = 'active';
      s.agentId = agentId;
      s.acceptedAt ??= this.#d.clock();
    } else if (!agentId && s.state === 'active' && this.#d.router.position(s.id) !== null) {
      s.state = 'queued';
      s.agentId = null;
    }
    return s;
  }

  /** Active sessions of an agent: in a cluster the router's replica knows the ones other instances assigned. */
  #activeOf(agentId: string): SessionRecord[] {
    if (!this.#c) return [...this.#sessions.values()].filter((s) => s.agentId === agentId && s.state === 'active');
    return (this.#d.router.agent(agentId)?.active ?? []).flatMap((id) => {
      const s = this.#live(id);
      return s && s.state === 'active' && s.agentId === agentId ? [s] : [];
    });
  }

  info(s: SessionRecord): SessionInfo {
    const agent = s.agentId ? this.#d.store.agentById(s.agentId) : null;
    return {
      sessionId: s.id,
      state: s.state,
      siteId: s.siteId,
      department: s.department,
      entryUrl: s.entryUrl,
      url: s.url,
      proxyUrl: s.url && s.state !== 'ended' ? this.#d.registry.proxyUrl(s.id, s.url) : null,
      agent: agent ? { id: agent.id, name: agent.name } : null,
      userAgent: s.userAgent ?? undefined,
      language: s.language ?? undefined,
      createdAt: s.createdAt,
      acceptedAt: s.acceptedAt,
      lastSeq: s.lastSeq,
      control: this.#control.get(s.id) ?? false,
      sharing: this.#sharing.get(s.id) ?? true,
    };
  }

  // ------------------------------------------------------------------ sockets

  visitorOpen(ws: Socket) {
    const d = ws.getUserData();
    if (d.role !== 'visitor') return;
    const set = this.#visitors.get(d.sessionId) ?? new Set();
    set.add(ws);
    this.#visitors.set(d.sessionId, set);
    ws.subscribe(sessionTopic(d.sessionId));
    const s = this.#live(d.sessionId);
    if (s && s.state !== 'ended' && set.size === 1) {
      this.#c?.presenceAdd('v', d.sessionId);
      this.#apply({ type: 'visitor.reconnect', sessionId: d.sessionId });
    }
  }

  visitorClose(ws: Socket) {
    const d = ws.getUserData();
    if (d.role !== 'visitor') return;
    const set = this.#visitors.get(d.sessionId);
    set?.delete(ws);
    this.#delivery.unfollow(d.sessionId, ws);
    if (set && set.size === 0) {
      this.#visitors.delete(d.sessionId);
      if (!this.#c) {
        if (this.sessionLive(d.sessionId)) this.#apply({ type: 'visitor.disconnect', sessionId: d.sessionId });
        return;
      }
      void this.#c.presenceRemove('v', d.sessionId).then((elsewhere) => {
        if (!elsewhere && !this.#visitors.has(d.sessionId) && this.sessionLive(d.sessionId)) this.#apply({ type: 'visitor.disconnect', sessionId: d.sessionId });
      });
    }
  }

  agentOpen(ws: Socket) {
    const d = ws.getUserData();
    if (d.role !== 'agent') return;
    const set = this.#agents.get(d.agentId) ?? new Set();
    set.add(ws);
    this.#agents.set(d.agentId, set);
    for (const s of this.#activeOf(d.agentId)) this.#subscribeAgent(ws, s.id);
    if (d.agentRole === 'supervisor' || d.agentRole === 'admin') ws.subscribe('supervisors');
    if (set.size === 1) this.#c?.presenceAdd('a', d.agentId);
    // In a cluster the agent may already be connected through another instance: connecting again
    // would reset a status they chose (away) to online.
    if (set.size === 1 && !(this.#c && this.#d.router.agent(d.agentId)?.connected)) {
      const rec = this.#d.store.agentById(d.agentId);
      this.#apply({
        type: 'agent.connect',
        agent: {
          agentId: d.agentId,
          departments: rec?.departments ?? [],
          capacity: agentCapacity(rec?.capacity ?? null, rec?.departments ?? [], this.#d.departmentCapacity, this.#d.defaultCapacity),
        },
      });
    }
    this.#d.log.info({ event: 'agent.connected', agentId: d.agentId }, 'agent connected');
  }

  agentClose(ws: Socket) {
    const d = ws.getUserData();
    if (d.role !== 'agent' || this.#closed) return;
    this.#delivery.forgetSocket(ws);
    const set = this.#agents.get(d.agentId);
    set?.delete(ws);
    if (set && set.size === 0) {
      this.#agents.delete(d.agentId);
      if (!this.#c) return this.#agentGone(d.agentId, d.name);
      void this.#c.presenceRemove('a', d.agentId).then((elsewhere) => {
        if (!elsewhere && !this.#agents.has(d.agentId) && !this.#closed) this.#agentGone(d.agentId, d.name);
      });
    }
  }

  #agentGone(agentId: string, name: string) {
    for (const s of this.#activeOf(agentId)) {
      this.#append({ sessionId: s.id, ts: this.#d.clock(), kind: 'system', from: 'system', text: `${name} lost their connection. Waiting for them to come back…` });
    }
    this.#apply({ type: 'agent.disconnect', agentId });
    this.#d.log.info({ event: 'agent.disconnected', agentId }, 'agent disconnected');
  }

  /** Another instance died: its sockets count as dropped (those connected nowhere else). */
  departed(d: Departed) {
    for (const agentId of d.agents) {
      if (this.#agents.has(agentId)) continue;
      this.#agentGone(agentId, this.#d.store.agentById(agentId)?.name ?? 'The agent');
    }
    for (const sessionId of d.visitors) {
      if (!this.#visitors.has(sessionId) && this.sessionLive(sessionId)) this.#apply({ type: 'visitor.disconnect', sessionId });
    }
  }

  /** Raw text of the frame being handled, so relays can forward it without re-serialising. */
  #raw: string | null = null;

  message(ws: Socket, f: ClientFrame, raw?: string) {
    this.#raw = raw ?? null;
    try {
      this.#message(ws, f);
    } finally {
      this.#raw = null;
    }
  }

  #message(ws: Socket, f: ClientFrame) {
    const d = ws.getUserData();
    if (f.type === 'ping') return this.#send(ws, { type: 'pong', t: f.t, serverTime: this.#d.clock() });
    if (f.type === 'hello') return d.role === 'visitor' ? this.#visitorHello(ws, d.sessionId, f) : this.#agentHello(ws, d.agentId, f);
    if (d.role === 'visitor') return this.#visitorFrame(ws, d.sessionId, f);
    return this.#agentFrame(ws, d, f);
  }

  // ------------------------------------------------------------------ hello / resume

  #visitorHello(ws: Socket, sessionId: string, f: ClientFrameOf<'hello'>) {
    const s = this.session(sessionId);
    if (!s) return this.#error(ws, 'CB_ERR_SESSION_UNKNOWN');
    this.#send(ws, { type: 'welcome', role: 'visitor', serverTime: this.#d.clock(), sessionId, instance: this.#d.instanceId });
    this.#send(ws, { type: 'session', session: this.info(s) });
    this.#delivery.follow(sessionId, ws, false, f.resume?.[sessionId] ?? 0);
    this.#replay(ws, sessionId, f.resume?.[sessionId] ?? 0);
    const agentRead = this.#reads.get(`${sessionId}|agent`);
    if (agentRead !== undefined) this.#send(ws, { type: 'read', sessionId, from: 'agent', seq: agentRead });
    if (s.state === 'ended') this.#send(ws, { type: 'ended', sessionId, by: (s.endedBy as 'visitor') ?? 'system', reason: s.endReason ?? undefined });
    else {
      this.#sendPosition(sessionId, true);
      const overflow = this.#overflow.get(sessionId);
      if (overflow && s.state !== 'active') this.#send(ws, { type: 'offline.offer', sessionId, reason: overflow });
    }
  }

  /** Sends the session's events after `afterSeq` the socket lacks, then what arrived meanwhile (visitors never see internal notes). */
  #replay(ws: Socket, sessionId: string, afterSeq: number) {
    this.#delivery.beginReplay(sessionId, ws);
    whenReady(
      this.#d.events.after(sessionId, afterSeq),
      (events) => this.#delivery.endReplay(sessionId, ws, events.map(delivered)),
      (err) => {
        this.#d.log.error({ err, sessionId }, 'event replay failed');
        this.#delivery.endReplay(sessionId, ws, []);
        this.#error(ws, 'CB_ERR_INTERNAL');
      },
    );
  }

  /** A numbered event fanned out by the cluster's log (every instance, this one included). */
  clusterEvent(sessionId: string, e: Delivered) {
    this.#delivery.deliver(sessionId, e);
  }

  #agentHello(ws: Socket, agentId: string, f: ClientFrameOf<'hello'>) {
    const d = ws.getUserData() as Extract<SocketData, { role: 'agent' }>;
    this.#send(ws, { type: 'welcome', role: 'agent', serverTime: this.#d.clock(), agent: { id: agentId, name: d.name, email: d.email, role: d.agentRole }, instance: this.#d.instanceId });
    this.#send(ws, { type: 'queue.snapshot', items: this.#queueFor(agentId) });
    for (const s of this.#activeOf(agentId)) this.#catchUpAgent(ws, s, f.resume?.[s.id] ?? 0);
    const view = this.#d.router.agent(agentId);
    if (view) this.#send(ws, { type: 'agent.status', status: view.status });
    if (d.agentRole === 'supervisor' || d.agentRole === 'admin') this.#send(ws, this.overview());
  }

  // ------------------------------------------------------------------ frames

  #visitorFrame(ws: Socket, sessionId: string, f: ClientFrame) {
    const s = this.#live(sessionId);
    if (!s) return this.#error(ws, 'CB_ERR_SESSION_ENDED');
    if (f.type === 'end') {
      if (s.state === 'ended') {
        if (f.rating) this.#d.store.updateSession(sessionId, { rating: f.rating });
        return;
      }
      return this.endSession(sessionId, 'visitor', 'ended by visitor', f.rating);
    }
    if (s.state === 'ended') return this.#error(ws, 'CB_ERR_SESSION_ENDED');
    switch (f.type) {
      case 'chat':
        return this.#chat(ws, s, 'visitor', 'Visitor', f);
      case 'nav':
        return this.#nav(ws, s, 'visitor', f.url, false);
      case 'control':
        if (f.action === 'request') return this.#error(ws, 'CB_ERR_NOT_ALLOWED');
        this.#control.set(sessionId, f.action === 'grant');
        this.#c?.patch({ sessionId, control: f.action === 'grant' });
        this.#d.log.info({ event: `control.${f.action}`, sessionId }, 'remote control consent');
        return this.#relay(ws, sessionId, 'visitor', f);
      case 'sharing':
        this.#sharing.set(sessionId, f.on);
        this.#c?.patch({ sessionId, sharing: f.on });
        return this.#relay(ws, sessionId, 'visitor', f);
      case 'read':
        this.#reads.set(`${sessionId}|visitor`, f.seq);
        this.#c?.patch({ sessionId, read: { party: 'visitor', seq: f.seq } });
        return this.#relay(ws, sessionId, 'visitor', f);
      case 'ack':
        return;
      default:
        if (RELAYED.has(f.type) && f.type !== 'act') {
          if (f.type === 'form' && f.masked) delete (f as { value?: string }).value; // never relay a masked value
          if (f.type === 'viewport') {
            this.#viewports.set(sessionId, { type: 'viewport', sessionId, from: 'visitor', w: f.w, h: f.h });
            this.#c?.patch({ sessionId, viewport: { w: f.w, h: f.h } });
          }
          return this.#relay(ws, sessionId, 'visitor', f);
        }
        return this.#error(ws, 'CB_ERR_NOT_ALLOWED', f.type);
    }
  }

  #agentFrame(ws: Socket, d: Extract<SocketData, { role: 'agent' }>, f: ClientFrame) {
    const agentId = d.agentId;
    switch (f.type) {
      case 'status':
        return this.#apply({ type: 'agent.status', agentId, status: f.status });
      case 'accept':
        return this.#apply({ type: 'accept', agentId, sessionId: f.sessionId }, ws);
      case 'decline':
        return this.#apply({ type: 'decline', agentId, sessionId: f.sessionId }, ws);
      case 'ack':
        return;
      case 'watch':
        return this.#watch(ws, d, f.sessionId, f.on);
    }
    const sessionId = 'sessionId' in f ? f.sessionId : undefined;
    const s = sessionId ? this.#live(sessionId) : undefined;
    if (!s || s.agentId !== agentId) return this.#error(ws, 'CB_ERR_SESSION_UNKNOWN', sessionId);
    if (s.state === 'ended') return this.#error(ws, 'CB_ERR_SESSION_ENDED');
    switch (f.type) {
      case 'chat':
        return this.#chat(ws, s, 'agent', d.name, f);
      case 'note':
        return this.#append({ sessionId: s.id, ts: this.#d.clock(), kind: 'note', from: 'agent', name: d.name, text: f.text });
      case 'lead':
        return this.#nav(ws, s, 'agent', f.url, true);
      case 'nav':
        return this.#nav(ws, s, 'agent', f.url, false);
      case 'history':
        return this.#relay(ws, s.id, 'agent', f);
      case 'control':
        if (f.action !== 'request') return this.#error(ws, 'CB_ERR_NOT_ALLOWED');
        return this.#relay(ws, s.id, 'agent', f);
      case 'act':
        if (!this.#control.get(s.id)) return this.#error(ws, 'CB_ERR_NOT_ALLOWED', 'the visitor has not granted control');
        return this.#relay(ws, s.id, 'agent', f);
      case 'transfer':
        this.#apply({ type: 'transfer', sessionId: s.id, fromAgentId: agentId, toAgentId: f.toAgentId ?? null, toDepartment: f.toDepartment ?? null }, ws);
        if (f.note) {
          this.#append({ sessionId: s.id, ts: this.#d.clock(), kind: 'note', from: 'agent', name: d.name, text: `Transfer note: ${f.note}` });
        }
        return;
      case 'end':
        return this.endSession(s.id, 'agent', `ended by ${d.name}`);
      case 'sharing':
        return this.#error(ws, 'CB_ERR_NOT_ALLOWED');
      case 'read':
        this.#reads.set(`${s.id}|agent`, f.seq);
        this.#c?.patch({ sessionId: s.id, read: { party: 'agent', seq: f.seq } });
        return this.#relay(ws, s.id, 'agent', f);
      default:
        if (!RELAYED.has(f.type)) return this.#error(ws, 'CB_ERR_NOT_ALLOWED', f.type);
        // While the visitor has paused sharing, nothing from the agent reaches their page.
        if (this.#sharing.get(s.id) === false && f.type !== 'typing') return;
        return this.#relay(ws, s.id, 'agent', f);
    }
  }

  /** Supervisors join a session silently: they receive everything agents see, the visitor is not told. */
  #watch(ws: Socket, d: Extract<SocketData, { role: 'agent' }>, sessionId: string, on: boolean) {
    if (d.agentRole !== 'supervisor' && d.agentRole !== 'admin') return this.#error(ws, 'CB_ERR_NOT_ALLOWED', 'supervisors only');
    const s = this.#live(sessionId);
    if (!s) return this.#error(ws, 'CB_ERR_SESSION_UNKNOWN', sessionId);
    if (!on) {
      ws.unsubscribe(sessionTopic(sessionId));
      this.#delivery.unfollow(sessionId, ws);
      return;
    }
    this.#subscribeAgent(ws, sessionId);
    this.#catchUpAgent(ws, s, 0);
    this.#d.log.info({ event: 'session.watched', sessionId, supervisorId: d.agentId }, 'supervisor watching');
  }

  /** A stored attachment becomes a chat event both parties see. */
  attachmentAdded(sessionId: string, from: 'visitor' | 'agent', name: string, attachment: { id: string; name: string; type: string; size: number }) {
    this.#append({ sessionId, ts: this.#d.clock(), kind: 'attachment', from, name, attachment });
  }

  /** An admin disabled an agent: close their sockets (their sessions follow the grace rules). */
  disconnectAgent(agentId: string, everywhere = true) {
    if (everywhere) this.#c?.kick(agentId);
    for (const ws of [...(this.#agents.get(agentId) ?? [])]) ws.end(4403, 'account disabled');
  }

  overview(): ServerFrame {
    const names = new Map(this.#d.store.listAgents().map((a) => [a.id, a.name]));
    // A cluster's sessions live on every instance: the shared store lists them all.
    const sessions = this.#c ? this.#d.store.sessionsInState('queued', 'ringing', 'active') : this.#sessions.values();
    return overviewFrame(this.#d.router, sessions, names, this.#d.clock());
  }

  #chat(ws: Socket, s: SessionRecord, from: 'visitor' | 'agent', name: string, f: ClientFrameOf<'chat'>) {
    this.#append({ sessionId: s.id, ts: this.#d.clock(), kind: 'chat', from, name, text: f.text, clientId: f.clientId }, (event, duplicate) => {
      this.#send(ws, { type: 'ack', sessionId: s.id, clientId: f.clientId, seq: event.seq });
      if (!duplicate) this.#d.metrics.messages.inc({ from });
    }, ws);
  }

  /** A party's frame moved (`lead` = the agent leads both to a typed URL). */
  #nav(ws: Socket, s: SessionRecord, by: 'visitor' | 'agent', url: string, lead: boolean) {
    const check = checkTarget(url, this.#d.policy);
    if (!check.ok) {
      if (lead) this.#error(ws, check.code, check.reason);
      return;
    }
    const href = check.url.href;
    if (!lead && href === s.url) return;
    s.url = href;
    this.#d.store.updateSession(s.id, { url: href });
    this.#c?.patch({ sessionId: s.id, url: href });
    this.#append({ sessionId: s.id, ts: this.#d.clock(), kind: 'nav', from: by, url: href });
    const frame: ServerFrame = { type: 'navigate', sessionId: s.id, url: href, proxyUrl: this.#d.registry.proxyUrl(s.id, check.url), by };
    this.#d.log.info({ event: 'session.navigated', sessionId: s.id, by, url: href }, 'navigated');
    if (lead) this.#publish(sessionTopic(s.id), frame);
    else this.#relayText(ws, sessionTopic(s.id), JSON.stringify(frame));
  }

  #relay(ws: Socket, sessionId: string, from: 'visitor' | 'agent', f: ClientFrame) {
    this.#relayText(ws, sessionTopic(sessionId), relayText(this.#raw, sessionId, from, f));
    this.#d.metrics.relayed.inc({ type: f.type });
  }

  #relayText(ws: Socket, topic: string, text: string) {
    // ws.publish skips the sender: no echo, so no feedback loops between the parties.
    if (this.#c) this.#c.relay(ws, topic, text);
    else ws.publish(topic, text);
  }

  endSession(sessionId: string, by: 'visitor' | 'agent' | 'system', reason: string, rating?: number) {
    const s = this.#live(sessionId);
    if (!s || s.state === 'ended') return;
    const now = this.#d.clock();
    if (s.acceptedAt) this.#handleTimes.record((now - s.acceptedAt) / 1000);
    s.state = 'ended';
    s.endedAt = now;
    s.endedBy = by;
    s.endReason = reason;
    this.#d.store.updateSession(sessionId, { state: 'ended', endedAt: now, endedBy: by, endReason: reason, rating: rating ?? null });
    const info = this.info(s);
    this.#append({ sessionId, ts: now, kind: 'system', from: 'system', text: `Chat ${reason}.` }, (event) => {
      this.#publish(sessionTopic(sessionId), { type: 'session', session: { ...info, lastSeq: event.seq } });
      this.#publish(sessionTopic(sessionId), { type: 'ended', sessionId, by, reason });
      this.#d.events.ended(sessionId);
    });
    this.#apply({ type: 'session.end', sessionId });
    this.#forget(sessionId);
    this.#d.jars.drop(sessionId);
    this.#d.metrics.sessionsEnded.inc({ by });
    this.#d.webhooks.emit('session.ended', { sessionId, by, reason, rating: rating ?? null, siteId: s.siteId, agentId: s.agentId, lastSeq: s.lastSeq });
    this.#d.log.info({ event: 'session.ended', sessionId, by, reason, rating }, 'session ended');
  }

  /** Drops what this instance keeps about a session that ended (here or on another instance). */
  #forget(sessionId: string) {
    this.#sessions.delete(sessionId);
    this.#control.delete(sessionId);
    this.#sharing.delete(sessionId);
    this.#overflow.delete(sessionId);
    this.#reads.delete(`${sessionId}|agent`);
    this.#reads.delete(`${sessionId}|visitor`);
    this.#d.registry.dropSession(sessionId);
    this.#viewports.delete(sessionId);
  }

  // ------------------------------------------------------------------ cluster

  /** Another instance committed routing effects: carry out the part that concerns this instance's sockets. */
  remoteEffects(effects: Effect[]) {
    for (const e of effects) this.#effect(e, undefined, false);
  }

  /** The routing replica moved (a commit elsewhere): re-render queues and re-arm the deadline timer. */
  replicaChanged() {
    this.#queueDirty = true;
    this.#arm();
    this.#flushSoon();
    this.#reconcileSoon();
  }

  #reconcileTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Sockets here are the truth about who is connected here. A socket that closed on one instance
   * and reopened on another (or on this one) a moment later can see its "disconnected" commit land
   * after its "connected" check; at most four times a second, anyone with a socket here whom the
   * committed state calls disconnected is connected again.
   */
  #reconcileSoon() {
    if (!this.#c || this.#reconcileTimer || this.#closed) return;
    this.#reconcileTimer = setTimeout(() => {
      this.#reconcileTimer = null;
      if (this.#closed) return;
      for (const agentId of this.#agents.keys()) {
        const view = this.#d.router.agent(agentId);
        if (view && view.connected) continue;
        const rec = this.#d.store.agentById(agentId);
        this.#apply({
          type: 'agent.connect',
          agent: { agentId, departments: rec?.departments ?? [], capacity: agentCapacity(rec?.capacity ?? null, rec?.departments ?? [], this.#d.departmentCapacity, this.#d.defaultCapacity) },
        });
      }
      if (!this.#visitors.size) return;
      // Queued and active alike: an active visitor called disconnected would be ended after the grace.
      for (const r of this.#d.router.snapshot().sessions ?? []) {
        if (!r.connected && this.#visitors.has(r.sessionId)) this.#apply({ type: 'visitor.reconnect', sessionId: r.sessionId });
      }
    }, 250);
  }

  /** A deadline is due by the cluster's shared clock of deadlines. */
  deadlineDue() {
    this.#apply({ type: 'tick' });
  }

  /** Another instance changed a session's small shared state. */
  remotePatch(p: SessionPatch) {
    const id = p.sessionId;
    if (p.url !== undefined) {
      const s = this.#sessions.get(id);
      if (s) s.url = p.url;
    }
    if (p.control !== undefined) this.#control.set(id, p.control);
    if (p.sharing !== undefined) this.#sharing.set(id, p.sharing);
    if (p.read) this.#reads.set(`${id}|${p.read.party}`, p.read.seq);
    if (p.viewport) this.#viewports.set(id, { type: 'viewport', sessionId: id, from: 'visitor', w: p.viewport.w, h: p.viewport.h });
  }

  // ------------------------------------------------------------------ routing

  /** Returns, in a cluster, a promise that settles once the command is committed and carried out. */
  #apply(cmd: Command | Command[], origin?: Socket): Promise<void> | undefined {
    if (this.#c) {
      return this.#c.apply(cmd).then(
        (effects) => {
          if (this.#closed) return;
          for (const e of effects) this.#effect(e, origin, true);
          this.#arm();
          this.#flushSoon();
          this.#reconcileSoon();
        },
        (err) => {
          this.#d.log.error({ err, cmd }, 'cluster routing failed to commit a command');
          if (origin) this.#error(origin, 'CB_ERR_INTERNAL');
        },
      );
      return;
    }
    let effects: Effect[];
    try {
      effects = Array.isArray(cmd) ? cmd.flatMap((c) => this.#d.router.apply(c)) : this.#d.router.apply(cmd);
    } catch (err) {
      this.#d.log.error({ err, cmd }, 'router rejected a command');
      if (origin) this.#error(origin, 'CB_ERR_INTERNAL');
      return;
    }
    this.#snapshotDirty = true;
    for (const e of effects) this.#effect(e, origin, true);
    this.#arm();
    this.#flushSoon();
  }

  /**
   * Carries out one routing effect. `committed` = this instance committed the command: it writes the
   * store, appends events, logs and counts. Every instance updates its own sockets and caches.
   */
  #effect(e: Effect, origin: Socket | undefined, committed: boolean) {
    const { log, store, clock } = this.#d;
    switch (e.type) {
      case 'offered':
        if (committed) {
          this.#d.metrics.offers.inc();
          log.info({ event: 'session.offered', sessionId: e.sessionId, agentId: e.agentId, expiresAt: e.expiresAt }, 'offered');
        }
        this.#queueDirty = true;
        return;
      case 'offer.withdrawn':
        if (committed) {
          if (e.reason === 'timeout') this.#d.metrics.offerTimeouts.inc();
          log.info({ event: 'session.offer-withdrawn', sessionId: e.sessionId, agentId: e.agentId, reason: e.reason }, 'offer withdrawn');
        }
        this.#queueDirty = true;
        return;
      case 'queue.changed':
        this.#queueDirty = true;
        return;
      case 'rejected':
        if (origin) this.#error(origin, e.code, e.sessionId);
        return;
      case 'assigned': {
        const s = this.#live(e.sessionId);
        if (!s) return;
        const now = clock();
        s.state = 'active';
        s.agentId = e.agentId;
        this.#overflow.delete(s.id);
        s.acceptedAt ??= now;
        this.#lastPosition.delete(s.id);
        if (e.previousAgentId) this.#releaseAgent(e.previousAgentId, s.id, 'transferred');
        for (const ws of this.#agents.get(e.agentId) ?? []) {
          this.#subscribeAgent(ws, s.id);
          this.#catchUpAgent(ws, s, 0);
        }
        if (!committed) return this.#tellLocalVisitors(s);
        const agent = store.agentById(e.agentId);
        store.updateSession(s.id, { state: 'active', agentId: e.agentId, acceptedAt: s.acceptedAt });
        if (!e.previousAgentId && s.acceptedAt === now) {
          this.#d.webhooks.emit('session.started', { sessionId: s.id, agentId: e.agentId, siteId: s.siteId, entryUrl: s.entryUrl, waitedSeconds: (now - s.createdAt) / 1000 });
        }
        const info = this.info(s);
        this.#append({ sessionId: s.id, ts: now, kind: 'system', from: 'system', text: `${agent?.name ?? 'An agent'} joined the chat.` }, (event) => {
          this.#publish(sessionTopic(s.id), { type: 'session', session: { ...info, lastSeq: event.seq } });
        });
        this.#d.metrics.waitSeconds.observe((now - s.createdAt) / 1000);
        log.info({ event: 'session.accepted', sessionId: s.id, agentId: e.agentId, previousAgentId: e.previousAgentId }, 'accepted');
        return;
      }
      case 'requeued': {
        const s = this.#live(e.sessionId);
        if (!s) return;
        s.state = 'queued';
        s.agentId = null;
        this.#releaseAgent(e.fromAgentId, s.id, e.reason === 'agent-gone' ? 'agent-gone' : 'transferred');
        if (!committed) return this.#tellLocalVisitors(s);
        store.updateSession(s.id, { state: 'queued', agentId: null });
        const text = e.reason === 'agent-gone' ? 'The agent was disconnected. You are first in line for the next agent.' : 'You are being transferred to another department.';
        const info = this.info(s);
        this.#append({ sessionId: s.id, ts: clock(), kind: 'system', from: 'system', text }, (event) => {
          this.#publish(sessionTopic(s.id), { type: 'session', session: { ...info, lastSeq: event.seq } });
        });
        log.info({ event: 'session.requeued', sessionId: s.id, fromAgentId: e.fromAgentId, reason: e.reason }, 'requeued');
        return;
      }
      case 'agent.status':
        for (const ws of this.#agents.get(e.agentId) ?? []) {
          this.#send(ws, { type: 'agent.status', status: e.status, reason: e.reason === 'missed-offers' ? 'You missed several offers in a row, so your status was set to away.' : undefined });
        }
        if (committed) log.info({ event: 'agent.status', agentId: e.agentId, status: e.status, reason: e.reason }, 'agent status');
        this.#queueDirty = true;
        return;
      case 'visitor.removed':
        if (!committed) {
          if (e.reason === 'ended') this.#forget(e.sessionId);
          return;
        }
        if (e.reason !== 'ended') this.endSession(e.sessionId, 'system', e.reason === 'left' ? 'ended: the visitor left' : 'ended: the visitor did not come back');
        return;
      case 'visitor.overflow': {
        // Kept until the visitor is served: the first overflow often fires before their socket opens.
        this.#overflow.set(e.sessionId, e.reason);
        if (!committed) return;
        const text =
          e.reason === 'no-agents'
            ? 'No agent is online right now. You can stay in the queue, or end the chat and write to us.'
            : 'This is taking longer than usual. You can keep waiting, or end the chat and write to us.';
        this.#append({ sessionId: e.sessionId, ts: clock(), kind: 'system', from: 'system', text }, () => {
          this.#publish(sessionTopic(e.sessionId), { type: 'offline.offer', sessionId: e.sessionId, reason: e.reason });
        });
        return;
      }
    }
  }

  /**
   * Another instance committed a change of who serves this session: this instance's visitor sockets
   * hear it from here too, so they learn it even if that instance dies before its own announcement
   * (a repeated session frame changes nothing for the shell).
   */
  #tellLocalVisitors(s: SessionRecord) {
    const sockets = this.#visitors.get(s.id);
    if (!sockets?.size) return;
    const frame: ServerFrame = { type: 'session', session: this.info(s) };
    for (const ws of sockets) this.#send(ws, frame);
  }

  #releaseAgent(agentId: string, sessionId: string, reason: string) {
    for (const ws of this.#agents.get(agentId) ?? []) {
      ws.unsubscribe(sessionTopic(sessionId));
      this.#delivery.unfollow(sessionId, ws);
      this.#send(ws, { type: 'ended', sessionId, by: 'system', reason });
    }
  }

  /** Everything an agent-side socket needs to show a session: its info, the events after `afterSeq`, the visitor's viewport and last read receipt. */
  #catchUpAgent(ws: Socket, s: SessionRecord, afterSeq: number) {
    this.#send(ws, { type: 'session', session: this.info(s) });
    this.#delivery.follow(s.id, ws, true, afterSeq);
    this.#replay(ws, s.id, afterSeq);
    const vp = this.#viewports.get(s.id);
    if (vp) this.#send(ws, vp);
    const visitorRead = this.#reads.get(`${s.id}|visitor`);
    if (visitorRead !== undefined) this.#send(ws, { type: 'read', sessionId: s.id, from: 'visitor', seq: visitorRead });
  }

  #subscribeAgent(ws: Socket, sessionId: string) {
    ws.subscribe(sessionTopic(sessionId));
  }

  /** One timer for the router's earliest deadline; the router decides what is due. */
  #arm() {
    if (this.#closed) return;
    const next = this.#d.router.nextDeadline();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    if (next === null) return;
    // In a cluster every instance arms the same deadline; a little jitter lets one of them win the
    // commit and the others find nothing due, instead of all colliding at once.
    const jitter = this.#c ? Math.floor(Math.random() * 25) : 0;
    const delay = Math.max(0, Math.min(next - this.#d.clock(), 2 ** 31 - 1));
    this.#timer = setTimeout(() => this.#apply({ type: 'tick' }), delay + 5 + jitter);
  }

  #flushScheduled = false;
  #flushSoon() {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    setImmediate(() => {
      this.#flushScheduled = false;
      if (this.#closed) return;
      if (this.#snapshotDirty && !this.#snapshotTimer && !this.#c) {
        // At most four writes a second under a storm; a crash loses at most that window of routing
        // state, which reconnecting clients rebuild (sessions and events are written at once).
        this.#snapshotTimer = setTimeout(() => {
          this.#snapshotTimer = null;
          if (this.#closed || !this.#snapshotDirty) return;
          this.#snapshotDirty = false;
          this.#d.store.setKv('routing', JSON.stringify(this.#d.router.snapshot()));
        }, 250);
      }
      if (!this.#queueDirty) return;
      this.#queueDirty = false;
      for (const [agentId, set] of this.#agents) {
        const frame = JSON.stringify({ type: 'queue.snapshot', items: this.#queueFor(agentId) } satisfies ServerFrame);
        for (const ws of set) ws.send(frame);
      }
      const queue = this.#d.router.queue();
      for (const q of queue) this.#sendPosition(q.sessionId, false);
      this.#d.metrics.queueLength.set(queue.length);
      let active = 0;
      for (const s of this.#sessions.values()) if (s.state === 'active') active++;
      this.#d.metrics.activeSessions.set(active);
      // The overview reads the agent list from the store: only build it when a supervisor listens.
      // In a cluster each instance renders it for its own supervisors.
      if (this.#d.app.numSubscribers('supervisors') > 0) this.#d.app.publish('supervisors', JSON.stringify(this.overview()));
    });
  }

  #queueFor(agentId: string): QueueItem[] {
    return queueItemsFor(this.#d.router, (id) => this.#live(id), agentId);
  }

  /** Queue position pushes: on change, at most one per second per visitor, always re-sent on (re)connect. */
  #sendPosition(sessionId: string, force: boolean) {
    if (!this.#visitors.get(sessionId)?.size) return;
    const last = this.#lastPosition.get(sessionId);
    const wait = last ? last.at + 1000 - this.#d.clock() : 0;
    if (!force && wait > 0) {
      if (!this.#positionTimers.has(sessionId)) {
        this.#positionTimers.set(sessionId, setTimeout(() => {
          this.#positionTimers.delete(sessionId);
          this.#sendPosition(sessionId, false);
        }, wait));
      }
      return;
    }
    const position = this.#d.router.position(sessionId);
    if (position === null) return;
    const s = this.#sessions.get(sessionId);
    const agentsOnline = this.#d.router.eligibleAgentCount(s?.department ?? null);
    const key = `${position}|${agentsOnline}`;
    if (!force && last?.key === key) return;
    this.#lastPosition.set(sessionId, { key, at: this.#d.clock() });
    const frame: ServerFrame = {
      type: 'queue.position',
      sessionId,
      position,
      estimatedWaitSeconds: estimateWaitSeconds(position, agentsOnline, this.#handleTimes.average()),
      agentsOnline,
    };
    for (const ws of this.#visitors.get(sessionId) ?? []) this.#send(ws, frame);
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Appends to the session's log and delivers the numbered event to the sockets following the
   * session, then runs `then` (at once with one process; when Redis answers in a cluster, where the
   * append script itself fans the event out, so an instance dying right after the append loses
   * nothing). A failed append is logged and, when a socket waits for the answer, reported to it.
   */
  #append(e: Omit<SessionEvent, 'seq'>, then?: (event: SessionEvent, duplicate: boolean) => void, ws?: Socket) {
    whenReady(
      this.#d.events.append(e),
      (r: Appended) => {
        const s = this.#sessions.get(e.sessionId);
        if (s && !r.duplicate && r.event.seq > s.lastSeq) s.lastSeq = r.event.seq;
        // A cluster's log delivers through Redis, to every instance in sequence order (clusterEvent).
        if (!r.duplicate && !this.#c) this.#delivery.deliver(e.sessionId, delivered(r.event));
        then?.(r.event, r.duplicate);
      },
      (err) => {
        this.#d.log.error({ err, sessionId: e.sessionId, kind: e.kind }, 'event append failed');
        if (ws) this.#error(ws, 'CB_ERR_INTERNAL');
      },
    );
  }

  #publish(topic: string, frame: ServerFrame) {
    const text = JSON.stringify(frame);
    if (this.#c) this.#c.publish(topic, text);
    else this.#d.app.publish(topic, text);
  }

  #send(ws: Socket, frame: ServerFrame) {
    try {
      ws.send(JSON.stringify(frame));
    } catch {
      // The socket closed while a cluster round trip (replay, append) was in flight: uWS refuses
      // access to a closed socket. Its client resumes by sequence number when it reconnects.
    }
  }

  #error(ws: Socket, code: WireErrorCode, ref?: string) {
    this.#send(ws, { type: 'error', code, message: WireErrors[code], ref });
  }

  /** Gateway restart: everyone who was connected gets their grace period to come back. */
  restoreAfterRestart() {
    const snap = this.#d.router.snapshot();
    for (const a of snap.agents) if (a.connected) this.#apply({ type: 'agent.disconnect', agentId: a.agentId });
    for (const q of snap.queue) if (q.connected) this.#apply({ type: 'visitor.disconnect', sessionId: q.sessionId });
  }

  close() {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#reconcileTimer) clearTimeout(this.#reconcileTimer);
    if (this.#snapshotTimer) clearTimeout(this.#snapshotTimer);
    for (const t of this.#positionTimers.values()) clearTimeout(t);
    if (!this.#c) this.#d.store.setKv('routing', JSON.stringify(this.#d.router.snapshot()));
  }
}

function delivered(e: SessionEvent): Delivered {
  return { seq: e.seq, agentsOnly: e.kind === 'note', text: JSON.stringify({ type: 'event', event: e } satisfies ServerFrame) };
}
