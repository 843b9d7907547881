// What every scenario gets from the harness: options, the progress bar, and a way to get a gateway
// (a fresh one per scenario, so memory, metrics and queue state never leak from one into the next).
import type { Options } from './options.ts';
import type { Progress } from './progress.ts';
import { remoteGateway, startGateway, type AgentCred, type GatewayHandle } from './gateway-process.ts';
import { forkChild, type Child } from './rpc.ts';

export interface BenchContext {
  opts: Options;
  progress: Progress;
  gateway(agents: number, env?: Record<string, string>): Promise<GatewayHandle>;
  /** Forks bench/<rel>; `inspect` enables forced GC before RSS readings (relays under test). */
  fork(rel: string, name: string, argv?: string[], opts?: { inspect?: boolean }): Promise<Child>;
  clockOffsetsMs: number[];
}

export function createContext(opts: Options, progress: Progress): BenchContext {
  const clockOffsetsMs: number[] = [];
  return {
    opts,
    progress,
    clockOffsetsMs,
    async gateway(agents, env) {
      if (opts.target) {
        const creds = Array.from({ length: agents }, (_, k) => ({ email: opts.agentEmail.replace('{i}', String(k + 1)), password: opts.agentPassword }));
        return remoteGateway(opts.target, creds);
      }
      return startGateway({ agents, env });
    },
    async fork(rel, name, argv, forkOpts) {
      const c = await forkChild(rel, name, argv, forkOpts);
      clockOffsetsMs.push(c.clockOffsetMs);
      return c;
    },
  };
}

/** Splits items into n nearly equal consecutive chunks. */
export function chunk<T>(items: T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: Math.min(n, Math.max(items.length, 1)) }, () => []);
  items.forEach((x, i) => out[i % out.length].push(x));
  return out;
}

/**
 * The party clients of a chat load: one visitor process and `agentProcs` agent processes
 * (`<label>-visitors`, `<label>-agents-<k>`), then each agent process connects with its group of
 * agent credentials to `agentUrl`, auto-accepting. `target` may be a promise (of the gateway being
 * started), so the processes load while the gateway does. Each process goes into `clients` as soon
 * as it is forked, so the caller's teardown stops it even when a later step fails.
 */
export async function forkPartyClients(
  ctx: BenchContext,
  label: string,
  agentProcs: number,
  target: { groups: AgentCred[][]; agentUrl: string } | Promise<{ groups: AgentCred[][]; agentUrl: string }>,
  clients: Child[],
): Promise<{ visitors: Child; agents: Child[] }> {
  const fork = (rel: string, name: string) => ctx.fork(rel, name).then((c) => (clients.push(c), c));
  const [visitors, ...agents] = await Promise.all([
    fork('clients/visitor-client.ts', `${label}-visitors`),
    ...Array.from({ length: agentProcs }, (_, k) => fork('clients/agent-client.ts', `${label}-agents-${k + 1}`)),
  ]);
  const { groups, agentUrl } = await target;
  if (groups.length !== agentProcs) throw new Error(`${label}: ${groups.length} agent groups for ${agentProcs} agent processes`);
  await Promise.all(groups.map((creds, k) => agents[k].call('connect', { url: agentUrl, creds, autoAccept: true })));
  return { visitors, agents };
}
