// Command-line options. Defaults fit a 2-core machine and finish the whole run in under 3 minutes;
// --quick shrinks everything so the run takes under 30 seconds (checks the harness, not speed).
import { parseArgs } from 'node:util';

export const SCENARIOS = ['queue', 'chat', 'proxy', 'injector', 'tti', 'soak'] as const;
/** The time-to-interactive scenario's apps (bench/apps/build.ts). */
export const TTI_APPS = ['vanilla', 'vue', 'preact', 'lit', 'svelte', 'esm', 'lazy', 'assets'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** What runs without --only: the soak holds its load for minutes, so it runs only when asked for. */
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
  // time to interactive
  ttiApps: string[];
  ttiRounds: number;
}

export const USAGE = `npm run bench -- [options]

  --quick                 tiny sizes, < 30 s: checks the harness works (CI), not speed
  --only LIST             scenarios to run: queue,chat,proxy,injector,tti,soak (default: all but soak)
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
  const only = (values.only ?? DEFAULT_SCENARIOS.join(','))
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
