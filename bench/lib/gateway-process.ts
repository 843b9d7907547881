// The gateway under test, in its own process: `node --import tsx gateway/main.ts` on free ports with a
// throwaway SQLite file, agents created beforehand through the operator CLI's code path, ready when
// it prints `Agent console:`. Or, with --target, a gateway somewhere else (then RSS comes from its
// /metrics and the agents must already exist).
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runAgentCli } from '../../gateway/cli/agent-cli.ts';
import { httpRequest, parsePrometheus } from './http-request.ts';
import { freePort, rssOf } from './proc-stats.ts';
import { collectGarbage, inspectorUrlFrom } from './inspector-gc.ts';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const AGENT_PASSWORD = 'bench-agent-pass';
/** Highest capacity the configuration accepts (DEFAULT_AGENT_CAPACITY and --capacity max 100). */
export const AGENT_CAPACITY = 100;

export interface AgentCred {
  email: string;
  password: string;
}

export interface GatewayHandle {
  /** Public origin, e.g. http://cobrowse.localhost:41234 */
  url: string;
  pid: number | null;
  agents: AgentCred[];
  rss(): Promise<number>;
  /** Forces a full GC (through the inspector) so the next rss() is not GC timing; no-op for --target. */
  gc(): Promise<void>;
  metrics(): Promise<Map<string, number>>;
  /** Warnings and errors the gateway logged (pino level >= 40), grouped by message. */
  logIssues(): Map<string, number>;
  stop(): Promise<void>;
}

// Gateways still running when the harness exits (Ctrl-C, a crash) are killed with it.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live) p.kill('SIGKILL');
});

export async function fetchMetrics(url: string): Promise<Map<string, number>> {
  const r = await httpRequest(`${url}/metrics`, { timeoutMs: 10_000 });
  if (r.status !== 200) throw new Error(`GET ${url}/metrics: ${r.status}`);
  return parsePrometheus(r.body.toString('utf8'));
}

/** A throwaway SQLite store with `count` agents created through the operator CLI's code path. */
export async function createAgentStore(opts: {
  agents: number;
  capacity?: number;
  email?: (i: number) => string;
  password?: string;
}): Promise<{ dir: string; db: string; agents: AgentCred[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'cobrowse-bench-'));
  const db = join(dir, 'bench.sqlite');
  const password = opts.password ?? AGENT_PASSWORD;
  const capacity = opts.capacity ?? AGENT_CAPACITY;
  const agents: AgentCred[] = [];
  for (let i = 1; i <= opts.agents; i++) {
    const email = opts.email ? opts.email(i) : `bench-agent-${i}@bench.test`;
    const code = await runAgentCli(['add', email, password, '--name', `Bench Agent ${i}`, '--capacity', String(capacity)], { DATABASE_PATH: db }, () => {});
    if (code !== 0) throw new Error(`could not create agent ${email}`);
    agents.push({ email, password });
  }
  return { dir, db, agents };
}

/** One `node --import tsx gateway/main.ts` child: its ports, its output, and ways to end it. */
export interface GatewayProcess {
  /** Public origin, e.g. http://cobrowse.localhost:41234 */
  url: string;
  port: number;
  proxyPort: number;
  proc: ChildProcess;
  pid: number;
  /** Inspector WebSocket URL (when started with inspect), for forced GC. */
  inspector: Promise<string | null>;
  /** Warnings and errors it logged (pino level >= 40), grouped by message. */
  logIssues(): Map<string, number>;
  /** The last ~64 KiB of its stdout and stderr, for failure messages. */
  output(): string;
  exited(): boolean;
  /** SIGKILL, as a crash or `kill -9` would; resolves when it is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/**
 * Spawns a gateway on the given (or free) ports with `env` on top of the bench defaults and resolves
 * when it prints `Agent console:`. Rejects with its output if it exits or takes more than 30 s.
 */
export async function spawnGateway(opts: SpawnOptions): Promise<GatewayProcess> {
  // A port picked free can be taken before the gateway binds it (by another process starting at the
  // same moment, or an outgoing connection's ephemeral port: `--quick` starts everything at once).
  // The gateway then exits with CB_ERR_LISTEN before it is ready; ports picked here are picked again.
  for (let attempt = 1; ; attempt++) {
    try {
      return await spawnGatewayOnce(opts);
    } catch (err) {
      const msg = String((err as Error)?.message ?? err);
      if (attempt >= 3 || !msg.includes('CB_ERR_LISTEN')) throw err;
      const demo = opts.env.DEMO_PORT;
      if (demo && msg.includes(`:${demo}`)) opts = { ...opts, env: { ...opts.env, DEMO_PORT: String(await freePort()) } };
    }
  }
}

type SpawnOptions = { env: Record<string, string>; port?: number; proxyPort?: number; inspect?: boolean; name?: string };

async function spawnGatewayOnce(opts: SpawnOptions): Promise<GatewayProcess> {
  const port = opts.port ?? (await freePort());
  const proxyPort = opts.proxyPort ?? (await freePort());
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    LOG_LEVEL: 'warn',
    ROUTING_MODE: 'auto',
    DEFAULT_AGENT_CAPACITY: String(AGENT_CAPACITY),
    RING_TIMEOUT_SECONDS: '10',
    // Bench visitors arrive in bursts; they must not be told "no agents" or be dropped for slowness.
    MAX_QUEUE_WAIT_SECONDS: '0',
    // Every bench visitor comes from 127.0.0.1: the per-address limit on /start would refuse them.
    VISITOR_REQUESTS_PER_MINUTE: '0',
    // Up to a few hundred bench agents sign in at once from 127.0.0.1: attempts in flight count
    // against the address until their password is checked, so its free attempts must cover them.
    LOGIN_ADDRESS_FREE_ATTEMPTS: '10000',
    // The health worker's port is off unless asked for (env HEALTH_PORT): gateways run side by side.
    HEALTH_PORT: '0',
    ...opts.env,
    PORT: String(port),
    PROXY_PORT: String(proxyPort),
  };
  const label = opts.name ?? `gateway :${port}`;
  // --inspect only opens a local debugger port (used for forced GC before RSS readings); with no
  // session attached it costs nothing.
  // BENCH_GATEWAY_NODE_ARGS: extra node flags for the gateway only, e.g. "--cpu-prof
  // --cpu-prof-dir=.tmp/prof" to see where its time goes (NODE_OPTIONS refuses --cpu-prof).
  const extra = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const args = [...extra, ...(opts.inspect === false ? [] : ['--inspect=127.0.0.1:0']), '--import', 'tsx', 'gateway/main.ts'];
  const proc: ChildProcess = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const inspector = opts.inspect === false ? Promise.resolve(null) : inspectorUrlFrom(proc.stderr!);
  const issues = new Map<string, number>();
  let tail = '';
  const keep = (text: string) => {
    tail = (tail + text).slice(-65_536);
  };
  let buf = '';
  const onLine = (line: string) => {
    keep(line + '\n');
    if (!line.startsWith('{')) return;
    try {
      const j = JSON.parse(line) as { level?: number; msg?: string; err?: { message?: string } };
      if ((j.level ?? 0) >= 40) {
        const key = `${j.level! >= 50 ? 'error' : 'warn'}: ${j.msg ?? ''}${j.err?.message ? ` (${j.err.message})` : ''}`;
        issues.set(key, (issues.get(key) ?? 0) + 1);
      }
    } catch {
      /* not a log line */
    }
  };
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    proc.once('exit', (code, signal) => {
      exited = true;
      live.delete(proc);
      keep(`[${label} exited: ${signal ?? code}]\n`);
      resolve();
    }),
  );
  live.add(proc);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 30 s:\n${tail.slice(-4000)}`)), 30_000);
    const read = (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        onLine(line);
        const m = /Agent console: (\S+)/.exec(line);
        if (m) {
          clearTimeout(timer);
          resolve(new URL(m[1]).origin);
        }
      }
    };
    proc.stdout!.on('data', read);
    proc.stderr!.on('data', (d: Buffer) => keep(d.toString()));
    void exit.then(() => {
      clearTimeout(timer);
      reject(new Error(`${label} exited before it was ready:\n${tail.slice(-4000)}`));
    });
  });
  const kill = async (signal: NodeJS.Signals) => {
    if (exited) return;
    proc.kill(signal);
    const t = signal === 'SIGKILL' ? null : setTimeout(() => proc.kill('SIGKILL'), 5000);
    await exit;
    if (t) clearTimeout(t);
  };
  return {
    url,
    port,
    proxyPort,
    proc,
    pid: proc.pid!,
    inspector,
    logIssues: () => issues,
    output: () => tail,
    exited: () => exited,
    kill9: () => kill('SIGKILL'),
    stop: () => kill('SIGTERM'),
  };
}

export type AgentStore = Awaited<ReturnType<typeof createAgentStore>>;

/**
 * A gateway on a fresh store with `agents` agents; with `template` (a createAgentStore result) the
 * store is a copy of that one instead, since creating 100 agents takes seconds (the capacity sweep
 * starts one gateway per step).
 */
export async function startGateway(opts: { agents: number; env?: Record<string, string>; template?: AgentStore }): Promise<GatewayHandle> {
  const store = opts.template ? copyStore(opts.template) : await createAgentStore({ agents: opts.agents });
  let gw: GatewayProcess;
  try {
    gw = await spawnGateway({ env: { DATABASE_PATH: store.db, DEMO_PORT: String(await freePort()), ...opts.env } });
  } catch (err) {
    rmSync(store.dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: gw.url,
    pid: gw.pid,
    agents: store.agents,
    rss: async () => rssOf(gw.pid),
    gc: async () => collectGarbage(await gw.inspector),
    metrics: () => fetchMetrics(gw.url),
    logIssues: () => gw.logIssues(),
    async stop() {
      await gw.stop();
      rmSync(store.dir, { recursive: true, force: true });
    },
  };
}

function copyStore(t: AgentStore): AgentStore {
  const dir = mkdtempSync(join(tmpdir(), 'cobrowse-bench-'));
  const db = join(dir, 'bench.sqlite');
  copyFileSync(t.db, db);
  return { dir, db, agents: t.agents };
}

/** A gateway started elsewhere (--target). Agents `bench-agent-{i}` style emails must already exist. */
export function remoteGateway(url: string, agents: AgentCred[]): GatewayHandle {
  const origin = new URL(url).origin;
  return {
    url: origin,
    pid: null,
    agents,
    rss: async () => (await fetchMetrics(origin)).get('process_resident_memory_bytes') ?? NaN,
    gc: async () => {},
    metrics: () => fetchMetrics(origin),
    logIssues: () => new Map(),
    stop: async () => {},
  };
}
