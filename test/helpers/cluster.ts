// A gateway cluster for tests: a real redis-server (test/helpers/redis-server.ts) and N gateway
// processes (`node --import tsx gateway/main.ts`, as an operator starts them) on free ports, sharing
// REDIS_URL and a store, with the agents created beforehand through the operator CLI's code path.
// The store is one SQLite file (`store: 'sqlite'`, the default) or a real PostgreSQL server of the
// harness's own (`store: 'postgres'`, test/helpers/postgres.ts: DATABASE_URL, no file at all); with
// `hosts` each instance listens on its own loopback address (HOST) on the same ports, as instances
// on separate machines would, and every client of the harness reaches an instance at its address.
// Instances can be killed with SIGKILL and restarted on the same ports; every child's output is
// kept for failure messages, and every child is killed on close() (and when the test process exits).
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Agent, fetch as undiciFetch } from 'undici';
import { spawnGateway, type AgentCred, type GatewayProcess } from '../../bench/lib/gateway-process.ts';
import { freePort, sleep } from '../../bench/lib/proc-stats.ts';
import { runAgentCli } from '../../gateway/cli/agent-cli.ts';
import { openPostgresStore } from '../../gateway/store/postgres-store.ts';
import { openSqliteStore } from '../../gateway/store/sqlite-store.ts';
import type { StorePorts } from '../../gateway/store/ports.ts';
import { startPostgres, type TestPostgres } from './postgres.ts';
import type { Command, RoutingConfig, RoutingSnapshot } from '../../gateway/routing/types.ts';
import { createRouter } from '../../gateway/routing/router.ts';
import { CONFIG_KEY, EPOCH_KEY, LOG_KEY, SNAP_ID_KEY, SNAP_KEY } from '../../gateway/cluster/cluster-routing.ts';
import { startRedis, type TestRedis } from './redis-server.ts';

export type { AgentCred };

export interface ClusterNode {
  name: string;
  /** Public origin of this instance: http://cobrowse.localhost:<port> (WebSocket Origin must equal it). */
  url: string;
  port: number;
  proxyPort: number;
  /** The loopback address it listens on (HOST): its own with `hosts`, else 127.0.0.1. */
  host: string;
  /** Resolves the public names (cobrowse.localhost, <token>.cobrowse.localhost) to `host`, for ws clients. */
  lookup: LocalLookup;
  /** fetch() that reaches this instance at `host` whatever the URL's *.localhost name says. */
  fetch(url: string, init?: Parameters<typeof undiciFetch>[1]): ReturnType<typeof undiciFetch>;
  /** The running process, or null after kill9() until restart(). */
  proc: GatewayProcess | null;
}

type LookupCb = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type LocalLookup = (hostname: string, options: LookupOptions, cb: LookupCb) => void;

/** A resolver mapping localhost and *.localhost to `address` (the browser's rule, aimed at one instance). */
export function lookupTo(address: string): LocalLookup {
  return (hostname, options, cb) => {
    if (hostname === 'localhost' || hostname.endsWith('.localhost')) return options.all ? cb(null, [{ address, family: 4 }]) : cb(null, address, 4);
    dnsLookup(hostname, options, cb as never);
  };
}

export interface TestCluster {
  redis: TestRedis;
  nodes: ClusterNode[];
  agents: AgentCred[];
  store: 'sqlite' | 'postgres';
  /** The PostgreSQL server (store 'postgres' only), for fault tests. */
  postgres: TestPostgres | null;
  /** The shared store, opened by the test for assertions (close it after). */
  openStore(): Promise<StorePorts>;
  alive(i: number): boolean;
  /** Indices of the instances running now. */
  liveNodes(): number[];
  /** SIGKILL of instance i (as `kill -9`); resolves when the process is gone. */
  kill9(i: number): Promise<void>;
  /** Starts instance i again on the same ports and waits until /readyz says ready. */
  restart(i: number): Promise<void>;
  /** GET /readyz of instance i: status and body. */
  readyz(i: number): Promise<{ status: number; body: string }>;
  waitReady(i: number, timeoutMs?: number): Promise<void>;
  /** The committed routing state (committedRouting below). */
  routing(): Promise<{ snapshot: RoutingSnapshot | null; version: number | null }>;
  /** A Redis client of the test's own (for assertions), created on first use. */
  client(): Redis;
  /** Everything the instances printed, labelled, for a failure message (last `chars` of each). */
  logs(chars?: number): string;
  close(): Promise<void>;
}

export interface ClusterOptions {
  instances?: number;
  agents?: number;
  /** Per-agent capacity given to the CLI (`--capacity`). */
  capacity?: number;
  agentEmail?: (i: number) => string;
  agentPassword?: string;
  /** Extra environment for every instance (routing timings, ALLOWED_TARGETS, LOG_LEVEL…). */
  env?: Record<string, string>;
  /** An already running Redis to share (the harness then does not close it). */
  redis?: TestRedis;
  /**
   * One PROXY_PORT for every instance (the kernel spreads connections over them, as a load balancer
   * in front of the proxy would), so a session's proxied origins are the same whichever instance
   * made the URL. Default: each instance its own proxy port.
   */
  sharedProxyPort?: boolean;
  /**
   * One PORT and one PROXY_PORT for every instance: the kernel spreads connections over them
   * (SO_REUSEPORT), exactly as a load balancer in front of the cluster would, and every instance has
   * the same public origin (PUBLIC_URL). Which instance serves a request is then up to the kernel;
   * clients see it in `welcome.instance` and /healthz.
   */
  sharedPorts?: boolean;
  /** Where the instances keep agents, sessions and transcripts: one SQLite file, or a PostgreSQL server the harness starts. */
  store?: 'sqlite' | 'postgres';
  /**
   * One loopback address per instance (HOST), all distinct, e.g. ['127.0.0.1', '127.0.0.2']: every
   * instance on the same PORT and PROXY_PORT at its own address, as on separate machines.
   */
  hosts?: string[];
}

/** Polls until `check` resolves true, or rejects with `what` after timeoutMs. */
export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 10_000, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      if (await check()) return;
      last = null;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

export async function startCluster(opts: ClusterOptions = {}): Promise<TestCluster> {
  const n = opts.instances ?? 3;
  const kind = opts.store ?? 'sqlite';
  const hosts = opts.hosts ?? null;
  if (hosts && (hosts.length !== n || new Set(hosts).size !== n)) throw new Error(`hosts: give ${n} distinct loopback addresses, one per instance`);
  const ownRedis = !opts.redis;
  const [redis, postgres] = await Promise.all([opts.redis ?? startRedis(), kind === 'postgres' ? startPostgres() : null]);
  const dir = mkdtempSync(join(tmpdir(), 'cb-cluster-'));
  // The store every instance shares: DATABASE_URL (no file anywhere), or one SQLite file.
  const storeEnv: Record<string, string> = postgres ? { DATABASE_URL: postgres.url } : { DATABASE_PATH: join(dir, 'cluster.sqlite') };
  const agents: AgentCred[] = [];
  const password = opts.agentPassword ?? 'cluster-agent-pass';
  const email = opts.agentEmail ?? ((i) => `cluster-agent-${i}@cluster.test`);
  try {
    for (let i = 1; i <= (opts.agents ?? 0); i++) {
      const args = ['add', email(i), password, '--name', `Cluster Agent ${i}`, ...(opts.capacity ? ['--capacity', String(opts.capacity)] : [])];
      if ((await runAgentCli(args, storeEnv, () => {})) !== 0) throw new Error(`could not create agent ${email(i)}`);
      agents.push({ email: email(i), password });
    }
  } catch (err) {
    await postgres?.close();
    if (ownRedis) await redis.close();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const nodes: ClusterNode[] = [];
  const dispatchers: Agent[] = [];
  // Output of processes that were killed, kept so a failure after a restart still shows it.
  const earlier: string[][] = [];
  let client: Redis | null = null;

  const envFor = (i: number): Record<string, string> => ({
    LOG_LEVEL: 'warn',
    ...opts.env,
    REDIS_URL: redis.url,
    INSTANCE_ID: nodes[i].name,
    HOST: nodes[i].host,
    ...storeEnv,
  });

  const readyz = async (i: number) => {
    const node = nodes[i];
    const r = await node.fetch(`${node.url}/readyz`, { signal: AbortSignal.timeout(3000) });
    return { status: r.status, body: await r.text() };
  };
  const waitReady = (i: number, timeoutMs = 20_000) =>
    until(`${nodes[i].name} /readyz 200`, async () => (await readyz(i)).status === 200, timeoutMs, 100);

  const launch = async (i: number) => {
    const node = nodes[i];
    node.proc = await spawnGateway({ env: envFor(i), port: node.port, proxyPort: node.proxyPort, inspect: false, name: node.name });
    if (node.proc.url !== node.url) throw new Error(`${node.name} announced ${node.proc.url}, expected ${node.url}`);
    // Behind shared ports /readyz may be answered by another instance: the announcement is this one's.
    if (!opts.sharedPorts) await waitReady(i);
  };

  const logs = (chars = 6000) =>
    nodes
      .map((node, i) => {
        const parts = [...(earlier[i] ?? []), node.proc?.output() ?? ''].join('\n--- restarted ---\n');
        return `===== ${node.name} (${node.url}) =====\n${parts.slice(-chars)}`;
      })
      .join('\n');

  const cluster: TestCluster = {
    redis,
    nodes,
    agents,
    store: kind,
    postgres,
    async openStore() {
      if (postgres) return openPostgresStore({ url: postgres.url, poolSize: 2, statementTimeoutMs: 5000, connectTimeoutMs: 5000 });
      return openSqliteStore(storeEnv.DATABASE_PATH);
    },
    alive: (i) => !!nodes[i].proc && !nodes[i].proc!.exited(),
    liveNodes: () => nodes.flatMap((_, i) => (cluster.alive(i) ? [i] : [])),
    async kill9(i) {
      const p = nodes[i].proc;
      if (!p) return;
      await p.kill9();
      (earlier[i] ??= []).push(p.output());
      nodes[i].proc = null;
    },
    async restart(i) {
      if (cluster.alive(i)) throw new Error(`${nodes[i].name} is still running`);
      await launch(i);
    },
    readyz,
    waitReady,
    routing: () => committedRouting(cluster.client()) as Promise<{ snapshot: RoutingSnapshot | null; version: number | null }>,
    client() {
      if (!client) {
        client = new Redis(redis.url, { lazyConnect: false, maxRetriesPerRequest: 2, retryStrategy: () => 200 });
        client.on('error', () => {});
      }
      return client;
    },
    logs,
    async close() {
      client?.disconnect();
      await Promise.all(nodes.map((node) => node.proc?.kill9()));
      await Promise.all(dispatchers.map((d) => d.close()));
      if (ownRedis) await redis.close();
      await postgres?.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };

  try {
    const taken = new Set<number>();
    const pick = async () => {
      let p = await freePort();
      while (taken.has(p)) p = await freePort();
      taken.add(p);
      return p;
    };
    // Instances at their own addresses take the same ports, as two machines would.
    const sharedProxy = opts.sharedProxyPort || opts.sharedPorts || hosts ? await pick() : null;
    const sharedMain = opts.sharedPorts || hosts ? await pick() : null;
    for (let i = 0; i < n; i++) {
      const port = sharedMain ?? (await pick());
      const proxyPort = sharedProxy ?? (await pick());
      const host = hosts?.[i] ?? '127.0.0.1';
      const lookup = lookupTo(host);
      const dispatcher = new Agent({ connect: { lookup: lookup as never } });
      dispatchers.push(dispatcher);
      const fetchHere: ClusterNode['fetch'] = (url, init) => undiciFetch(url, { ...init, dispatcher });
      nodes.push({ name: `gw${i + 1}`, url: `http://cobrowse.localhost:${port}`, port, proxyPort, host, lookup, fetch: fetchHere, proc: null });
    }
    // One after the other: the first instance creates the store's schema, the others find it.
    for (let i = 0; i < n; i++) await launch(i);
  } catch (err) {
    const detail = logs(3000);
    await cluster.close();
    throw new Error(`${(err as Error).message}\n${detail}`);
  }
  return cluster;
}

/**
 * The cluster's committed routing state, the one place tests read it: the compacted snapshot
 * (cb:routing:snap, with the stream id it covers) and the command stream after it
 * (cb:routing:log), replayed on a pure router exactly as every instance's replica does (each entry
 * at its clock reading, never going back). `version` is the last entry's position (ms × 1000 +
 * sequence), null when there is no state at all. The replay runs the routing config the instances
 * wrote beside the stream (cb:routing:config). Polling is incremental per client: while the stored
 * snapshot stays the same, only the entries after the last read are applied.
 */
export async function committedRouting(from: Redis | TestCluster, unlessVersion?: number | null): Promise<{ snapshot: RoutingSnapshot | null; version: number | null } | null> {
  const c = from instanceof Redis ? from : from.client();
  const [raw, snapId, cfg, epoch] = await c.mget(SNAP_KEY, SNAP_ID_KEY, CONFIG_KEY, EPOCH_KEY);
  if (raw === null || cfg === null) return { snapshot: null, version: null };
  let f = replays.get(c);
  const base = `${epoch}|${snapId}`;
  if (!f || f.base !== base) {
    const stored = JSON.parse(raw) as { t: number; snapshot: RoutingSnapshot | null };
    const clock = { now: stored.t };
    f = { base, clock, router: createRouter(JSON.parse(cfg) as RoutingConfig, () => clock.now, stored.snapshot ?? undefined), from: snapId ?? '0-0' };
    replays.set(c, f);
  }
  for (;;) {
    const rows = (await c.xrange(LOG_KEY, `(${f.from}`, '+', 'COUNT', 5000)) as [string, string[]][];
    if (!rows.length) break;
    for (const [id, e] of rows) {
      f.clock.now = Math.max(f.clock.now, Number(e[e.indexOf('t') + 1]));
      for (const cmd of JSON.parse(e[e.indexOf('c') + 1]) as Command[]) f.router.apply(cmd);
      f.from = id;
    }
  }
  const version = idNumber(f.from);
  if (unlessVersion !== undefined && unlessVersion === version) return null;
  return { snapshot: f.router.snapshot(), version };
}

const replays = new WeakMap<Redis, { base: string; clock: { now: number }; router: ReturnType<typeof createRouter>; from: string }>();

const idNumber = (id: string) => {
  const [ms, seq] = id.split('-').map(Number);
  return ms * 1000 + seq;
};
