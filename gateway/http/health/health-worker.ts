// The health worker: its own thread and event loop, with a small node:http server on the health
// port. It answers /healthz and /readyz from the shared health buffer the main loop stamps, so its
// answers take milliseconds however busy (or blocked) the main loop is, and say what is degraded.
//
// node:http rather than uWS here: a uWS app in a worker thread makes Node abort (uv_loop_close with
// open handles) whenever the process exits without closing it first, as on a crash; a health
// endpoint needs none of uWS's throughput.
import { createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { readHealth } from './health-state.ts';
import { assess, type HealthThresholds } from './assess.ts';

interface Data {
  buf: SharedArrayBuffer;
  host: string;
  port: number;
  instanceId: string;
  thresholds: HealthThresholds;
}

const d = workerData as Data;

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' || (path !== '/healthz' && path !== '/readyz')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('health port: GET /healthz or /readyz');
    return;
  }
  const r = assess(readHealth(d.buf), Date.now(), d.thresholds);
  const ok = path === '/healthz' ? r.live : r.ready;
  res
    .writeHead(ok ? 200 : 503, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify({ ok, instance: d.instanceId, answeredBy: 'health-worker', ...r }));
});
server.keepAliveTimeout = 5000;
server.once('error', (err) => parentPort!.postMessage({ error: (err as Error).message }));
server.listen(d.port, d.host, () => {
  parentPort!.postMessage({ port: (server.address() as { port: number }).port });
  parentPort!.on('message', (m) => {
    if (m !== 'close') return;
    server.close();
    server.closeAllConnections();
    parentPort!.close();
  });
});
