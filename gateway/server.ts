// Assembles one gateway: store, router, hub, proxy, and two uWS apps on two ports (the gateway
// origin for console/shell/API/WebSockets, and the proxy origins for proxied content).
import { fileURLToPath } from 'node:url';
import { MAX_FRAME_BYTES, parseClientFrame, WireErrors } from '../protocol/index.ts';
import { uws, type us_listen_socket, type TemplatedApp } from './uws.ts';
import { publicOriginOf, type Config } from './config.ts';
import { GatewayError } from './errors.ts';
import { createLogger, type Logger } from './log.ts';
import { openSqliteStore } from './store/sqlite-store.ts';
import type { Store } from './store/types.ts';
import { createRouter } from './routing/router.ts';
import type { RoutingSnapshot } from './routing/types.ts';
import { Hub, type SocketData } from './channel/hub.ts';
import { OriginRegistry } from './proxy/origin-registry.ts';
import { createProxyState } from './cluster/proxy-state.ts';
import { createUpstreams } from './proxy/upstream.ts';
import { createProxyApp } from './proxy/proxy-server.ts';
import { AgentAuth, authCookieFrom } from './auth/agent-auth.ts';
import { registerApiRoutes } from './http/api-routes.ts';
import { registerConsoleRoutes } from './http/console-routes.ts';
import { Webhooks } from './webhooks.ts';
import { parseDepartmentCapacity } from './channel/capacity.ts';
import { loadStaticDir, type StaticFile } from './http/static-files.ts';
import { send } from './http/respond.ts';
import { createMetrics, registerClusterMetrics } from './metrics.ts';
import { RateLimiter } from './proxy/rate-limit.ts';
import { newId } from './ids.ts';
import { connectRedis, waitReady } from './cluster/redis.ts';
import { createCluster } from './cluster/cluster.ts';
import { storeEventLog } from './channel/event-log.ts';
import { createThrottles } from './http/throttle/index.ts';
import { newHealthBuffer, readHealth } from './http/health/health-state.ts';
import { startHeartbeat } from './http/health/heartbeat.ts';
import { assess, DEFAULT_THRESHOLDS } from './http/health/assess.ts';
import { startHealthServer, type HealthServer } from './http/health/health-server.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Gateway {
  config: Config;
  /** Origin of the console/shell/API, e.g. http://cobrowse.localhost:8080 */
  url: string;
  /** Host suffix of proxy origins, e.g. .localhost:8081 */
  proxyHostSuffix: string;
  port: number;
  proxyPort: number;
  /** Port of the health worker (HEALTH_PORT), or null when it is off. */
  healthPort: number | null;
  store: Store;
  auth: AgentAuth;
  hub: Hub;
  log: Logger;
  webhooks: Webhooks;
  close(): Promise<void>;
}

export interface GatewayOptions {
  log?: Logger;
  /** Use this store instead of opening config.databasePath. */
  store?: Store;
  distDir?: string;
}

/**
 * uWS listens with SO_REUSEPORT unless told otherwise. One process takes its ports exclusively, so a
 * second gateway on the same port fails loudly instead of silently splitting the traffic between
 * two separate states. Cluster instances on one host may share PORT and PROXY_PORT on purpose: the
 * kernel then spreads connections over them like a load balancer, which the shared state allows.
 */
function listen(app: TemplatedApp, host: string, port: number, shared: boolean): Promise<{ token: us_listen_socket; port: number }> {
  const options = shared ? 0 : 1; // LIBUS_LISTEN_DEFAULT : LIBUS_LISTEN_EXCLUSIVE_PORT
  return new Promise((resolve, reject) => {
    // The (host, port, options, cb) form exists in uWS but is missing from its type declarations.
    (app.listen as unknown as (h: string, p: number, o: number, cb: (t: us_listen_socket | false) => void) => void)(host, port, options, (token) => {
      if (!token) return reject(new GatewayError('CB_ERR_LISTEN', `Could not listen on ${host}:${port}.`));
      resolve({ token, port: uws.us_socket_local_port(token) });
    });
  });
}

export async function createGateway(config: Config, opts: GatewayOptions = {}): Promise<Gateway> {
  const log = opts.log ?? createLogger(config.logLevel);
  const store = opts.store ?? openSqliteStore(config.databasePath);
  const metrics = createMetrics();
  const dist = opts.distDir ?? `${ROOT}dist`;
  const shellFiles = loadStaticDir(`${dist}/visitor-shell`);
  const agentFiles = loadStaticDir(`${dist}/agent-ui`);
  if (!shellFiles.size || !agentFiles.size) log.warn({ dist }, 'browser bundles missing: run `npm run build`');

  // Cluster mode: Redis first, so a wrong REDIS_URL stops the start with a clear message.
  const instanceId = config.instanceId || `gw-${newId().slice(0, 8)}`;
  const redis = config.redisUrl ? connectRedis(config.redisUrl, log, `cobrowse-${instanceId}`) : null;
  if (redis) {
    try {
      await waitReady(redis, config.redisUrl);
    } catch (err) {
      await redis.close();
      throw err;
    }
  }

  const app = uws.App();
  // Ports first (0 = pick a free one), so origins are known before anything renders a URL.
  const main = await listen(app, config.host, config.port, !!redis);
  const publicOrigin = publicOriginOf(config, main.port);
  const scheme = publicOrigin.startsWith('https:') ? 'https' : 'http';

  const policy = { allowedTargets: new Set(config.allowedTargets), allowedPorts: new Set(config.allowedPorts) };
  // Cookie jars, single flight and origin tokens: in memory, or shared through Redis in a cluster.
  const proxyState = await createProxyState({ redis, store, log });
  const jars = proxyState.jars;
  const upstreams = createUpstreams(config.upstreamTimeoutSeconds * 1000);
  let registry!: OriginRegistry;
  let hub!: Hub;

  const proxyApp = createProxyApp({
    get registry() {
      return registry;
    },
    jars,
    upstreams,
    policy,
    log,
    parentOrigin: publicOrigin,
    sessionLive: (id) => hub.sessionLive(id),
    overlayJs: () => shellFiles.get('/overlay.js')?.body ?? null,
    ratePerSecond: config.proxyRatePerSecond,
    burst: config.proxyBurst,
    maxUploadBytes: config.maxUploadBytes,
    sharedPages: proxyState.pages,
    metrics: { proxyRequest: (kind, status) => metrics.proxyRequests.inc({ kind, status: String(status) }) },
  });
  const proxy = await listen(proxyApp, config.host, config.proxyPort, !!redis);
  registry = new OriginRegistry(
    { scheme, domain: config.proxyDomain, publicPort: config.proxyPublicPort || proxy.port, ...proxyState.registryOptions((e) => store.saveProxyOrigin(e.token, e.sessionId, e.origin)) },
    store.proxyOrigins(),
  );
  proxyState.attachRegistry(registry);

  const routingConfig = {
    mode: config.routingMode,
    ringTimeoutMs: config.ringTimeoutSeconds * 1000,
    agentGraceMs: config.agentGraceSeconds * 1000,
    visitorGraceMs: config.visitorGraceSeconds * 1000,
    maxQueueWaitMs: config.maxQueueWaitSeconds * 1000,
    defaultCapacity: config.defaultAgentCapacity,
    maxMissedOffers: config.maxMissedOffers,
    departmentFallback: config.departmentFallback,
  };
  // One process restores its routing snapshot from SQLite; a cluster's lives in Redis.
  const savedRouting = redis ? null : store.getKv('routing');
  const cluster = redis
    ? await createCluster({ redis, instanceId, app, store, log, routing: routingConfig, transcriptRetentionDays: config.transcriptRetentionDays })
    : null;
  /** One process is ready at once; a cluster instance once it follows the others (below). */
  let following = !cluster;
  const router = cluster?.router ?? createRouter(routingConfig, Date.now, savedRouting ? (JSON.parse(savedRouting) as RoutingSnapshot) : undefined);
  const webhooks = new Webhooks(config.webhookUrl, config.webhookSecret, log);
  hub = new Hub({
    app,
    store,
    router,
    registry,
    jars,
    policy,
    log,
    clock: Date.now,
    defaultCapacity: config.defaultAgentCapacity,
    departmentCapacity: parseDepartmentCapacity(config.departmentCapacity),
    metrics,
    webhooks,
    events: cluster?.events ?? storeEventLog(store),
    instanceId,
    cluster: cluster?.hubCluster,
  });
  if (savedRouting) hub.restoreAfterRestart();
  const auth = new AgentAuth(store, scheme === 'https');
  const throttles = createThrottles(config, redis);
  // Health: the main loop stamps a shared buffer; a worker thread answers from it on the health port.
  const healthBuf = newHealthBuffer();
  const heartbeat = startHeartbeat(healthBuf, { redisReady: redis ? () => redis.ready() : null, following: () => following, probeStore: () => store.getKv('health.probe') });
  let health: HealthServer | null = null;
  if (config.healthPort) {
    try {
      health = await startHealthServer({ buf: healthBuf, host: config.host, port: config.healthPort, instanceId, thresholds: DEFAULT_THRESHOLDS });
    } catch (err) {
      heartbeat.stop();
      throw err;
    }
  }

  registerApiRoutes(app, {
    hub,
    store,
    auth,
    log,
    metrics,
    publicOrigin,
    proxyOriginSuffix: registry.hostSuffix,
    ready: () => following && (!redis || redis.ready()),
    instanceId,
    throttles,
    health: () => assess(readHealth(healthBuf), Date.now(), DEFAULT_THRESHOLDS),
  });

  registerConsoleRoutes(app, { hub, store, auth, log, webhooks, publicOrigin, maxAttachmentBytes: config.maxAttachmentBytes, throttles, metrics });

  const serveFrom = (files: Map<string, StaticFile>, path: string, res: Parameters<Parameters<TemplatedApp['get']>[1]>[0], fallback?: string) => {
    const f = files.get(path) ?? (fallback ? files.get(fallback) : undefined);
    if (!f) return send(res, null, files.size ? 404 : 503, { 'content-type': 'text/plain; charset=utf-8' }, files.size ? 'Not found' : 'Not built: run `npm run build`.');
    const immutable = /\/assets\/.*-[A-Za-z0-9_-]{8,}\./.test(path);
    send(res, null, 200, {
      'content-type': f.type,
      'cache-control': f.type.startsWith('text/html') ? 'no-store' : immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      ...(f.type.startsWith('text/html') ? { 'content-security-policy': "frame-ancestors 'none'" } : {}),
    }, f.body);
  };
  app.get('/assets/*', (res, req) => serveFrom(shellFiles, req.getUrl().slice('/assets'.length), res));
  app.get('/embed.js', (res) => serveFrom(shellFiles, '/embed.js', res));
  app.get('/agent', (res) => send(res, null, 301, { location: '/agent/' }));
  app.get('/agent/*', (res, req) => {
    const p = req.getUrl().slice('/agent'.length) || '/';
    serveFrom(agentFiles, p === '/' ? '/index.html' : p, res, p.includes('.') ? undefined : '/index.html');
  });
  app.get('/', (res) => send(res, null, 302, { location: '/agent/' }));

  const frameLimiter = new RateLimiter(200, 400);
  app.ws<SocketData>('/ws/:role', {
    // uWS drops a connection whose frame exceeds maxPayloadLength without a close code (1006), so
    // its cap sits well above the protocol limit and frames between the two are closed here with 1009.
    maxPayloadLength: MAX_FRAME_BYTES * 16,
    idleTimeout: 60,
    maxBackpressure: 1024 * 1024,
    // A client too slow to take its frames is closed; it reconnects and resumes by sequence number.
    closeOnBackpressureLimit: 1,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      // A socket taken before this instance follows the cluster's event fan-out could miss events
      // appended meanwhile: until then the client is told to retry (its reconnect loop does).
      if (!following) return send(res, null, 503, { 'content-type': 'text/plain', 'retry-after': '1' }, 'CB_ERR_NOT_READY');
      const role = req.getParameter(0);
      const origin = req.getHeader('origin');
      const key = req.getHeader('sec-websocket-key');
      const protocol = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      // Only the gateway's own pages may open these sockets: never a proxied page.
      if (origin !== publicOrigin) return send(res, null, 403, { 'content-type': 'text/plain' }, 'CB_ERR_FORBIDDEN_ORIGIN');
      let data: SocketData;
      if (role === 'agent') {
        const agent = auth.agentFor(authCookieFrom(req.getHeader('cookie')));
        if (!agent) return send(res, null, 401, { 'content-type': 'text/plain' }, 'CB_ERR_AUTH_REQUIRED');
        data = { role: 'agent', cid: newId(), agentId: agent.id, name: agent.name, email: agent.email, agentRole: agent.role };
      } else if (role === 'visitor') {
        const sid = new URLSearchParams(req.getQuery() ?? '').get('sid') ?? '';
        if (!hub.session(sid)) return send(res, null, 404, { 'content-type': 'text/plain' }, 'CB_ERR_SESSION_UNKNOWN');
        data = { role: 'visitor', cid: newId(), sessionId: sid };
      } else return send(res, null, 404, { 'content-type': 'text/plain' }, 'Not found');
      res.upgrade(data, key, protocol, extensions, context);
    },
    open: (ws) => {
      const d = ws.getUserData();
      if (d.role === 'visitor') hub.visitorOpen(ws);
      else hub.agentOpen(ws);
    },
    message: (ws, msg, isBinary) => {
      const reply = (code: keyof typeof WireErrors, detail?: string) => {
        metrics.badFrames.inc({ code });
        ws.send(JSON.stringify({ type: 'error', code, message: detail ? `${WireErrors[code]} ${detail}` : WireErrors[code] }));
      };
      if (msg.byteLength > MAX_FRAME_BYTES) return ws.end(1009, 'CB_ERR_FRAME_TOO_LARGE');
      if (isBinary) return reply('CB_ERR_FRAME_BINARY');
      if (!frameLimiter.take(ws.getUserData().cid)) return reply('CB_ERR_RATE_LIMITED');
      const text = Buffer.from(msg).toString('utf8');
      const parsed = parseClientFrame(text);
      if (!parsed.ok) return reply(parsed.code, parsed.message === WireErrors[parsed.code] ? undefined : parsed.message.slice(WireErrors[parsed.code].length + 1));
      try {
        hub.message(ws, parsed.value, text);
      } catch (err) {
        log.error({ err, type: parsed.value.type }, 'frame handler failed');
        reply('CB_ERR_INTERNAL');
      }
    },
    close: (ws) => {
      const d = ws.getUserData();
      frameLimiter.drop(d.cid);
      if (d.role === 'visitor') hub.visitorClose(ws);
      else hub.agentClose(ws);
    },
  });

  if (cluster && redis) registerClusterMetrics(metrics, () => cluster.stats(), () => redis.ready());
  // After the WebSocket route exists: uWS has no topic tree before it, and following the cluster
  // starts publishing at once.
  await cluster?.start(hub);
  following = true;

  log.info({ event: 'gateway.listening', url: publicOrigin, proxy: `${scheme}://<token>${registry.hostSuffix}` }, 'gateway listening');

  return {
    config,
    url: publicOrigin,
    proxyHostSuffix: registry.hostSuffix,
    port: main.port,
    proxyPort: proxy.port,
    healthPort: health?.port ?? null,
    store,
    auth,
    hub,
    log,
    webhooks,
    async close() {
      heartbeat.stopping();
      await health?.close();
      heartbeat.stop();
      hub.close();
      await cluster?.close();
      await webhooks.flush();
      uws.us_listen_socket_close(main.token);
      uws.us_listen_socket_close(proxy.token);
      app.close();
      proxyApp.close();
      await upstreams.close();
      proxyState.close();
      throttles.close();
      await redis?.close();
      if (!opts.store) store.close();
    },
  };
}
