// Frame handling: one validated client frame from a visitor or agent socket, checked against the
// session's state and carried out (chat appended, navigation checked, consent recorded, relayed to
// the other party). Routing frames become commands; session lookups answer at once from the cache,
// or once the store has loaded a session this instance had not seen.
import {
  RELAYED_TYPES,
  type ClientFrame,
  type ClientFrameOf,
} from '../../protocol/index.ts';
import type { SessionRecord } from '../store/types.ts';
import { andThen } from '../store/maybe.ts';
import type { Maybe } from '../store/ports.ts';
import { all, background } from './settle.ts';
import { checkTarget } from '../proxy/target-policy.ts';
import type { Channel } from './channel.ts';
import type { SessionPatch } from './engine.ts';
import { relayTail, relayText } from './relay-text.ts';
import { isSupervisor, send, sendError, type AgentSocketData, type Socket } from './sockets.ts';
import { sessionTopic } from './topics.ts';

const RELAYED = new Set<string>(RELAYED_TYPES);

export class Frames {
  #c: Channel;

  constructor(c: Channel) {
    this.#c = c;
  }

  /** `raw` = the frame's text, so relays can forward it without re-serialising. */
  message(ws: Socket, f: ClientFrame, raw: string | null): void {
    const d = ws.getUserData();
    if (f.type === 'pointer' || f.type === 'scroll') {
      // Most of the traffic: relayed at once when the session is cached and the frame may pass, with
      // the same checks as the general path below (which answers every other case, errors included).
      const sessionId = d.role === 'visitor' ? d.sessionId : f.sessionId;
      const s = sessionId === undefined ? undefined : this.#c.sessions.cached(sessionId);
      if (s && s.state !== 'ended') {
        if (d.role === 'visitor') {
          // The session's topic and the text appended to each frame, once per socket (sessionId = d.sessionId).
          const r = (d.relay ??= { topic: sessionTopic(sessionId!), tail: relayTail(sessionId!, 'visitor') });
          this.#c.engine.relay(ws, r.topic, relayText(raw, sessionId!, 'visitor', f, r.tail));
          this.#c.d.metrics.relayed.add(f.type);
          return;
        }
        if (s.agentId === d.agentId && this.#c.extras.get(s.id)?.sharing !== false) return this.#relay(ws, s.id, 'agent', f, raw);
      }
    }
    if (f.type === 'ping') return send(ws, { type: 'pong', t: f.t, serverTime: this.#c.d.clock() });
    if (f.type === 'hello') return d.role === 'visitor' ? this.#visitorHello(ws, d.sessionId, f) : this.#agentHello(ws, d, f);
    if (d.role === 'visitor') return this.#bg(andThen(this.#c.sessions.live(d.sessionId), (s) => this.#visitorFrame(ws, s, d.sessionId, f, raw)));
    return this.#agentFrame(ws, d, f, raw);
  }

  /** A frame's work that waited for a load: its failure is logged (a socket closed meanwhile, a store error). */
  #bg(v: Maybe<unknown>) {
    background(v, this.#c.d.log, 'frame handling failed');
  }

  /** Tells the other instances of a change of the session's small shared state (applied here already). */
  share(p: SessionPatch): void {
    this.#c.engine.patch(p);
  }

  // ------------------------------------------------------------------ hello / resume

  #visitorHello(ws: Socket, sessionId: string, f: ClientFrameOf<'hello'>) {
    this.#bg(andThen(this.#c.sessions.any(sessionId), (s) => {
      if (!s) return sendError(ws, 'CB_ERR_SESSION_UNKNOWN');
      const { d, delivery, timeline, extras, pushes } = this.#c;
      const after = f.resume?.[sessionId] ?? 0;
      send(ws, { type: 'welcome', role: 'visitor', serverTime: d.clock(), sessionId, instance: d.instanceId });
      send(ws, { type: 'session', session: pushes.info(s) });
      delivery.follow(sessionId, ws, false, after);
      timeline.replay(ws, sessionId, after);
      const x = extras.get(sessionId);
      if (x?.reads.agent !== undefined) send(ws, { type: 'read', sessionId, from: 'agent', seq: x.reads.agent });
      if (s.state === 'ended') return send(ws, { type: 'ended', sessionId, by: (s.endedBy as 'visitor') ?? 'system', reason: s.endReason ?? undefined });
      pushes.sendPosition(sessionId, true);
      if (x?.overflow && s.state !== 'active') send(ws, { type: 'offline.offer', sessionId, reason: x.overflow });
    }));
  }

  #agentHello(ws: Socket, d: AgentSocketData, f: ClientFrameOf<'hello'>) {
    const { engine, pushes, timeline } = this.#c;
    send(ws, { type: 'welcome', role: 'agent', serverTime: this.#c.d.clock(), agent: { id: d.agentId, name: d.name, email: d.email, role: d.agentRole }, instance: this.#c.d.instanceId });
    pushes.queueTo(ws, d.agentId);
    this.#bg(andThen(this.activeOf(d.agentId), (active) => {
      for (const s of active) timeline.catchUpAgent(ws, s, f.resume?.[s.id] ?? 0);
      const view = engine.router.agent(d.agentId);
      if (view) send(ws, { type: 'agent.status', status: view.status });
      if (isSupervisor(d)) return andThen(pushes.overview(), (o) => send(ws, o));
    }));
  }

  /** Active sessions of an agent: the routing state knows them all, including ones other instances assigned. */
  activeOf(agentId: string): Maybe<SessionRecord[]> {
    const ids = this.#c.engine.router.agent(agentId)?.active ?? [];
    return andThen(all(ids.map((id) => this.#c.sessions.live(id))), (list) => list.filter((s): s is SessionRecord => !!s && s.state === 'active' && s.agentId === agentId));
  }

  // ------------------------------------------------------------------ frames

  #visitorFrame(ws: Socket, s: SessionRecord | undefined, sessionId: string, f: ClientFrame, raw: string | null) {
    if (!s) return sendError(ws, 'CB_ERR_SESSION_ENDED');
    const { d, extras } = this.#c;
    if (f.type === 'end') {
      if (s.state === 'ended') {
        if (f.rating) d.writer.write(sessionId, 'rating', () => d.store.updateSession(sessionId, { rating: f.rating }));
        return;
      }
      return this.#c.endSession(sessionId, 'visitor', 'ended by visitor', f.rating);
    }
    if (s.state === 'ended') return sendError(ws, 'CB_ERR_SESSION_ENDED');
    switch (f.type) {
      case 'chat':
        return this.#chat(ws, s, 'visitor', 'Visitor', f);
      case 'nav':
        return this.#nav(ws, s, 'visitor', f.url, false);
      case 'control':
        if (f.action === 'request') return sendError(ws, 'CB_ERR_NOT_ALLOWED');
        extras.of(sessionId).control = f.action === 'grant';
        this.share({ sessionId, control: f.action === 'grant' });
        this.#c.sessionLog(sessionId).info({ event: `control.${f.action}` }, 'remote control consent');
        return this.#relay(ws, sessionId, 'visitor', f, raw);
      case 'sharing':
        extras.of(sessionId).sharing = f.on;
        this.share({ sessionId, sharing: f.on });
        return this.#relay(ws, sessionId, 'visitor', f, raw);
      case 'read':
        extras.of(sessionId).reads.visitor = f.seq;
        this.share({ sessionId, read: { party: 'visitor', seq: f.seq } });
        return this.#relay(ws, sessionId, 'visitor', f, raw);
      case 'ack':
        return;
      default:
        if (RELAYED.has(f.type) && f.type !== 'act') {
          if (f.type === 'form' && f.masked) delete (f as { value?: string }).value; // never relay a masked value
          if (f.type === 'viewport') {
            extras.of(sessionId).viewport = { type: 'viewport', sessionId, from: 'visitor', w: f.w, h: f.h };
            this.share({ sessionId, viewport: { w: f.w, h: f.h } });
          }
          return this.#relay(ws, sessionId, 'visitor', f, raw);
        }
        return sendError(ws, 'CB_ERR_NOT_ALLOWED', f.type);
    }
  }

  #agentFrame(ws: Socket, d: AgentSocketData, f: ClientFrame, raw: string | null) {
    const agentId = d.agentId;
    switch (f.type) {
      case 'status':
        return void this.#c.apply([{ type: 'agent.status', agentId, status: f.status }]);
      case 'accept':
        return void this.#c.apply([{ type: 'accept', agentId, sessionId: f.sessionId }], ws);
      case 'decline':
        return void this.#c.apply([{ type: 'decline', agentId, sessionId: f.sessionId }], ws);
      case 'ack':
        return;
      case 'watch':
        return this.#bg(andThen(this.#c.sessions.live(f.sessionId), (s) => this.#watch(ws, d, f.sessionId, s, f.on)));
    }
    const sessionId = 'sessionId' in f ? f.sessionId : undefined;
    if (!sessionId) return sendError(ws, 'CB_ERR_SESSION_UNKNOWN');
    this.#bg(andThen(this.#c.sessions.live(sessionId), (s) => {
      if (!s || s.agentId !== agentId) return sendError(ws, 'CB_ERR_SESSION_UNKNOWN', sessionId);
      if (s.state === 'ended') return sendError(ws, 'CB_ERR_SESSION_ENDED');
      this.#agentSessionFrame(ws, d, s, f, raw);
    }));
  }

  #agentSessionFrame(ws: Socket, d: AgentSocketData, s: SessionRecord, f: ClientFrame, raw: string | null) {
    const { timeline, extras } = this.#c;
    const clock = this.#c.d.clock;
    switch (f.type) {
      case 'chat':
        return this.#chat(ws, s, 'agent', d.name, f);
      case 'note':
        return timeline.append({ sessionId: s.id, ts: clock(), kind: 'note', from: 'agent', name: d.name, text: f.text });
      case 'lead':
        return this.#nav(ws, s, 'agent', f.url, true);
      case 'nav':
        return this.#nav(ws, s, 'agent', f.url, false);
      case 'history':
        return this.#relay(ws, s.id, 'agent', f, raw);
      case 'control':
        if (f.action !== 'request') return sendError(ws, 'CB_ERR_NOT_ALLOWED');
        return this.#relay(ws, s.id, 'agent', f, raw);
      case 'act':
        if (!extras.get(s.id)?.control) return sendError(ws, 'CB_ERR_NOT_ALLOWED', 'the visitor has not granted control');
        return this.#relay(ws, s.id, 'agent', f, raw);
      case 'transfer':
        this.#c.apply([{ type: 'transfer', sessionId: s.id, fromAgentId: d.agentId, toAgentId: f.toAgentId ?? null, toDepartment: f.toDepartment ?? null }], ws);
        if (f.note) timeline.append({ sessionId: s.id, ts: clock(), kind: 'note', from: 'agent', name: d.name, text: `Transfer note: ${f.note}` });
        return;
      case 'end':
        return this.#c.endSession(s.id, 'agent', `ended by ${d.name}`);
      case 'sharing':
        return sendError(ws, 'CB_ERR_NOT_ALLOWED');
      case 'read':
        extras.of(s.id).reads.agent = f.seq;
        this.share({ sessionId: s.id, read: { party: 'agent', seq: f.seq } });
        return this.#relay(ws, s.id, 'agent', f, raw);
      default:
        if (!RELAYED.has(f.type)) return sendError(ws, 'CB_ERR_NOT_ALLOWED', f.type);
        // While the visitor has paused sharing, nothing from the agent reaches their page.
        if (extras.get(s.id)?.sharing === false && f.type !== 'typing') return;
        return this.#relay(ws, s.id, 'agent', f, raw);
    }
  }

  /** Supervisors join a session silently: they receive everything agents see, the visitor is not told. */
  #watch(ws: Socket, d: AgentSocketData, sessionId: string, s: SessionRecord | undefined, on: boolean) {
    if (!isSupervisor(d)) return sendError(ws, 'CB_ERR_NOT_ALLOWED', 'supervisors only');
    if (!s) return sendError(ws, 'CB_ERR_SESSION_UNKNOWN', sessionId);
    if (!on) {
      ws.unsubscribe(sessionTopic(sessionId));
      this.#c.delivery.unfollow(sessionId, ws);
      return;
    }
    ws.subscribe(sessionTopic(sessionId));
    this.#c.timeline.catchUpAgent(ws, s, 0);
    this.#c.sessionLog(sessionId).info({ event: 'session.watched', supervisorId: d.agentId }, 'supervisor watching');
  }

  #chat(ws: Socket, s: SessionRecord, from: 'visitor' | 'agent', name: string, f: ClientFrameOf<'chat'>) {
    this.#c.timeline.append({ sessionId: s.id, ts: this.#c.d.clock(), kind: 'chat', from, name, text: f.text, clientId: f.clientId }, (event, duplicate) => {
      send(ws, { type: 'ack', sessionId: s.id, clientId: f.clientId, seq: event.seq });
      if (!duplicate) this.#c.d.metrics.messages.add(from);
    }, ws);
  }

  /** A party's frame moved (`lead` = the agent leads both to a typed URL). */
  #nav(ws: Socket, s: SessionRecord, by: 'visitor' | 'agent', url: string, lead: boolean) {
    const { d, engine, pushes } = this.#c;
    const check = checkTarget(url, d.policy);
    if (!check.ok) {
      if (lead) sendError(ws, check.code, check.reason);
      return;
    }
    const href = check.url.href;
    if (!lead && href === s.url) return;
    s.url = href;
    d.writer.write(s.id, 'session url', () => d.store.updateSession(s.id, { url: href }));
    this.share({ sessionId: s.id, url: href });
    this.#c.timeline.append({ sessionId: s.id, ts: d.clock(), kind: 'nav', from: by, url: href });
    const frame = { type: 'navigate', sessionId: s.id, url: href, proxyUrl: d.registry.proxyUrl(s.id, check.url), by } as const;
    this.#c.sessionLog(s.id).info({ event: 'session.navigated', by, url: href }, 'navigated');
    if (lead) pushes.publish(s.id, frame);
    else engine.relay(ws, sessionTopic(s.id), JSON.stringify(frame));
  }

  #relay(ws: Socket, sessionId: string, from: 'visitor' | 'agent', f: ClientFrame, raw: string | null) {
    // Relays skip the sender: no echo, so no feedback loops between the parties.
    this.#c.engine.relay(ws, sessionTopic(sessionId), relayText(raw, sessionId, from, f));
    this.#c.d.metrics.relayed.add(f.type);
  }
}
