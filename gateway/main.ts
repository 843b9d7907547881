// Entry point. `npm run gateway` starts one gateway; `npm start` (--demo) also starts the demo shop,
// allows it as a proxy target, seeds a demo agent, and prints where everything is.
import { loadConfig, publicOriginOf } from './config.ts';
import { GatewayError } from './errors.ts';
import { createGateway } from './server.ts';
import { createLogger } from './log.ts';

async function main() {
  const demo = process.argv.includes('--demo');
  let config = loadConfig(process.env);
  let demoSite: { url: string; close(): Promise<void> } | null = null;
  const publicUrl = publicOriginOf(config);
  if (demo) {
    const { startDemoSite } = await import('../demo-site/server.ts');
    demoSite = await startDemoSite({ port: config.demoPort, host: config.host, gatewayUrl: publicUrl, siteId: 'demo' });
    config = { ...config, allowedTargets: [...new Set([...config.allowedTargets, new URL(demoSite.url).origin])] };
  }
  // `npm start` on a terminal reads as text; `npm run gateway` (production) stays JSON for log shippers.
  const gw = await createGateway(config, { log: createLogger(config.logLevel, { pretty: demo && !!process.stdout.isTTY }) });
  if (demo) {
    // Seeded into whichever store is configured (PostgreSQL with DATABASE_URL).
    if (!(await gw.store.agentByEmail(config.demoAgentEmail))) {
      await gw.auth.createAgent({ email: config.demoAgentEmail, password: config.demoAgentPassword, name: 'Demo Agent', role: 'admin' });
    }
    console.log(`Demo site: ${demoSite!.url}/`);
  }
  console.log(`Agent console: ${gw.url}/agent/`);
  if (demo) console.log(`Demo agent: ${config.demoAgentEmail} / ${config.demoAgentPassword}`);

  // Last line of defence: a bug in one request handler must not take every visitor's session down.
  // Errors are logged with their stack and the process keeps serving; state lives in the store.
  process.on('uncaughtException', (err) => gw.log.error({ err, event: 'gateway.uncaught' }, 'uncaught exception'));
  process.on('unhandledRejection', (err) => gw.log.error({ err, event: 'gateway.unhandled-rejection' }, 'unhandled rejection'));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    gw.log.info({ event: 'gateway.stopping', signal }, 'stopping');
    await gw.close();
    await demoSite?.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof GatewayError || (err as { code?: string }).code?.startsWith?.('CB_ERR')) {
    console.error(`${(err as GatewayError).code ?? 'CB_ERR'}: ${err.message}`);
  } else console.error(err);
  process.exit(1);
});
