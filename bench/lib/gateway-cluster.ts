// Several gateway processes forming one cluster over Redis, for the bench: a redis-server of its own
// on a free port (the test harness's, test/helpers/redis-server.ts: no system service is touched),
// one throwaway SQLite store shared by every instance, agents created beforehand through the
// operator CLI's code path, then N × `node --import tsx gateway/main.ts` with REDIS_URL, INSTANCE_ID
// and the same bench defaults as a single gateway.
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { redisServerAvailable, startRedis, type TestRedis } from '../../test/helpers/redis-server.ts';
import { collectGarbage } from './inspector-gc.ts';
import { createAgentStore, fetchMetrics, spawnGateway, type AgentCred, type GatewayProcess } from './gateway-process.ts';
import { rssOf } from './proc-stats.ts';

export interface ClusterHandle {
  /** Public origin of each instance. */
  urls: string[];
  pids: number[];
  /** The cluster's redis-server, for its CPU (null if it could not be found). */
  redisPid: number | null;
  agents: AgentCred[];
  /** Sum over the instances. */
  rss(): Promise<number>;
  gc(): Promise<void>;
  metrics(i: number): Promise<Map<string, number>>;
  logIssues(): Map<string, number>;
  stop(): Promise<void>;
}

/** Why a cluster cannot run here, or null if it can. */
export function clusterUnavailable(): string | null {
  return redisServerAvailable() ? null : 'redis-server is not installed (Debian package redis-server; or set REDIS_SERVER_BIN)';
}

export async function startGatewayCluster(opts: { instances: number; agents: number; env?: Record<string, string> }): Promise<ClusterHandle> {
  // redis-server and the agent store are made at once.
  const [r, s] = await Promise.allSettled([startRedis(), createAgentStore({ agents: opts.agents })]);
  if (r.status === 'rejected' || s.status === 'rejected') {
    if (r.status === 'fulfilled') await r.value.close();
    if (s.status === 'fulfilled') rmSync(s.value.dir, { recursive: true, force: true });
    throw r.status === 'rejected' ? r.reason : (s as PromiseRejectedResult).reason;
  }
  const redis: TestRedis = r.value;
  const store = s.value;
  const procs: GatewayProcess[] = [];
  const stop = async () => {
    await Promise.all(procs.map((p) => p.stop()));
    await redis.close();
    rmSync(store.dir, { recursive: true, force: true });
  };
  try {
    // One after the other: the first creates the store's schema, the others find it.
    for (let i = 0; i < opts.instances; i++) {
      procs.push(await spawnGateway({ env: { DATABASE_PATH: store.db, REDIS_URL: redis.url, INSTANCE_ID: `bench-${i + 1}`, ...opts.env }, name: `gateway ${i + 1}/${opts.instances}` }));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    urls: procs.map((p) => p.url),
    pids: procs.map((p) => p.pid),
    redisPid: redisPidOf(redis.port),
    agents: store.agents,
    rss: async () => procs.reduce((n, p) => n + rssOf(p.pid), 0),
    gc: async () => {
      await Promise.all(procs.map(async (p) => collectGarbage(await p.inspector)));
    },
    metrics: (i) => fetchMetrics(procs[i].url),
    logIssues: () => {
      const all = new Map<string, number>();
      for (const p of procs) for (const [k, n] of p.logIssues()) all.set(k, (all.get(k) ?? 0) + n);
      return all;
    },
    stop,
  };
}

/** The pid of the redis-server listening on this port (it names itself `redis-server 127.0.0.1:<port>`), for its CPU. */
export function redisPidOf(port: number): number | null {
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.startsWith('redis-server') && (cmd.includes(`:${port}`) || cmd.includes(`--port ${port}`))) return Number(d);
    } catch {
      /* gone */
    }
  }
  return null;
}
