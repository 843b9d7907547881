// The time-to-interactive scenario's origins, in their own process: each app on its own port (a
// site of its own, as the agent leads from one site to another), and a landing port with the page
// both parties start on (/landing.html) and the direct peer's host page (/host.html, an iframe the
// harness points at an app). node:http, keep-alive, Content-Length, no compression, revalidating
// caching headers like a static host. Counts requests per app by how they arrived: through the
// gateway (Host 127.0.0.1:<port>) or from the browser directly (Host *.localhost:<port>).
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { servePeer, argValue } from '../peers/peer-stats.ts';

const dir = argValue('dir', '');
const apps = argValue('apps', '').split(',').filter(Boolean);
const host = argValue('host', '127.0.0.1');
/** --ports L,A1,A2…: the landing port, then one per app in --apps order (default: free ports). */
const given = argValue('ports', '').split(',').filter(Boolean).map(Number);

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
};

const LANDING = Buffer.from(
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Bench landing</title></head>' +
    '<body><h1>Where the visitor starts</h1><p>The agent leads from here to each app.</p></body></html>',
);
// The direct peer: the same frame the shell would show, without the proxy.
const HOST = Buffer.from(
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Direct host</title>' +
    '<style>body{margin:0}iframe{border:0;display:block}</style></head>' +
    '<body><iframe data-testid="direct-frame" src="/landing.html"></iframe></body></html>',
);

interface Counts {
  viaGateway: number;
  direct: number;
}
const counts = new Map<string, Counts>();

function filesOf(app: string): Map<string, { body: Buffer; type: string }> {
  const root = join(dir, app);
  const m = new Map<string, { body: Buffer; type: string }>();
  for (const e of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (!e.isFile()) continue;
    const abs = join(e.parentPath, e.name);
    const rel = relative(root, abs).split('\\').join('/');
    m.set(`/todo/${rel}`, { body: readFileSync(abs), type: TYPES[extname(abs)] ?? 'application/octet-stream' });
  }
  const index = m.get('/todo/index.html');
  if (index) m.set('/todo/', index);
  return m;
}

function listen(port: number, handler: http.RequestListener): Promise<number> {
  const s = http.createServer({ keepAliveTimeout: 30_000 }, handler);
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => resolve((s.address() as { port: number }).port));
  });
}

const landingPort = await listen(given[0] ?? 0, (req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  const body = path === '/landing.html' ? LANDING : path === '/host.html' ? HOST : null;
  if (!body) return void res.writeHead(404, { 'content-length': 0 }).end();
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length, 'cache-control': 'no-cache' });
  res.end(body);
});

const appPorts: Record<string, number> = {};
for (const app of apps) {
  const files = filesOf(app);
  const c: Counts = { viaGateway: 0, direct: 0 };
  counts.set(app, c);
  appPorts[app] = await listen(given[1 + apps.indexOf(app)] ?? 0, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if ((req.headers.host ?? '').endsWith('.localhost') || /\.localhost:\d+$/.test(req.headers.host ?? '')) c.direct++;
    else c.viaGateway++;
    const f = files.get(path);
    if (!f) return void res.writeHead(404, { 'content-type': 'text/plain', 'content-length': 9 }).end('not found');
    res.writeHead(200, {
      'content-type': f.type,
      'content-length': f.body.length,
      'cache-control': f.type.startsWith('text/html') ? 'no-cache' : 'public, max-age=600',
    });
    res.end(f.body);
  });
}

servePeer(landingPort, {
  ports: () => ({ landing: landingPort, apps: appPorts }),
  /** Requests per app since the last call, by how they arrived. */
  counts() {
    const out = Object.fromEntries([...counts].map(([k, v]) => [k, { ...v }]));
    for (const v of counts.values()) v.viaGateway = v.direct = 0;
    return out;
  },
});
