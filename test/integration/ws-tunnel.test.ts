// The /__cb/ws tunnel (proxied pages' WebSockets to other origins) refuses private targets like
// every other entry point: 403 CB_ERR_TARGET_REFUSED with the catalogue's JSON, whether the URL
// names a private address or a public-looking name resolves to one (checked on the address really
// connected to, through the guarded lookup). An unreachable public target stays 502.
// Real uWS proxy app and sockets; the resolver under the guarded lookup is injected, as no test
// may depend on outside DNS.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { uws, type us_listen_socket } from '../../gateway/uws.ts';
import { attachWsProxy } from '../../gateway/proxy/ws-proxy.ts';
import { OriginRegistry } from '../../gateway/proxy/origin-registry.ts';
import { MemoryCookieJars } from '../../gateway/proxy/cookie-jars.ts';
import { makeGuardedLookup } from '../../gateway/proxy/guarded-lookup.ts';
import { createLogger } from '../../gateway/log.ts';

let token: us_listen_socket;
let port: number;
let proxyOrigin: string;
let upstream: WebSocketServer;
let upstreamOrigin: string;
const app = uws.App();

// intranet.example → a private address; rebind.example → a public and a loopback address (one bad
// address refuses the name); anything else → no such name. The loopback echo server is reached only
// because the operator allowed its origin (a trusted target skips the guarded lookup).
const resolver = (host: string, _o: unknown, cb: (err: NodeJS.ErrnoException | null, a: { address: string; family: number }[]) => void) => {
  if (host === 'intranet.example') return cb(null, [{ address: '10.1.2.3', family: 4 }]);
  if (host === 'rebind.example') return cb(null, [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }]);
  const e = new Error(`getaddrinfo ENOTFOUND ${host}`) as NodeJS.ErrnoException;
  e.code = 'ENOTFOUND';
  cb(e, []);
};

beforeAll(async () => {
  upstream = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((r) => upstream.once('listening', r));
  upstream.on('connection', (ws) => ws.send('hello from upstream'));
  upstreamOrigin = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;
  const registry = new OriginRegistry({ scheme: 'http', domain: 'cobrowse.localhost', publicPort: 1 });
  attachWsProxy(app, {
    registry: () => registry,
    jars: new MemoryCookieJars(),
    policy: { allowedTargets: new Set([upstreamOrigin]), allowedPorts: new Set([80, 443]) },
    log: createLogger('silent'),
    sessionLive: () => true,
    lookup: makeGuardedLookup(resolver as never) as never,
  });
  await new Promise<void>((resolve) =>
    app.listen('127.0.0.1', 0, (t) => {
      token = t as us_listen_socket;
      port = uws.us_socket_local_port(token);
      resolve();
    }),
  );
  proxyOrigin = registry.proxyOrigin('s1', 'https://shop.example');
});
afterAll(() => {
  uws.us_listen_socket_close(token);
  app.close();
  upstream.close();
});

/** Opens /__cb/ws?u=<target> on the proxy origin; resolves with the upgrade's refusal, or 'open'. */
function tunnel(target: string): Promise<{ status: number; body: { code: string; message: string } } | 'open'> {
  const host = new URL(proxyOrigin).host;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/__cb/ws?u=${encodeURIComponent(target)}`, { headers: { host }, origin: proxyOrigin });
    ws.once('open', () => (ws.close(), resolve('open')));
    ws.once('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
    });
    ws.once('error', (err) => reject(err));
  });
}

describe('/__cb/ws tunnel', () => {
  it('reaches an allowed target', async () => {
    expect(await tunnel(upstreamOrigin.replace('http', 'ws') + '/x')).toBe('open');
  });

  it('refuses a private address in the URL: 403 CB_ERR_TARGET_REFUSED', async () => {
    const r = await tunnel('ws://10.0.0.1/');
    expect(r).toMatchObject({ status: 403, body: { code: 'CB_ERR_TARGET_REFUSED' } });
  });

  it('refuses a name that resolves to a private address: 403 CB_ERR_TARGET_REFUSED, not 502', async () => {
    for (const host of ['intranet.example', 'rebind.example']) {
      const r = await tunnel(`wss://${host}/socket`);
      expect(r).toMatchObject({ status: 403, body: { code: 'CB_ERR_TARGET_REFUSED' } });
      expect((r as { body: { message: string } }).body.message).toMatch(/loopback, private or reserved/);
    }
  });

  it('an unresolvable public name stays 502 CB_ERR_UPSTREAM_UNREACHABLE; a bad URL is 400', async () => {
    expect(await tunnel('wss://gone.example/')).toMatchObject({ status: 502, body: { code: 'CB_ERR_UPSTREAM_UNREACHABLE' } });
    expect(await tunnel('ftp://x.example/')).toMatchObject({ status: 400, body: { code: 'CB_ERR_URL_INVALID' } });
  });
});
