// The proxy's per-session state across two gateway instances on one Redis and one shared store, in
// this process: a cookie set through instance A's proxy is sent upstream through instance B's, and
// HttpOnly ones stay hidden from document.cookie on B; a navigation both parties request through A
// and B at once reaches the origin once and both get the same bytes; a proxy token minted on A
// after B started resolves on B, and B mints the same token for the same (session, origin); ending
// the session clears the shared state.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import WebSocket, { WebSocketServer } from 'ws';
import { startTestGateway, freePort, type TestGateway } from '../helpers/gateway.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import { Peer, startVisitor, wsUrl } from '../helpers/ws-peer.ts';
import { proxyFetch } from '../helpers/proxy-fetch.ts';
import { PROXY_KEYS } from '../../gateway/cluster/proxy-state-redis.ts';

let redis: TestRedis;
let client: Redis;
let a: TestGateway;
let b: TestGateway;
let dir: string;
let origin: Server;
let originUrl: string;
/** The same server under a second origin (another proxy token). */
let otherOrigin: string;
let hits = 0;
const visitors: Peer[] = [];

beforeAll(async () => {
  redis = await startRedis();
  client = new Redis(redis.url);
  dir = mkdtempSync(join(tmpdir(), 'cb-proxy-state-'));
  const port = await freePort();
  originUrl = `http://127.0.0.1:${port}`;
  otherOrigin = `http://localhost:${port}`;
  origin = createServer((req, res) => {
    if (req.url === '/login') {
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': ['session=secret; HttpOnly; Path=/', 'theme=dark; Path=/'] });
      return res.end('<html><head></head><body>logged in</body></html>');
    }
    if (req.url === '/whoami') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(`${req.headers.host} ${req.headers.cookie ?? ''}`);
    }
    if (req.url === '/slow-page') {
      hits++;
      const n = hits;
      // Slow enough that both parties' requests overlap, with links the proxy rewrites to tokens.
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><head></head><body>visit ${n} <a href="/next">next</a> <a href="${otherOrigin}/x">other</a></body></html>`);
      }, 200);
      return;
    }
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ server: origin });
  wss.on('connection', (ws, req) => ws.send(`cookie=${req.headers.cookie ?? ''}`));
  await new Promise<void>((r) => origin.listen(port, '127.0.0.1', r));
  const shared = { redisUrl: redis.url, databasePath: join(dir, 'store.sqlite'), allowedTargets: [originUrl, otherOrigin] };
  a = await startTestGateway({ ...shared, instanceId: 'A' });
  b = await startTestGateway({ ...shared, instanceId: 'B' });
});

afterAll(async () => {
  for (const v of visitors) v.close();
  await new Promise((r) => setTimeout(r, 100));
  await a?.close();
  await b?.close();
  client?.disconnect();
  await redis?.close();
  origin?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A session started on A, its first proxy origin as A's hub renders it. */
async function session(): Promise<{ sid: string; proxyOrigin: string }> {
  const sid = await startVisitor(a.gw.url, `${originUrl}/`);
  const v = new Peer(wsUrl(a.gw.url, `/ws/visitor?sid=${sid}`), { origin: a.gw.url });
  await v.opened();
  v.send({ type: 'hello' });
  const s = await v.waitFor('session');
  // Kept open until the end: the visitor stays on the page while the proxy is used.
  visitors.push(v);
  return { sid, proxyOrigin: new URL(s.session.proxyUrl!).origin };
}

/**
 * The same proxy URL, sent to one instance. In production every instance answers on the same
 * public proxy origin behind a load balancer; here each listens on its own port, so the URL's port
 * (and with it the Host header, which carries the token) is that instance's.
 */
function via(t: TestGateway, proxyUrl: string): string {
  const u = new URL(proxyUrl);
  u.port = String(t.gw.proxyPort);
  return u.href.replace(/\/$/, proxyUrl.endsWith('/') ? '/' : '');
}

const tokenOf = (url: string) => new URL(url).hostname.split('.')[0];

describe('proxy state shared through Redis', () => {
  it('a cookie set through A is sent upstream through B; HttpOnly stays hidden from document.cookie on B', async () => {
    const { proxyOrigin } = await session();
    const login = await proxyFetch(via(a, `${proxyOrigin}/login`), { headers: { accept: 'text/html' } });
    expect(login.status).toBe(200);
    expect(login.headers['set-cookie']).toBeUndefined();

    const who = await proxyFetch(via(b, `${proxyOrigin}/whoami`));
    expect(who.status).toBe(200);
    expect(who.body).toBe(`${new URL(originUrl).host} session=secret; theme=dark`);
    expect((await proxyFetch(via(b, `${proxyOrigin}/__cb/cookie?u=/`))).body).toBe('theme=dark');

    // document.cookie writes on B reach A; a page script on B cannot replace the HttpOnly cookie.
    expect((await proxyFetch(via(b, `${proxyOrigin}/__cb/cookie?u=/`), { method: 'POST', body: 'lang=fr; path=/' })).body).toBe('theme=dark; lang=fr');
    await proxyFetch(via(b, `${proxyOrigin}/__cb/cookie?u=/`), { method: 'POST', body: 'session=stolen; path=/' });
    expect((await proxyFetch(via(a, `${proxyOrigin}/whoami`))).body).toBe(`${new URL(originUrl).host} session=secret; theme=dark; lang=fr`);

    // The page's own WebSockets through B carry the jar too.
    const u = new URL(via(b, proxyOrigin));
    const first = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${u.port}/live`, { headers: { host: u.host }, origin: proxyOrigin });
      ws.once('message', (m) => (resolve(String(m)), ws.close()));
      ws.once('error', reject);
    });
    expect(first).toBe('cookie=session=secret; theme=dark; lang=fr');
  });

  it('a navigation requested through A and B at the same moment reaches the origin once; both get the same bytes', async () => {
    const { proxyOrigin } = await session();
    const nav = { accept: 'text/html', 'sec-fetch-dest': 'iframe' };
    // B resolves A's token first (a lookup), so the two requests below really start together.
    expect((await proxyFetch(via(b, `${proxyOrigin}/whoami`))).status).toBe(200);
    const before = hits;
    const [ra, rb] = await Promise.all([proxyFetch(via(a, `${proxyOrigin}/slow-page`), { headers: nav }), proxyFetch(via(b, `${proxyOrigin}/slow-page`), { headers: nav })]);
    expect(hits - before).toBe(1);
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    expect(ra.raw.equals(rb.raw)).toBe(true);
    expect(ra.body).toContain(`visit ${hits}`);
    expect(rb.headers['content-type']).toBe(ra.headers['content-type']);
  });

  it('a token minted on A after B started resolves on B, and B mints the same token for the same origin', async () => {
    const { proxyOrigin } = await session();
    // A mints a token for a second origin of the session (a link the agent follows, say).
    const go = await proxyFetch(via(a, `${proxyOrigin}/__cb/go?u=${encodeURIComponent(`${otherOrigin}/whoami`)}`));
    expect(go.status).toBe(307);
    const minted = go.headers.location!;
    expect(tokenOf(minted)).not.toBe(tokenOf(proxyOrigin));

    const onB = await proxyFetch(via(b, minted));
    expect(onB.status).toBe(200);
    expect(onB.body.startsWith(`${new URL(otherOrigin).host} `)).toBe(true);
    // B's own minting of the pair (e.g. rewriting a link to that origin) gives the same token.
    const goB = await proxyFetch(via(b, `${proxyOrigin}/__cb/go?u=${encodeURIComponent(`${otherOrigin}/y`)}`));
    expect(tokenOf(goB.headers.location!)).toBe(tokenOf(minted));
    // And the overlay's origin check on B knows A's token.
    const real = await proxyFetch(via(b, `${proxyOrigin}/__cb/origin?o=${encodeURIComponent(new URL(via(b, minted)).origin)}`));
    expect(real.status).toBe(200);
    expect(real.body).toBe(otherOrigin);
  });

  it('ending the session clears its jar and tokens in Redis, and its proxy origins stop working on both', async () => {
    const { sid, proxyOrigin } = await session();
    await proxyFetch(via(a, `${proxyOrigin}/login`), { headers: { accept: 'text/html' } });
    expect((await proxyFetch(via(b, `${proxyOrigin}/whoami`))).status).toBe(200);
    expect(await client.exists(PROXY_KEYS.jar(sid))).toBe(1);
    expect(await client.exists(PROXY_KEYS.token(tokenOf(proxyOrigin)))).toBe(1);

    a.gw.hub.endSession(sid, 'visitor', 'ended by the visitor');
    const deadline = Date.now() + 5000;
    while ((await client.exists(PROXY_KEYS.jar(sid), PROXY_KEYS.token(tokenOf(proxyOrigin)), PROXY_KEYS.sessionTokens(sid))) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(await client.exists(PROXY_KEYS.jar(sid), PROXY_KEYS.token(tokenOf(proxyOrigin)), PROXY_KEYS.sessionTokens(sid))).toBe(0);
    await new Promise((r) => setTimeout(r, 100));
    expect((await proxyFetch(via(a, `${proxyOrigin}/whoami`))).status).toBe(404);
    expect((await proxyFetch(via(b, `${proxyOrigin}/whoami`))).status).toBe(404);
  });
});
