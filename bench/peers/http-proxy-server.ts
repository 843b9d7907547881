// Peer for the proxy scenario: http-proxy (the usual Node reverse proxy) in front of the fixture
// origin, forwarding bytes without rewriting. `--agent keepalive` reuses upstream connections (a
// keep-alive http.Agent, like the gateway's undici pool); `--agent default` is http-proxy's default,
// agent:false, which opens a new upstream connection per request and sends `connection: close`.
// http-proxy copies that `connection: close` from the upstream response onto the client's response,
// closing the load generator's connection after every request too (autocannon, the bench's first load
// generator, also mis-timed requests on connections the server closes), so the peer drops that
// header: the row then measures what agent:false costs upstream, with client keep-alive like every
// other row.
import http from 'node:http';
import httpProxy from 'http-proxy';
import { argValue, servePeer } from './peer-stats.ts';

const target = argValue('target', '');
const mode = argValue('agent', 'keepalive');
const agent = mode === 'keepalive' ? new http.Agent({ keepAlive: true, maxSockets: 64 }) : undefined;
const proxy = httpProxy.createProxyServer({ target, ...(agent ? { agent } : {}) });
// Without a handler http-proxy throws on an upstream error; answer 502 like any proxy would.
proxy.on('error', (_err, _req, res) => {
  const r = res as http.ServerResponse;
  if (!r.headersSent) r.writeHead(502, { 'content-type': 'text/plain' });
  r.end('bad gateway');
});
if (mode !== 'keepalive') {
  proxy.on('proxyRes', (proxyRes) => {
    delete proxyRes.headers.connection;
  });
}
const server = http.createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 30_000;
server.listen(0, '127.0.0.1', () => servePeer((server.address() as { port: number }).port));
