// One validated configuration: defaults beside the schema, then a JSON file (CONFIG_FILE), then
// environment variables. A bad value fails at start naming the key and the environment variable.
import * as v from 'valibot';
import { readFileSync } from 'node:fs';
import { GatewayError } from './errors.ts';

const Port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const Seconds = v.pipe(v.number(), v.minValue(0), v.maxValue(86_400));
const Origin = v.pipe(
  v.string(),
  v.check((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s.replace(/\/$/, '');
    } catch {
      return false;
    }
  }, 'expected an origin such as http://localhost:8082 (scheme, host and optional port, no path)'),
  v.transform((s) => s.replace(/\/$/, '')),
);

/** key → [schema, default, environment variable] */
const fields = {
  host: [v.pipe(v.string(), v.minLength(1)), '127.0.0.1', 'HOST'],
  port: [Port, 8080, 'PORT'],
  proxyPort: [Port, 8081, 'PROXY_PORT'],
  demoPort: [Port, 8082, 'DEMO_PORT'],
  /**
   * Liveness and readiness answered from a worker thread with its own event loop, so they answer in
   * milliseconds however busy the gateway is (and say what is degraded); 0 = off (the main port's
   * /healthz and /readyz still answer, from the main loop).
   */
  healthPort: [Port, 8083, 'HEALTH_PORT'],
  /** Origin browsers use for the console, shell and API. Empty = http://<proxyDomain>:<port>. */
  publicUrl: [v.union([v.literal(''), Origin]), '', 'PUBLIC_URL'],
  /**
   * Proxied origins are http://<token>.<proxyDomain>:<proxyPort>. They must be the same *site* as the
   * console and shell (same registrable domain), or browsers that block third-party storage deny the
   * co-browse iframe its cookies and localStorage. Chromium resolves *.localhost to loopback.
   */
  proxyDomain: [v.pipe(v.string(), v.regex(/^[a-z0-9.-]+$/i, 'expected a DNS name')), 'cobrowse.localhost', 'PROXY_DOMAIN'],
  /** Public port of the proxy as browsers see it (behind a load balancer). 0 = proxyPort. */
  proxyPublicPort: [Port, 0, 'PROXY_PUBLIC_PORT'],
  databasePath: [v.pipe(v.string(), v.minLength(1)), './data/cobrowse.sqlite', 'DATABASE_PATH'],
  /**
   * The SQLite file's WAL is copied back into it by a thread of its own every this many ms
   * (store/sqlite-checkpointer.ts), off the event loop; 0 = SQLite's own checkpoints, which run
   * inside a commit every 1,000 pages and stall the loop for tens of ms.
   */
  sqliteCheckpointMs: [v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(60_000)), 1000, 'SQLITE_CHECKPOINT_MS'],
  /** PostgreSQL for several hosts (postgres://USER:PASS@HOST:PORT/DB); '' = the SQLite file at databasePath. */
  databaseUrl: [
    v.union([v.literal(''), v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\/\S+$/, 'expected postgres://USER:PASS@HOST:PORT/DB'))]),
    '',
    'DATABASE_URL',
  ],
  /** Connections each gateway keeps to PostgreSQL at most. */
  databasePoolSize: [v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200)), 10, 'DATABASE_POOL_SIZE'],
  /** Longest a PostgreSQL statement may run before it is cancelled (statement_timeout), so a stuck query never hangs a request. */
  databaseStatementTimeoutMs: [v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(600_000)), 5000, 'DATABASE_STATEMENT_TIMEOUT_MS'],
  /** How long to wait for a PostgreSQL connection (at start, and for each pooled connection). */
  databaseConnectTimeoutMs: [v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(120_000)), 5000, 'DATABASE_CONNECT_TIMEOUT_MS'],
  /** Origins the proxy may fetch even when they resolve to loopback or private addresses. */
  allowedTargets: [v.array(Origin), [], 'ALLOWED_TARGETS'],
  /** Ports the proxy may connect to on public targets. */
  allowedPorts: [v.array(Port), [80, 443, 8080, 8443], 'ALLOWED_PORTS'],
  logLevel: [v.picklist(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']), 'info', 'LOG_LEVEL'],
  routingMode: [v.picklist(['auto', 'manual']), 'auto', 'ROUTING_MODE'],
  ringTimeoutSeconds: [Seconds, 20, 'RING_TIMEOUT_SECONDS'],
  agentGraceSeconds: [Seconds, 30, 'AGENT_GRACE_SECONDS'],
  visitorGraceSeconds: [Seconds, 30, 'VISITOR_GRACE_SECONDS'],
  maxQueueWaitSeconds: [Seconds, 600, 'MAX_QUEUE_WAIT_SECONDS'],
  defaultAgentCapacity: [v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 3, 'DEFAULT_AGENT_CAPACITY'],
  /** Per-department capacity, e.g. "sales=2,support=4": for agents without their own capacity. */
  departmentCapacity: [
    v.pipe(v.string(), v.regex(/^$|^\s*[\w-]+\s*=\s*\d{1,3}\s*(,\s*[\w-]+\s*=\s*\d{1,3}\s*)*$/, 'expected NAME=N pairs separated by commas, e.g. sales=2,support=4')),
    '',
    'DEPARTMENT_CAPACITY',
  ],
  maxMissedOffers: [v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)), 2, 'MAX_MISSED_OFFERS'],
  departmentFallback: [v.boolean(), true, 'DEPARTMENT_FALLBACK'],
  /**
   * One process keeps its routing state as a snapshot plus a log of the commands since (see
   * channel/routing-log.ts): commands are written together every this many ms (0: every turn of the
   * event loop; a crash loses at most this window), and the log is compacted into a new snapshot
   * after this many commands (and at least two per open session) or this many seconds.
   */
  routingLogFlushMs: [v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1000)), 20, 'ROUTING_LOG_FLUSH_MS'],
  routingLogCompactAfter: [v.pipe(v.number(), v.integer(), v.minValue(100), v.maxValue(10_000_000)), 10_000, 'ROUTING_LOG_COMPACT_AFTER'],
  routingLogMaxAgeSeconds: [v.pipe(v.number(), v.minValue(1), v.maxValue(86_400)), 60, 'ROUTING_LOG_MAX_AGE_SECONDS'],
  upstreamTimeoutSeconds: [v.pipe(v.number(), v.minValue(1), v.maxValue(300)), 15, 'UPSTREAM_TIMEOUT_SECONDS'],
  /** Page fetches per session per second through the proxy (token bucket), and the burst. */
  proxyRatePerSecond: [v.pipe(v.number(), v.minValue(1)), 50, 'PROXY_RATE_PER_SECOND'],
  proxyBurst: [v.pipe(v.number(), v.minValue(1)), 400, 'PROXY_BURST'],
  /** Largest request body (form posts, uploads) the proxy forwards. */
  maxUploadBytes: [v.pipe(v.number(), v.integer(), v.minValue(0)), 25 * 1024 * 1024, 'MAX_UPLOAD_BYTES'],
  /** Where session.started, session.ended and offline.message events are POSTed ('' = off). */
  webhookUrl: [v.union([v.literal(''), v.pipe(v.string(), v.url('expected an http(s) URL'))]), '', 'WEBHOOK_URL'],
  /** HMAC-SHA256 key for the x-cobrowse-signature header of webhooks. */
  webhookSecret: [v.string(), '', 'WEBHOOK_SECRET'],
  /** Largest chat attachment (images and PDFs). */
  maxAttachmentBytes: [v.pipe(v.number(), v.integer(), v.minValue(1)), 5 * 1024 * 1024, 'MAX_ATTACHMENT_BYTES'],
  /** Redis for several instances (queue, timers, fan-out, live transcripts); '' = one process on SQLite. */
  redisUrl: [v.union([v.literal(''), v.pipe(v.string(), v.regex(/^rediss?:\/\/\S+$/, 'expected redis://host:port or rediss://…'))]), '', 'REDIS_URL'],
  /** Name of this instance in a cluster (logs, fan-out); '' = a random one at start. */
  instanceId: [v.pipe(v.string(), v.regex(/^[\w.-]{0,64}$/, 'expected letters, digits, dot, dash or underscore')), '', 'INSTANCE_ID'],
  /** How long a session's live transcript stream stays in Redis after the session ends (it is archived to the store at end). */
  transcriptRetentionDays: [v.pipe(v.number(), v.minValue(0), v.maxValue(3650)), 30, 'TRANSCRIPT_RETENTION_DAYS'],
  /**
   * Client address behind proxies: 0 = the socket's peer address (X-Forwarded-For ignored, since any
   * client can send one); N = the N-th address from the right of X-Forwarded-For, for N trusted
   * proxies (load balancers) in front that each append the address they saw.
   */
  trustProxyHops: [v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10)), 0, 'TRUST_PROXY_HOPS'],
  /** Wrong passwords per account before each further one locks it (exponential back-off). */
  loginAccountFreeAttempts: [v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1000)), 5, 'LOGIN_ACCOUNT_FREE_ATTEMPTS'],
  /** Wrong passwords per client address, over all accounts, before it is locked the same way. */
  loginAddressFreeAttempts: [v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10_000)), 20, 'LOGIN_ADDRESS_FREE_ATTEMPTS'],
  /** First lockout; each further wrong password doubles it, up to loginLockoutMaxSeconds. */
  loginLockoutBaseSeconds: [v.pipe(v.number(), v.minValue(0.1), v.maxValue(3600)), 1, 'LOGIN_LOCKOUT_BASE_SECONDS'],
  loginLockoutMaxSeconds: [v.pipe(v.number(), v.minValue(1), v.maxValue(86_400)), 900, 'LOGIN_LOCKOUT_MAX_SECONDS'],
  /** Failures are forgotten after this long without another one (and an account's on a successful login). */
  loginFailureWindowSeconds: [v.pipe(v.number(), v.minValue(1), v.maxValue(86_400)), 900, 'LOGIN_FAILURE_WINDOW_SECONDS'],
  /** Requests per client address per minute to the visitor endpoints that create work (/start, offline messages, attachments); 0 = no limit. */
  visitorRequestsPerMinute: [v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(1_000_000)), 30, 'VISITOR_REQUESTS_PER_MINUTE'],
  demoAgentEmail: [v.pipe(v.string(), v.email()), 'agent@demo.test', 'DEMO_AGENT_EMAIL'],
  demoAgentPassword: [v.pipe(v.string(), v.minLength(8)), 'demo-agent-pass', 'DEMO_AGENT_PASSWORD'],
} as const;

type Fields = typeof fields;
export type Config = { [K in keyof Fields]: v.InferOutput<Fields[K][0]> };

export const DEFAULTS: Config = Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f[1]])) as unknown as Config;

/** Environment variable for each key, for docs and error messages. */
export const ENV_NAMES: Record<keyof Config, string> = Object.fromEntries(
  Object.entries(fields).map(([k, f]) => [k, f[2]]),
) as Record<keyof Config, string>;

function fromEnv(raw: string, def: unknown): unknown {
  if (Array.isArray(def)) {
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
    return typeof def[0] === 'number' ? items.map(Number) : items;
  }
  if (typeof def === 'number') return raw.trim() === '' ? NaN : Number(raw);
  if (typeof def === 'boolean') return /^(1|true|yes|on)$/i.test(raw) ? true : /^(0|false|no|off)$/i.test(raw) ? false : raw;
  return raw;
}

/**
 * Builds the configuration from defaults, an optional JSON file and the environment, plus explicit
 * overrides (tests). Throws GatewayError CB_ERR_CONFIG naming the first bad key.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  let file: Record<string, unknown> = {};
  if (env.CONFIG_FILE) {
    try {
      file = JSON.parse(readFileSync(env.CONFIG_FILE, 'utf8'));
    } catch (err) {
      throw new GatewayError('CB_ERR_CONFIG', `CONFIG_FILE ${env.CONFIG_FILE} could not be read as JSON: ${(err as Error).message}`);
    }
    for (const key of Object.keys(file)) {
      if (!(key in fields)) throw new GatewayError('CB_ERR_CONFIG', `unknown key "${key}" in ${env.CONFIG_FILE}; known keys: ${Object.keys(fields).join(', ')}`);
    }
  }
  const out: Record<string, unknown> = {};
  for (const [key, [schema, def, envName]] of Object.entries(fields)) {
    let value: unknown = def;
    let source = 'default';
    if (key in file) [value, source] = [file[key], `${env.CONFIG_FILE}`];
    const raw = env[envName];
    if (raw !== undefined && raw !== '') [value, source] = [fromEnv(raw, def), `environment ${envName}`];
    if (key in overrides) [value, source] = [(overrides as Record<string, unknown>)[key], 'override'];
    const r = v.safeParse(schema as v.GenericSchema, value);
    if (!r.success) {
      throw new GatewayError('CB_ERR_CONFIG', `${key} (${envName}) from ${source}: ${r.issues[0].message}; got ${JSON.stringify(value)}`);
    }
    out[key] = r.output;
  }
  const cfg = out as Config;
  if (cfg.healthPort !== 0 && (cfg.healthPort === cfg.port || cfg.healthPort === cfg.proxyPort)) {
    throw new GatewayError('CB_ERR_CONFIG', 'healthPort (HEALTH_PORT) must differ from port (PORT) and proxyPort (PROXY_PORT), or be 0 (off)');
  }
  if (cfg.port !== 0 && cfg.port === cfg.proxyPort) {
    throw new GatewayError('CB_ERR_CONFIG', 'proxyPort (PROXY_PORT) must differ from port (PORT): proxied content never shares an origin with the console');
  }
  const host = cfg.publicUrl ? new URL(cfg.publicUrl).hostname : cfg.proxyDomain;
  if (host !== cfg.proxyDomain && !host.endsWith(`.${cfg.proxyDomain}`) && !cfg.proxyDomain.endsWith(`.${host}`)) {
    throw new GatewayError(
      'CB_ERR_CONFIG',
      `publicUrl (PUBLIC_URL) host ${host} and proxyDomain (PROXY_DOMAIN) ${cfg.proxyDomain} must share a registrable domain, e.g. PUBLIC_URL=https://app.cobrowse.example.net and PROXY_DOMAIN=cobrowse.example.net`,
    );
  }
  if (cfg.loginLockoutMaxSeconds < cfg.loginLockoutBaseSeconds) {
    throw new GatewayError('CB_ERR_CONFIG', 'loginLockoutMaxSeconds (LOGIN_LOCKOUT_MAX_SECONDS) must be at least loginLockoutBaseSeconds (LOGIN_LOCKOUT_BASE_SECONDS)');
  }
  return cfg;
}

/** The gateway's public origin: PUBLIC_URL, or http://<proxyDomain>:<port>. */
export function publicOriginOf(cfg: Config, port = cfg.port): string {
  return cfg.publicUrl || `http://${cfg.proxyDomain}:${port}`;
}
