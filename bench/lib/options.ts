// Command-line options. Defaults fit a 2-core machine and finish the whole run in under 3 minutes;
// --quick shrinks everything so the run takes under 30 seconds (checks the harness, not speed).
import { parseArgs } from 'node:util';

export const SCENARIOS = ['queue', 'chat', 'proxy', 'injector', 'tti', 'soak', 'capacity'] as const;
/** The time-to-interactive scenario's apps (bench/apps/build.ts). */
export const TTI_APPS = ['vanilla', 'vue', 'preact', 'lit', 'svelte', 'esm', 'lazy', 'assets'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/**
 * What runs without --only: the soak holds its load for minutes, and the capacity sweeps take about
 * 4-6 minutes (more than the rest of the run together), so they run only when asked for.
 */
export const DEFAULT_SCENARIOS: ScenarioName[] = ['queue', 'chat', 'proxy', 'injector', 'tti'];

export interface Options {
  quick: boolean;
  only: ScenarioName[];
  json: string | null;
  html: string | null;
  target: string | null;
  agentEmail: string;
  agentPassword: string;
  originHost: string;
  originPort: number;
  // queue storm
  visitors: number;
  rate: number;
  /** Visitors served (unmeasured, at --rate x 4) before the measured storm, so it runs on warm code. */
  queueWarmup: number;
  agents: number;
  agentProcs: number;
  // chat and sync
  sessions: number;
  chatAgents: number;
  syncHz: number;
  chatRate: number;
  duration: number;
  warmup: number;
  /** --skip-cluster: the chat scenario leaves out its two-instance run over Redis. */
  skipCluster: boolean;
  // proxy
  proxyRate: number;
  proxyDuration: number;
  proxyConnections: number;
  // soak
  minutes: number;
  soakSessions: number;
  soakSyncHz: number;
  soakChatRate: number;
  sampleSeconds: number;
  // capacity: sweeps on one gateway
  /** Sessions per step of the 30 Hz chat-and-sync sweep, ascending. */
  capacitySessions: number[];
  /** Arrival rates (visitors/s) per step of the storm sweep, ascending. */
  capacityRates: number[];
  capacityVisitors: number;
  /** Measured seconds per sweep step (after its warm-up). */
  capacityDuration: number;
  // time to interactive
  ttiApps: string[];
  ttiRounds: number;
}

export const USAGE = `npm run bench -- [options]

  --quick                 tiny sizes, < 30 s: checks the harness works (CI), not speed
  --only LIST             scenarios to run: queue,chat,proxy,injector,tti,soak,capacity (default: all but soak and capacity; --quick adds a tiny capacity)
  --json FILE             write every figure, ratio, check and the machine as JSON
  --html FILE             self-contained HTML report (default bench/results/report.html)

  queue storm             --visitors N (400) --rate R visitors/s (50) --agents M (8) --agent-procs P (2)
                          --queue-warmup W visitors served first, unmeasured, so the storm runs on warm code (0)
  chat and sync           --sessions S (200) --chat-agents A (4) --sync-hz HZ (30) --chat-rate PER_S (1)
                          --duration SEC (10) --warmup SEC (5; the same for every relay: the gateway has more code to warm up than the peers)
                          --skip-cluster leaves out the two-instance run over Redis (one instance and the peers only)
  proxy                   --proxy-rate REQ_S for the fixed-rate rows (100) --proxy-duration SEC (3, at least 1)
                          --proxy-connections C for the max-throughput rows (16)
  soak                    --minutes N held load (10) --soak-sessions S (500) --soak-sync-hz HZ (5)
                          --soak-chat-rate PER_S per party (0.2) --sample-seconds SEC (30)
  capacity                --capacity-sessions LIST (100,200,400,700,1000,1400,2000; quick 5,10) one gateway, 30 Hz sync
                          + chat 1/s, stops after the first step with sync p99 >= 50 ms or a session missing
                          --capacity-rates LIST visitors/s (250,500,1000,2000; quick 40,80) queue storm of
                          --capacity-visitors N (10000; quick 20), 100 per agent; stops after the first p99 > 100 ms
                          --capacity-duration SEC measured per sweep step (4; quick 0.5)
  time to interactive     --tti-apps LIST (all: ${TTI_APPS.join(',')}; quick: vanilla)
                          --tti-rounds N (3; quick: 1), each on a fresh proxy origin and direct origin

  --target URL            run the clients against a gateway that is already running (its public
                          origin, e.g. http://cobrowse.localhost:8080); none is started. Needs:
    --agent-email T       agent login emails, {i} = 1..M (default bench-agent-{i}@bench.test), and
    --agent-password P    their password (default bench-agent-pass); agents need capacity for the load
    --origin-host H       address the gateway reaches this machine's fixture origin on (127.0.0.1)
    --origin-port N       fixed port for the fixture origin; the gateway needs
                          ALLOWED_TARGETS=http://H:N and high PROXY_RATE_PER_SECOND / PROXY_BURST
`;

export function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      help: { type: 'boolean', short: 'h' },
      quick: { type: 'boolean' },
      only: { type: 'string' },
      json: { type: 'string' },
      html: { type: 'string' },
      target: { type: 'string' },
      'agent-email': { type: 'string' },
      'agent-password': { type: 'string' },
      'origin-host': { type: 'string' },
      'origin-port': { type: 'string' },
      visitors: { type: 'string' },
      rate: { type: 'string' },
      'queue-warmup': { type: 'string' },
      agents: { type: 'string' },
      'agent-procs': { type: 'string' },
      sessions: { type: 'string' },
      'chat-agents': { type: 'string' },
      'sync-hz': { type: 'string' },
      'chat-rate': { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      'proxy-rate': { type: 'string' },
      'proxy-duration': { type: 'string' },
      'proxy-connections': { type: 'string' },
      minutes: { type: 'string' },
      'soak-sessions': { type: 'string' },
      'soak-sync-hz': { type: 'string' },
      'soak-chat-rate': { type: 'string' },
      'sample-seconds': { type: 'string' },
      'tti-apps': { type: 'string' },
      'tti-rounds': { type: 'string' },
      'skip-cluster': { type: 'boolean' },
      'capacity-sessions': { type: 'string' },
      'capacity-rates': { type: 'string' },
      'capacity-visitors': { type: 'string' },
      'capacity-duration': { type: 'string' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    process.exit(0);
  }
  const quick = !!values.quick;
  const num = (name: string, full: number, q: number, min = 0): number => {
    const raw = (values as Record<string, unknown>)[name];
    const v = raw === undefined ? (quick ? q : full) : Number(raw);
    if (!Number.isFinite(v) || v < min) throw new Error(`--${name} must be a number >= ${min}, got ${raw}`);
    return v;
  };
  /** A comma-separated list of numbers >= min, sorted ascending (a sweep's steps). */
  const list = (name: string, full: number[], q: number[], min: number): number[] => {
    const raw = (values as Record<string, unknown>)[name] as string | undefined;
    const v = raw === undefined ? (quick ? q : full) : raw.split(',').map((x) => Number(x.trim()));
    if (!v.length || v.some((x) => !Number.isFinite(x) || x < min)) throw new Error(`--${name} must be a comma-separated list of numbers >= ${min}, got ${raw}`);
    return [...new Set(v)].sort((a, b) => a - b);
  };
  // --quick includes a tiny capacity sweep (two steps each) so CI exercises its harness.
  const only = (values.only ?? (quick ? [...DEFAULT_SCENARIOS, 'capacity'] : DEFAULT_SCENARIOS).join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of only) if (!SCENARIOS.includes(s as ScenarioName)) throw new Error(`--only: unknown scenario "${s}" (known: ${SCENARIOS.join(', ')})`);
  const o: Options = {
    quick,
    only: only as ScenarioName[],
    json: values.json ?? null,
    html: values.html ?? null,
    target: values.target ?? null,
    agentEmail: values['agent-email'] ?? 'bench-agent-{i}@bench.test',
    agentPassword: values['agent-password'] ?? 'bench-agent-pass',
    originHost: values['origin-host'] ?? '127.0.0.1',
    originPort: num('origin-port', 0, 0),
    visitors: num('visitors', 400, 20, 1),
    rate: num('rate', 50, 40, 0.1),
    queueWarmup: num('queue-warmup', 0, 0, 0),
    agents: num('agents', 8, 2, 1),
    agentProcs: num('agent-procs', 2, 1, 1),
    sessions: num('sessions', 200, 10, 1),
    chatAgents: num('chat-agents', 4, 2, 1),
    syncHz: num('sync-hz', 30, 30, 0),
    chatRate: num('chat-rate', 1, 1, 0),
    duration: num('duration', 10, 0.6, 0.5),
    warmup: num('warmup', 5, 0.2, 0),
    skipCluster: !!values['skip-cluster'],
    proxyRate: num('proxy-rate', 100, 50, 1),
    proxyDuration: num('proxy-duration', 3, 1, 1),
    proxyConnections: num('proxy-connections', 16, 4, 1),
    minutes: num('minutes', 10, 0.25, 0.05),
    soakSessions: num('soak-sessions', 500, 20, 1),
    soakSyncHz: num('soak-sync-hz', 5, 5, 0),
    soakChatRate: num('soak-chat-rate', 0.2, 0.5, 0),
    sampleSeconds: num('sample-seconds', 30, 2, 1),
    capacitySessions: list('capacity-sessions', [100, 200, 400, 700, 1000, 1400, 2000], [5, 10], 1),
    capacityRates: list('capacity-rates', [250, 500, 1000, 2000], [40, 80], 0.1),
    capacityVisitors: num('capacity-visitors', 10_000, 20, 1),
    capacityDuration: num('capacity-duration', 4, 0.5, 0.5),
    ttiApps: (values['tti-apps'] ?? (quick ? 'vanilla' : TTI_APPS.join(',')))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    ttiRounds: num('tti-rounds', 3, 1, 1),
  };
  for (const a of o.ttiApps) if (!TTI_APPS.includes(a as (typeof TTI_APPS)[number])) throw new Error(`--tti-apps: unknown app "${a}" (known: ${TTI_APPS.join(', ')})`);
  if (!o.ttiApps.length) throw new Error('--tti-apps: give at least one app');
  if (o.target && o.only.includes('tti')) {
    // It starts its own gateway, origins and browser: nothing to point at a remote gateway.
    if (values.only) throw new Error('--target: the tti scenario starts its own gateway and browser; leave it out of --only');
    o.only = o.only.filter((s) => s !== 'tti');
  }
  if (o.target && o.only.includes('capacity')) {
    // It reads the gateway's CPU from /proc and starts a fresh gateway per storm step.
    if (values.only) throw new Error('--target: the capacity scenario starts its own gateways and reads their CPU; leave it out of --only');
    o.only = o.only.filter((s) => s !== 'capacity');
  }
  if (o.target && o.agents > 1 && !o.agentEmail.includes('{i}')) {
    throw new Error('--agent-email needs {i} when more than one agent logs in (each agent must be its own account)');
  }
  if (o.target && o.only.includes('proxy') && !o.originPort) {
    throw new Error('--target with the proxy scenario needs --origin-port N (and the gateway started with ALLOWED_TARGETS=http://<origin-host>:N); or leave it out with --only queue,chat,injector');
  }
  if (o.sessions > o.chatAgents * 100) throw new Error(`--sessions ${o.sessions} needs --chat-agents >= ${Math.ceil(o.sessions / 100)} (capacity is at most 100 per agent)`);
  if (o.visitors + o.queueWarmup > o.agents * 100) throw new Error(`--visitors ${o.visitors} (+ --queue-warmup ${o.queueWarmup}) needs --agents >= ${Math.ceil((o.visitors + o.queueWarmup) / 100)} (capacity is at most 100 per agent)`);
  return o;
}
