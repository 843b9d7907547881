// Test doubles for the hub's parts: sockets that record what they are sent, and an engine that
// records what the hub asks of it and answers commands with scripted effects. The store is the real
// embedded SQLite store, in memory.
import { createLogger } from '../../../gateway/log.ts';
import { createMetrics } from '../../../gateway/metrics.ts';
import { createRouter } from '../../../gateway/routing/router.ts';
import type { Command, Effect, Router, RoutingConfig } from '../../../gateway/routing/types.ts';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.ts';
import { Hub } from '../../../gateway/channel/hub.ts';
import type { Engine, HubInbound, SessionPatch } from '../../../gateway/channel/engine.ts';
import { storeEventLog } from '../../../gateway/channel/event-log.ts';
import { localEngine } from '../../../gateway/channel/local-engine.ts';
import { SessionWriter } from '../../../gateway/channel/session-writer.ts';
import type { Socket, SocketData } from '../../../gateway/channel/sockets.ts';
import type { ServerFrame } from '../../../protocol/index.ts';

export const ROUTING: RoutingConfig = {
  mode: 'auto',
  ringTimeoutMs: 20_000,
  agentGraceMs: 30_000,
  visitorGraceMs: 30_000,
  maxQueueWaitMs: 0,
  defaultCapacity: 3,
  maxMissedOffers: 2,
  departmentFallback: true,
};

export interface FakeSocket extends Socket {
  frames: ServerFrame[];
  topics: Set<string>;
  published: { topic: string; text: string }[];
  ended: number | null;
  of<T extends ServerFrame['type']>(type: T): Extract<ServerFrame, { type: T }>[];
}

export function fakeSocket(data: SocketData): FakeSocket {
  const frames: ServerFrame[] = [];
  const topics = new Set<string>();
  const published: { topic: string; text: string }[] = [];
  const ws = {
    frames,
    topics,
    published,
    ended: null as number | null,
    getUserData: () => data,
    send: (text: string) => {
      frames.push(JSON.parse(text) as ServerFrame);
      return 1;
    },
    subscribe: (t: string) => (topics.add(t), true),
    unsubscribe: (t: string) => topics.delete(t),
    publish: (topic: string, text: string) => (published.push({ topic, text }), true),
    end(code: number) {
      ws.ended = code;
    },
    of: <T extends ServerFrame['type']>(type: T) => frames.filter((f) => f.type === type) as Extract<ServerFrame, { type: T }>[],
  };
  return ws as unknown as FakeSocket;
}

/** An engine that records calls; `apply` answers with `next` effects (default none). Events are numbered by the store. */
export class FakeEngine implements Engine {
  router: Router = createRouter(ROUTING, () => 1000);
  applied: Command[][] = [];
  published: { topic: string; frame: ServerFrame }[] = [];
  relayed: { ws: Socket; topic: string; text: string }[] = [];
  patches: SessionPatch[] = [];
  kicked: string[] = [];
  next: Effect[] = [];
  tickJitterMs = 0;
  hub: HubInbound | null = null;
  events;
  constructor(store: Parameters<typeof storeEventLog>[0]) {
    // Batches commit at once (no group commit across turns), so a frame's events are there when it returns.
    this.events = storeEventLog(store, () => (this.hub ? (id, e) => this.hub!.event(id, e) : null), (run) => run());
  }
  start(h: HubInbound) {
    this.hub = h;
  }
  apply(cmds: Command[]) {
    this.applied.push(cmds);
    const e = this.next;
    this.next = [];
    return e;
  }
  publish(topic: string, text: string) {
    this.published.push({ topic, frame: JSON.parse(text) as ServerFrame });
  }
  relay(ws: Socket, topic: string, text: string) {
    this.relayed.push({ ws, topic, text });
  }
  patch(p: SessionPatch) {
    this.patches.push(p);
  }
  kick(agentId: string) {
    this.kicked.push(agentId);
  }
  agentChanged() {}
  presenceAdd() {}
  presenceRemove() {
    return false;
  }
  liveSessions(cached: Iterable<import('../../../gateway/store/types.ts').SessionRecord>) {
    return cached;
  }
  ready() {
    return true;
  }
  close() {}
}

const silent = createLogger('silent');

function hubWith(engine: Engine, store: ReturnType<typeof openSqliteStore>, writer: SessionWriter, clock: () => number) {
  const webhooks: { event: string; data: unknown }[] = [];
  const metrics = createMetrics();
  const hub = new Hub({
    app: { numSubscribers: () => 0, publish: () => true } as never,
    store,
    engine,
    writer,
    registry: { proxyUrl: (id: string, url: string | URL) => `http://p.test/${id}?u=${String(url)}`, dropSession: () => {} },
    jars: { drop: () => {} },
    policy: { allowedTargets: new Set(), allowedPorts: new Set([80, 443]) },
    log: silent,
    clock,
    defaultCapacity: 3,
    departmentCapacity: {},
    metrics,
    webhooks: { emit: (event: string, data: Record<string, unknown>) => void webhooks.push({ event, data }) } as never,
  });
  return { hub, webhooks, metrics };
}

/**
 * A hub on a fake engine and an in-memory SQLite store. `before` runs ahead of the hub's start:
 * rows already stored and a routing state already committed, as an instance restarting finds them.
 */
export function fakeHub(before?: (engine: FakeEngine, store: ReturnType<typeof openSqliteStore>) => void) {
  const store = openSqliteStore(':memory:');
  const engine = new FakeEngine(store);
  before?.(engine, store);
  const writer = new SessionWriter(silent);
  const { hub, webhooks } = hubWith(engine, store, writer, () => 1000);
  hub.start();
  return { hub, engine, store, webhooks, writer };
}

/** A hub on the real one-process engine (router applied in place). */
export function localHub() {
  const store = openSqliteStore(':memory:');
  const writer = new SessionWriter(silent);
  const router = createRouter(ROUTING, Date.now);
  const app = { numSubscribers: () => 0, publish: () => true } as never;
  const engine = localEngine({ app, store, router, writer, log: silent });
  const { hub, webhooks, metrics } = hubWith(engine, store, writer, Date.now);
  hub.start();
  return { hub, engine, store, router, webhooks, writer, metrics };
}

export const visitorSocket = (sessionId: string) => fakeSocket({ role: 'visitor', cid: `v-${sessionId}`, sessionId });
export const agentSocket = (agentId: string, agentRole = 'agent') => fakeSocket({ role: 'agent', cid: `a-${agentId}`, agentId, name: `Agent ${agentId}`, email: `${agentId}@x.test`, agentRole });
