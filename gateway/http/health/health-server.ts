// Starts the health worker (health-worker.ts) on the health port and stops it. The worker loads
// TypeScript through tsx like the gateway does: Node 20 does not apply `--import` hooks to a worker's
// entry module, so a two-line bootstrap registers tsx's loader and then imports the worker. This
// also holds when the gateway runs inside a test runner.
import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { GatewayError } from '../../errors.ts';
import type { HealthThresholds } from './assess.ts';

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

export function startHealthServer(o: { buf: SharedArrayBuffer; host: string; port: number; instanceId: string; thresholds: HealthThresholds }): Promise<HealthServer> {
  // The ESM entry of tsx's API (require.resolve would give its CommonJS one).
  const tsxApi = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm/api').replace(/index\.cjs$/, 'index.mjs')).href;
  const entry = new URL('./health-worker.ts', import.meta.url).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((t) => { t.register(); return import(${JSON.stringify(entry)}); });`;
  const worker = new Worker(bootstrap, {
    eval: true,
    workerData: { buf: o.buf, host: o.host, port: o.port, instanceId: o.instanceId, thresholds: o.thresholds },
    execArgv: [],
    name: 'cobrowse-health',
  });
  // It must never keep the process alive on its own (the gateway's close ends it).
  worker.unref();
  return new Promise((resolve, reject) => {
    const fail = (err: unknown) => reject(err instanceof Error ? err : new Error(String(err)));
    worker.once('error', fail);
    worker.once('message', (m: { port?: number; error?: string }) => {
      worker.off('error', fail);
      if (!m.port) {
        void worker.terminate();
        return reject(new GatewayError('CB_ERR_LISTEN', `Health port ${o.host}:${o.port}: ${m.error}; set another HEALTH_PORT (0 = off).`));
      }
      const exited = new Promise<void>((r) => worker.once('exit', () => r()));
      resolve({
        port: m.port,
        async close() {
          worker.postMessage('close');
          const t = setTimeout(() => void worker.terminate(), 2000);
          await exited;
          clearTimeout(t);
        },
      });
    });
  });
}
