// Visitors and agents for cluster tests, behaving like the shell and the console: they reconnect to
// another live instance when theirs dies, say `hello` with `resume: {sessionId: lastSeq}`, resend
// unacknowledged chat messages with the same clientId, and record everything the invariants need:
// every event received per connection (to check "exactly the gap, in order" after each resume),
// every agent a visitor was given, every session an agent was given, refusals.
import { QueueWindowCopy } from '../../protocol/queue-delta.ts';
import WebSocket from 'ws';
import type { ServerFrame, SessionEvent } from '../../protocol/index.ts';
import type { ClusterNode, TestCluster } from './cluster.ts';

export type Rand = () => number;

/** Deterministic pseudo-random numbers (mulberry32), so a failing seed can be replayed. */
export function seeded(seed: number): Rand {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Pending {
  sessionId: string;
  clientId: string;
  text: string;
}

/** What one client saw, checked by the tests. */
export interface ClientLog {
  /** Events by session and seq, first receipt. */
  events: Map<string, Map<number, SessionEvent>>;
  /** Problems found while receiving: out-of-order or repeated seq on a connection, conflicting content. */
  violations: string[];
  /** Per session: clientIds of chat messages this client sent, and the seq the gateway acknowledged. */
  acked: Map<string, number>;
  /** clientId → the session it was sent in. */
  ackedSession: Map<string, string>;
  /** Connection changes (ms timestamps) for "was this client moving at the time" questions. */
  moves: number[];
  connections: number;
  resumes: number;
}

abstract class ClusterClient {
  readonly log: ClientLog = { events: new Map(), violations: [], acked: new Map(), ackedSession: new Map(), moves: [], connections: 0, resumes: 0 };
  node: number;
  ws: WebSocket | null = null;
  /** True once `welcome` arrived on the current socket. */
  ready = false;
  closing = false;
  readonly pending = new Map<string, Pending>();
  #chatN = 0;
  #readyWaiters: (() => void)[] = [];

  constructor(
    readonly cluster: TestCluster,
    readonly name: string,
    node: number,
    readonly rand: Rand,
  ) {
    this.node = node;
  }

  protected abstract path(): string;
  protected abstract headers(node: number): Record<string, string>;
  /** The resume map for a reconnect (empty on the first connection). */
  protected abstract resumeMap(): Record<string, number> | null;
  protected abstract onFrame(f: ServerFrame): void;
  /** The agent's queue window as this connection's frames make it (a new connection starts with a snapshot). */
  protected readonly queue = new QueueWindowCopy();

  lastSeq(sessionId: string): number {
    const m = this.log.events.get(sessionId);
    if (!m) return 0;
    // The resume point is the highest seq below which everything has arrived.
    let n = 0;
    while (m.has(n + 1)) n++;
    return n;
  }

  connect(): Promise<void> {
    const node = this.node;
    const { url, lookup } = this.cluster.nodes[node];
    const ws = new WebSocket(url.replace(/^http/, 'ws') + this.path(), { lookup: lookup as never, headers: { origin: url, ...this.headers(node) } });
    this.ws = ws;
    this.ready = false;
    this.log.connections++;
    this.log.moves.push(Date.now());
    const resume = this.resumeMap();
    // Per connection: the next seq expected per session (resume point + 1), to check the replay is
    // exactly the gap and live events follow it in order.
    const expect = new Map<string, number>();
    for (const [sid, seq] of Object.entries(resume ?? {})) expect.set(sid, seq + 1);
    if (resume) this.log.resumes++;
    return new Promise<void>((resolve) => {
      let settled = false;
      const done = () => {
        if (!settled) (settled = true), resolve();
      };
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', ...(resume ? { resume } : {}) })));
      ws.on('message', (raw) => {
        const f = JSON.parse(String(raw)) as ServerFrame;
        if (f.type === 'welcome') {
          this.ready = true;
          // Unacknowledged messages go again with the same clientId (stored once by the gateway).
          for (const p of this.pending.values()) this.#sendChat(p);
          for (const w of this.#readyWaiters.splice(0)) w();
          done();
        }
        if (f.type === 'event') this.#onEvent(f.event, expect, node);
        if (f.type === 'ack') {
          const p = this.pending.get(f.clientId);
          const prev = this.log.acked.get(f.clientId);
          if (prev !== undefined && prev !== f.seq) this.log.violations.push(`${this.name}: message ${f.clientId} acknowledged as seq ${prev} and again as seq ${f.seq}`);
          this.log.acked.set(f.clientId, f.seq);
          this.log.ackedSession.set(f.clientId, f.sessionId);
          if (p) this.pending.delete(f.clientId);
        }
        // The queue comes whole once, then as deltas: subclasses see the window after each, as a snapshot.
        if (f.type === 'queue.snapshot' || f.type === 'queue.delta') {
          const items = this.queue.apply(f);
          return this.onFrame(f.type === 'queue.snapshot' ? f : { type: 'queue.snapshot', items, total: this.queue.total });
        }
        this.onFrame(f);
      });
      ws.on('error', () => {});
      ws.on('close', () => {
        done();
        if (this.ws !== ws) return;
        this.ready = false;
        if (this.closing) return;
        this.log.moves.push(Date.now());
        // The instance died or dropped us: like the shell, come back after a short pause, to another
        // instance if this one is gone.
        setTimeout(() => this.#reconnect(), 100 + Math.floor(this.rand() * 300));
      });
    });
  }

  #reconnect() {
    if (this.closing) return;
    const live = this.cluster.liveNodes();
    if (live.length === 0) {
      setTimeout(() => this.#reconnect(), 200);
      return;
    }
    if (!live.includes(this.node)) this.node = live[Math.floor(this.rand() * live.length)];
    void this.connect();
  }

  #onEvent(e: SessionEvent, expect: Map<string, number>, node: number) {
    const want = expect.get(e.sessionId) ?? 1;
    if (e.seq !== want) {
      this.log.violations.push(
        `${this.name}: session ${e.sessionId.slice(0, 8)} on ${this.cluster.nodes[node].name} connection #${this.log.connections}: got seq ${e.seq}, expected ${want} (${e.seq < want ? 'repeated or out of order' : 'gap'}; ${e.kind} ${e.text ?? ''})`,
      );
    }
    expect.set(e.sessionId, Math.max(want, e.seq + 1));
    let m = this.log.events.get(e.sessionId);
    if (!m) this.log.events.set(e.sessionId, (m = new Map()));
    const seen = m.get(e.seq);
    if (!seen) m.set(e.seq, e);
    else if (seen.kind !== e.kind || seen.text !== e.text || seen.clientId !== e.clientId || seen.from !== e.from) {
      this.log.violations.push(`${this.name}: seq ${e.seq} of ${e.sessionId.slice(0, 8)} arrived with two different contents: ${JSON.stringify(seen)} / ${JSON.stringify(e)}`);
    }
  }

  whenReady(): Promise<void> {
    if (this.ready) return Promise.resolve();
    return new Promise((r) => this.#readyWaiters.push(r));
  }

  chat(sessionId: string, text: string): string {
    const clientId = `${this.name}-${++this.#chatN}`;
    const p = { sessionId, clientId, text };
    this.pending.set(clientId, p);
    if (this.ready) this.#sendChat(p);
    return clientId;
  }

  #sendChat(p: Pending) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify({ type: 'chat', sessionId: p.sessionId, clientId: p.clientId, text: p.text }));
  }

  send(frame: object) {
    if (this.ready && this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  close() {
    this.closing = true;
    this.ws?.close();
  }
}

export class ClusterVisitor extends ClusterClient {
  /** Every agent id this visitor's session was ever active with, in order. */
  readonly agents: string[] = [];
  state: string | null = null;
  ended: { by: string; reason?: string } | null = null;
  /** The test ended this session on purpose (the visitor's "End chat"). */
  leftAt: number | null = null;
  errors: string[] = [];

  constructor(
    cluster: TestCluster,
    readonly sessionId: string,
    /** Order in which the test created the session (/start calls are sequential). */
    readonly joinIndex: number,
    node: number,
    rand: Rand,
  ) {
    super(cluster, `v${joinIndex}`, node, rand);
  }

  /** "End chat", as the shell sends it. */
  end() {
    this.leftAt = Date.now();
    this.send({ type: 'end', sessionId: this.sessionId });
  }

  protected path() {
    return `/ws/visitor?sid=${this.sessionId}`;
  }
  protected headers() {
    return {};
  }
  protected resumeMap() {
    return this.log.connections > 1 ? { [this.sessionId]: this.lastSeq(this.sessionId) } : null;
  }
  protected onFrame(f: ServerFrame) {
    if (f.type === 'session' && f.session.sessionId === this.sessionId) {
      this.state = f.session.state;
      const id = f.session.agent?.id;
      if (f.session.state === 'active' && id && this.agents.at(-1) !== id) this.agents.push(id);
    } else if (f.type === 'ended') this.ended = { by: f.by, reason: f.reason };
    else if (f.type === 'error') this.errors.push(f.code);
  }
}

export type OfferChoice = 'accept' | 'decline' | 'ignore';

export class ClusterAgent extends ClusterClient {
  id = '';
  /** Sessions the gateway told this agent it holds (a `session` frame, active, with this agent). */
  readonly held = new Set<string>();
  /** Most sessions held at once, as this agent saw it (not counting sessions `isEnding` says are being ended). */
  maxHeld = 0;
  isEnding: (sessionId: string) => boolean = () => false;
  readonly refusals: Record<string, number> = {};
  /** Sessions the gateway told this agent were ended. */
  readonly ended = new Set<string>();
  readonly offersSeen = new Set<string>();
  /** First time (ms) this agent saw an offer for a session, and its expiry as the gateway stated it. */
  readonly offers = new Map<string, { seenAt: number; expiresAt: number | null }>();
  /** For each offer as it arrived: ms left before it expires (by the gateway's offerExpiresAt). */
  readonly offerRemainingMs: number[] = [];
  /** For each refused accept: ms between sending it and the refusal, and what was left of the offer when sent. */
  readonly refusedAccepts: { code: string; afterMs: number; leftWhenSentMs: number | null }[] = [];
  readonly #acceptSent = new Map<string, { at: number; expiresAt: number | null }>();
  choose: (sessionId: string) => OfferChoice = () => 'accept';
  /** Called when a chat event from the visitor arrives on a session this agent holds. */
  onVisitorChat: ((sessionId: string, e: SessionEvent) => void) | null = null;
  status: string | null = null;

  constructor(
    cluster: TestCluster,
    readonly email: string,
    /** Login cookie (login tokens live in the shared store, so one works on every instance). */
    readonly cookie: string,
    node: number,
    rand: Rand,
  ) {
    super(cluster, email.split('@')[0], node, rand);
  }

  protected path() {
    return '/ws/agent';
  }
  protected headers() {
    return { cookie: this.cookie };
  }
  protected resumeMap() {
    if (this.log.connections <= 1) return null;
    return Object.fromEntries([...this.held].map((sid) => [sid, this.lastSeq(sid)]));
  }
  protected onFrame(f: ServerFrame) {
    switch (f.type) {
      case 'welcome':
        this.id = f.agent?.id ?? this.id;
        return;
      case 'agent.status':
        this.status = f.status;
        return;
      case 'queue.snapshot':
        for (const it of f.items) {
          if (!it.offeredToMe) continue;
          if (!this.offers.has(it.sessionId)) this.offers.set(it.sessionId, { seenAt: Date.now(), expiresAt: it.offerExpiresAt });
          const key = `${it.sessionId}@${it.offerExpiresAt}`;
          if (this.offersSeen.has(key) || this.held.has(it.sessionId)) continue;
          this.offersSeen.add(key);
          if (it.offerExpiresAt !== null) this.offerRemainingMs.push(it.offerExpiresAt - Date.now());
          const c = this.choose(it.sessionId);
          if (c === 'accept') {
            this.#acceptSent.set(it.sessionId, { at: Date.now(), expiresAt: it.offerExpiresAt });
            this.send({ type: 'accept', sessionId: it.sessionId });
          }
          else if (c === 'decline') this.send({ type: 'decline', sessionId: it.sessionId });
        }
        return;
      case 'session':
        if (f.session.state === 'ended') this.held.delete(f.session.sessionId);
        else if (f.session.state === 'active' && f.session.agent?.id === this.id) {
          this.held.add(f.session.sessionId);
          let n = 0;
          for (const sid of this.held) if (!this.isEnding(sid)) n++;
          this.maxHeld = Math.max(this.maxHeld, n);
        } else if (this.held.has(f.session.sessionId) && f.session.agent?.id !== this.id) {
          this.held.delete(f.session.sessionId);
        }
        return;
      case 'ended':
        this.held.delete(f.sessionId);
        this.ended.add(f.sessionId);
        return;
      case 'error': {
        this.refusals[f.code] = (this.refusals[f.code] ?? 0) + 1;
        const sent = f.ref ? this.#acceptSent.get(f.ref) : undefined;
        if (sent) this.refusedAccepts.push({ code: f.code, afterMs: Date.now() - sent.at, leftWhenSentMs: sent.expiresAt === null ? null : sent.expiresAt - sent.at });
        return;
      }
      case 'event':
        if (f.event.kind === 'chat' && f.event.from === 'visitor' && this.held.has(f.event.sessionId)) this.onVisitorChat?.(f.event.sessionId, f.event);
        return;
    }
  }
}

/** POST /api/login on one instance, as the console does: the `cb_agent` cookie. */
export async function agentCookie(node: ClusterNode, email: string, password: string): Promise<string> {
  const url = node.url;
  const res = await node.fetch(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login ${email} on ${node.name} (${node.host}): ${res.status} ${await res.text()}`);
  return res.headers.get('set-cookie')!.split(';')[0];
}

/** GET /start on one instance, as the hyperlink does: the session id, or the refusal. */
export async function startOn(node: ClusterNode, entryUrl: string): Promise<{ sid: string } | { status: number; body: string }> {
  const q = new URLSearchParams({ site: 'demo', url: entryUrl });
  const res = await node.fetch(`${node.url}/start?${q}`, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  if (res.status === 303) return { sid: res.headers.get('location')!.split('/').pop()! };
  return { status: res.status, body: await res.text() };
}
