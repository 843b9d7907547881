// Assembles one gateway: store, router, hub, proxy, and two uWS apps on two ports (the gateway
// origin for console/shell/API/WebSockets, and the proxy origins for proxied content).
import { fileURLToPath } from 'node:url';
import { uws, type us_listen_socket, type TemplatedApp } from './uws.ts';
import { publicOriginOf, type Config } from './config.ts';
import { GatewayError } from './errors.ts';
import { createLogger, type Logger } from './log.ts';
import { openStore } from './store/open-store.ts';
import type { StorePorts } from './store/ports.ts';
import type { Store } from './store/types.ts';
import { createRouter } from './routing/router.ts';
import type { RoutingConfig } from './routing/types.ts';
import { Hub } from './channel/hub.ts';
import type { Engine } from './channel/engine.ts';
import { localEngine } from './channel/local-engine.ts';
import { loadRouting, type RoutingLogOptions } from './channel/routing-log.ts';
import { SessionWriter } from './channel/session-writer.ts';
import { registerSocketRoute } from './channel/socket-route.ts';
import { routingConfigFrom } from './routing/config.ts';
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
import { newId } from './ids.ts';
import { connectRedis, waitReady } from './cluster/redis.ts';
import { createClusterEngine, type ClusterEngine } from './cluster/cluster-engine.ts';
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

/** One process: the router restored from the snapshot and command log the previous run left in the store. */
async function localEngineFromStore(o: { app: TemplatedApp; store: Store & StorePorts; writer: SessionWriter; log: Logger; routing: RoutingConfig; routingLog: RoutingLogOptions }): Promise<Engine> {
  const loaded = await loadRouting(o.store, o.routing);
  const router = createRouter(o.routing, Date.now, loaded.snapshot ?? undefined);
  return localEngine({ app: o.app, store: o.store, router, config: o.routing, writer: o.writer, log: o.log, loaded, routingLog: o.routingLog });
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
  // PostgreSQL (DATABASE_URL) or the SQLite file. The channel and cluster take the async ports; the
  // cast holds for the HTTP routes, which still read some of it synchronously.
  const store = (opts.store ?? (await openStore(config, log))) as Store & StorePorts;
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

  // Both apps listen first (0 = pick a free port), so origins are known before anything renders a
  // URL; their routes are added below, in dependency order: registry, engine, hub, then the
  // routes that use them.
  const app = uws.App();
  const main = await listen(app, config.host, config.port, !!redis);
  const publicOrigin = publicOriginOf(config, main.port);
  const scheme = publicOrigin.startsWith('https:') ? 'https' : 'http';
  const proxyApp = uws.App();
  const proxy = await listen(proxyApp, config.host, config.proxyPort, !!redis);

  const policy = { allowedTargets: new Set(config.allowedTargets), allowedPorts: new Set(config.allowedPorts) };
  // Cookie jars, single flight and origin tokens: in memory, or shared through Redis in a cluster.
  const proxyState = await createProxyState({ redis, store, log });
  const writer = new SessionWriter(log);
  const registry = new OriginRegistry(
    // Through the session's writer: retried while the store is away, never an unhandled rejection.
    { scheme, domain: config.proxyDomain, publicPort: config.proxyPublicPort || proxy.port, ...proxyState.registryOptions((e) => writer.write(e.sessionId, 'proxy origin', () => store.saveProxyOrigin(e.token, e.sessionId, e.origin))) },
    await store.proxyOrigins(),
  );
  proxyState.attachRegistry(registry);

  const routingConfig = routingConfigFrom(config);
  // One process restores its routing snapshot from the store; a cluster's lives in Redis.
  const engine: Engine = redis
    ? await createClusterEngine({ redis, instanceId, app, store, writer, log, routing: routingConfig, transcriptRetentionDays: config.transcriptRetentionDays })
    : await localEngineFromStore({
        app,
        store,
        writer,
        log,
        routing: routingConfig,
        routingLog: { flushEveryMs: config.routingLogFlushMs, minEntries: config.routingLogCompactAfter, maxAgeMs: config.routingLogMaxAgeSeconds * 1000 },
      });
  const webhooks = new Webhooks(config.webhookUrl, config.webhookSecret, log);
  const hub = new Hub({
    app,
    store,
    engine,
    writer,
    registry,
    jars: proxyState.jars,
    policy,
    log,
    clock: Date.now,
    defaultCapacity: config.defaultAgentCapacity,
    departmentCapacity: parseDepartmentCapacity(config.departmentCapacity),
    metrics,
    webhooks,
    instanceId,
  });
  const upstreams = createUpstreams(config.upstreamTimeoutSeconds * 1000);
  createProxyApp(
    {
      registry,
      jars: proxyState.jars,
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
    },
    proxyApp,
  );
  const auth = new AgentAuth(store, scheme === 'https');
  /** Sockets and new chats are taken once the hub has loaded its sessions and follows the engine (below). */
  let started = false;
  const throttles = createThrottles(config, redis);
  // Health: the main loop stamps a shared buffer; a worker thread answers from it on the health port.
  const healthBuf = newHealthBuffer();
  const heartbeat = startHeartbeat(healthBuf, { redisReady: redis ? () => redis.ready() : null, following: () => started && engine.ready(), probeStore: () => store.getKv('health.probe') });
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
    ready: () => started && engine.ready() && store.healthy?.() !== false,
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

  registerSocketRoute(app, { hub, publicOrigin, agentFor: (c) => auth.agentFor(c), authCookieFrom, accepting: () => started, metrics, log });

  if (redis && 'stats' in engine) registerClusterMetrics(metrics, () => (engine as ClusterEngine).stats(), () => redis.ready());
  // After the WebSocket route exists: uWS has no topic tree before it, and following the cluster
  // starts publishing at once.
  await hub.start();
  started = true;

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
      await engine.close();
      await webhooks.flush();
      uws.us_listen_socket_close(main.token);
      uws.us_listen_socket_close(proxy.token);
      app.close();
      proxyApp.close();
      await upstreams.close();
      proxyState.close();
      throttles.close();
      await redis?.close();
      // Writes still being retried get a moment to land before the store closes.
      await Promise.race([writer.idle(), new Promise((r) => setTimeout(r, 2000).unref())]);
      writer.close();
      if (!opts.store) await store.close();
    },
  };
}
