// The gateway under test, in its own process: `node --import tsx gateway/main.ts` on free ports with a
// throwaway SQLite file, agents created beforehand through the operator CLI's code path, ready when
// it prints `Agent console:`. Or, with --target, a gateway somewhere else (then RSS comes from its
// /metrics and the agents must already exist).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

export async function startGateway(opts: { agents: number; env?: Record<string, string> }): Promise<GatewayHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'cobrowse-bench-'));
  const db = join(dir, 'bench.sqlite');
  const [port, proxyPort, demoPort] = [await freePort(), await freePort(), await freePort()];
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: String(port),
    PROXY_PORT: String(proxyPort),
    DEMO_PORT: String(demoPort),
    DATABASE_PATH: db,
    LOG_LEVEL: 'warn',
    ROUTING_MODE: 'auto',
    DEFAULT_AGENT_CAPACITY: String(AGENT_CAPACITY),
    RING_TIMEOUT_SECONDS: '10',
    // Bench visitors arrive in bursts; they must not be told "no agents" or be dropped for slowness.
    MAX_QUEUE_WAIT_SECONDS: '0',
    ...opts.env,
  };
  const agents: AgentCred[] = [];
  for (let i = 1; i <= opts.agents; i++) {
    const email = `bench-agent-${i}@bench.test`;
    const code = await runAgentCli(['add', email, AGENT_PASSWORD, '--name', `Bench Agent ${i}`, '--capacity', String(AGENT_CAPACITY)], { DATABASE_PATH: db }, () => {});
    if (code !== 0) throw new Error(`could not create agent ${email}`);
    agents.push({ email, password: AGENT_PASSWORD });
  }

  // --inspect only opens a local debugger port (used for forced GC before RSS readings); with no
  // session attached it costs nothing.
  const proc: ChildProcess = spawn(process.execPath, ['--inspect=127.0.0.1:0', '--import', 'tsx', 'gateway/main.ts'], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const inspector = inspectorUrlFrom(proc.stderr!);
  const issues = new Map<string, number>();
  let tail = '';
  let buf = '';
  const onLine = (line: string) => {
    tail = (tail + line + '\n').slice(-4000);
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
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start in 30 s:\n${tail}`)), 30_000);
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
    proc.stderr!.on('data', (d: Buffer) => {
      tail = (tail + d.toString()).slice(-4000);
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`gateway exited (${code}) before it was ready:\n${tail}`));
    });
  });

  let exited = false;
  live.add(proc);
  proc.once('exit', () => {
    exited = true;
    live.delete(proc);
  });
  return {
    url,
    pid: proc.pid!,
    agents,
    rss: async () => rssOf(proc.pid!),
    gc: async () => collectGarbage(await inspector),
    metrics: () => fetchMetrics(url),
    logIssues: () => issues,
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((r) => proc.once('exit', () => r()));
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await gone;
        clearTimeout(t);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
