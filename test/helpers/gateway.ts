// Starts a real gateway on free ports with an in-memory store, optionally with the demo site.
import { freePort } from '../../bench/lib/proc-stats.ts';
import { loadConfig, type Config } from '../../gateway/config.ts';
import { createGateway, type Gateway } from '../../gateway/server.ts';
import { createLogger } from '../../gateway/log.ts';

export interface TestGateway {
  gw: Gateway;
  /** Demo shop origin as a visitor's browser sees it (http://localhost:<port>), or null. */
  demoUrl: string | null;
  close(): Promise<void>;
}

export { freePort };

export async function startTestGateway(overrides: Partial<Config> = {}, opts: { demo?: boolean } = {}): Promise<TestGateway> {
  const demoPort = opts.demo ? await freePort() : 0;
  const demoOrigins = opts.demo ? [`http://localhost:${demoPort}`, `http://127.0.0.1:${demoPort}`] : [];
  // Tests start many sessions from one loopback address: the per-address visitor limit is off unless
  // a test sets it (test/integration/login-throttle.test.ts does). The health worker's port is off
  // unless a test gives one (test/integration/health-under-load.test.ts).
  const base = loadConfig({}, { port: 0, proxyPort: 0, healthPort: 0, databasePath: ':memory:', logLevel: 'silent', visitorRequestsPerMinute: 0, ...overrides });
  const config = { ...base, allowedTargets: [...base.allowedTargets, ...demoOrigins] };
  const gw = await createGateway(config, { log: createLogger(process.env.TEST_LOG ?? 'silent') });
  let demo: { url: string; close(): Promise<void> } | null = null;
  if (opts.demo) {
    const { startDemoSite } = await import('../../demo-site/server.ts');
    demo = await startDemoSite({ port: demoPort, host: '127.0.0.1', gatewayUrl: gw.url, siteId: 'demo' });
  }
  return {
    gw,
    demoUrl: demo ? `http://localhost:${demoPort}` : null,
    async close() {
      await gw.close();
      await demo?.close();
    },
  };
}
