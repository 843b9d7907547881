// Hostile input never crashes the gateway or hangs a request; proxied content cannot act as the agent.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, freePort, type TestGateway } from '../helpers/gateway.ts';
import { Peer, loginCookie, startVisitor, wsUrl } from '../helpers/ws-peer.ts';
import { proxyFetch } from '../helpers/proxy-fetch.ts';

let t: TestGateway;
let cookie: string;
let origin: Server;
let originUrl: string;
let loopbackPort: number;
let deadUrl: string;

beforeAll(async () => {
  // A target on loopback that the config allows, which redirects to one it does not.
  loopbackPort = await freePort();
  const port = await freePort();
  originUrl = `http://127.0.0.1:${port}`;
  origin = createServer((req, res) => {
    if (req.url === '/redirect-to-loopback') {
      res.writeHead(302, { location: `http://127.0.0.1:${loopbackPort}/secret` });
      return res.end();
    }
    if (req.url === '/hang') return; // never answers
    res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': "default-src 'none'", 'x-frame-options': 'DENY', 'set-cookie': 'sid=abc; HttpOnly; Path=/' });
    res.end('<html><head><title>t</title></head><body><a href="http://127.0.0.1:' + port + '/x">x</a></body></html>');
  });
  await new Promise<void>((r) => origin.listen(port, '127.0.0.1', r));
  deadUrl = `http://127.0.0.1:${await freePort()}`; // allowed, but nothing listens there
  t = await startTestGateway({ allowedTargets: [originUrl, deadUrl], upstreamTimeoutSeconds: 2 });
  await t.gw.auth.createAgent({ email: 'sec@example.test', password: 'correct-horse' });
  cookie = await loginCookie(t.gw.url, 'sec@example.test', 'correct-horse');
});
afterAll(async () => {
  await t.close();
  origin.close();
});

async function visitor(entry = `${originUrl}/`) {
  const sid = await startVisitor(t.gw.url, entry);
  const v = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
  await v.opened();
  v.send({ type: 'hello' });
  const s = await v.waitFor('session');
  return { sid, v, proxyUrl: s.session.proxyUrl! };
}

describe('frames', () => {
  it('answers bad frames with stable codes and keeps the connection', async () => {
    const { v } = await visitor();
    v.send('not json');
    expect((await v.waitFor('error', (f) => f.code === 'CB_ERR_FRAME_JSON')).code).toBe('CB_ERR_FRAME_JSON');
    v.send(JSON.stringify({ type: 'chat', clientId: 'x', text: 42 }));
    await v.waitFor('error', (f) => f.code === 'CB_ERR_FRAME_SCHEMA');
    v.send(JSON.stringify({ type: 'nope' }));
    await v.waitFor('error', (f) => f.code === 'CB_ERR_FRAME_SCHEMA' && f.message.includes('type'));
    v.ws.send(Buffer.from([1, 2, 3]));
    await v.waitFor('error', (f) => f.code === 'CB_ERR_FRAME_BINARY');
    v.send(JSON.stringify({ type: 'lead', sessionId: 'abc', url: 'http://example.com' }));
    await v.waitFor('error', (f) => f.code === 'CB_ERR_NOT_ALLOWED');
    v.send({ type: 'ping', t: 1 });
    await v.waitFor('pong');
    v.close();
  });

  it('closes an oversize frame with 1009', async () => {
    const { v } = await visitor();
    v.send(JSON.stringify({ type: 'chat', clientId: 'big', text: 'x'.repeat(70 * 1024) }));
    const closed = await v.closed;
    expect(closed.code).toBe(1009);
  });

  it('never relays a masked form value', async () => {
    const { sid, v } = await visitor();
    const agent = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie });
    await agent.opened();
    agent.send({ type: 'hello' });
    await agent.waitFor('queue.snapshot', (f) => f.items.some((i) => i.sessionId === sid && i.canAccept));
    agent.send({ type: 'accept', sessionId: sid });
    await v.waitFor('session', (f) => f.session.state === 'active');
    // A relayed frame cannot claim another sender or session.
    v.send(JSON.stringify({ type: 'scroll', sessionId: 'someone-else', from: 'agent', scroll: { target: '', anchor: '#a', offset: 1 } }));
    const sc = await agent.waitFor('scroll');
    expect(sc).toMatchObject({ sessionId: sid, from: 'visitor' });
    v.send({ type: 'form', path: '#pw', value: 'hunter2', masked: true });
    const f = await agent.waitFor('form');
    expect(f.masked).toBe(true);
    expect(f).not.toHaveProperty('value');
    // the agent cannot act in the page without the visitor's consent
    agent.send({ type: 'act', sessionId: sid, path: '#buy', action: 'click' });
    await agent.waitFor('error', (e) => e.code === 'CB_ERR_NOT_ALLOWED');
    agent.send({ type: 'end', sessionId: sid });
    agent.close();
    v.close();
  });
});

describe('origins', () => {
  it('refuses WebSockets opened from a proxied origin or without login', async () => {
    const { sid, proxyUrl } = await visitor();
    const fromProxy = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: new URL(proxyUrl).origin });
    await expect(fromProxy.opened()).rejects.toThrow(/403/);
    const agentFromProxy = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: new URL(proxyUrl).origin, cookie });
    await expect(agentFromProxy.opened()).rejects.toThrow(/403/);
    const anon = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url });
    await expect(anon.opened()).rejects.toThrow(/401/);
  });

  it('refuses state-changing API calls from other origins', async () => {
    const res = await fetch(`${t.gw.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://abcdefghijklmnopqrstuvwxyz.localhost:9' },
      body: JSON.stringify({ email: 'sec@example.test', password: 'correct-horse' }),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects wrong passwords without saying which part was wrong', async () => {
    const res = await fetch(`${t.gw.url}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: t.gw.url },
      body: JSON.stringify({ email: 'sec@example.test', password: 'wrong-password' }),
    });
    expect(res.status).toBe(401);
    expect((await res.json()).code).toBe('CB_ERR_AUTH_INVALID');
  });
});

describe('proxy', () => {
  it('strips blocking headers, keeps cookies server-side, rewrites links', async () => {
    const { proxyUrl } = await visitor();
    const res = await proxyFetch(proxyUrl, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers['content-security-policy']).toBeUndefined();
    expect(res.headers['x-frame-options']).toBeUndefined();
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.body).toContain(new URL(proxyUrl).origin + '/x');
  });

  it('refuses a redirect to a loopback target on the next hop', async () => {
    const { proxyUrl } = await visitor();
    const hop1 = await proxyFetch(new URL('/redirect-to-loopback', proxyUrl).href);
    expect(hop1.status).toBe(302);
    expect(hop1.headers.location).toMatch(/^http:\/\/[a-z2-7]{26}\.cobrowse\.localhost:\d+\/secret$/);
    const hop2 = await proxyFetch(hop1.headers.location!, { headers: { accept: 'text/html' } });
    expect(hop2.status).toBe(403);
    expect(hop2.body).toContain('CB_ERR_TARGET_REFUSED');
  });

  it.each(['http://2130706433/', 'http://0x7f000001/', 'http://[::1]/', 'http://[::ffff:127.0.0.1]/', 'http://169.254.169.254/', 'http://10.1.2.3/'])(
    'refuses %s through /__cb/go and lead',
    async (target) => {
      const { sid, v, proxyUrl } = await visitor();
      const res = await proxyFetch(`${new URL(proxyUrl).origin}/__cb/go?u=${encodeURIComponent(target)}`, { headers: { accept: 'text/html' } });
      expect(res.status).toBe(403);
      expect(res.body).toContain('CB_ERR_TARGET_REFUSED');
      v.send({ type: 'nav', url: target });
      v.send({ type: 'ping' });
      await v.waitFor('pong');
      v.close();
      expect((await t.gw.hub.session(sid))?.url).toBe(`${originUrl}/`);
    },
  );

  it('answers an upstream that hangs with a 504 page, never a hang', async () => {
    const { proxyUrl } = await visitor();
    const res = await proxyFetch(new URL('/hang', proxyUrl).href, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(504);
    expect(res.body).toContain('CB_ERR_UPSTREAM_TIMEOUT');
  });

  it('answers an unreachable target with a 502 page', async () => {
    const { proxyUrl } = await visitor(`${deadUrl}/`);
    const res = await proxyFetch(proxyUrl, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(502);
    expect(res.body).toContain('CB_ERR_UPSTREAM_UNREACHABLE');
    expect(res.body).toContain('Open the page directly');
  });

  it('an unknown token gets a clear 404', async () => {
    const res = await proxyFetch(`http://abcdefghijklmnopqrstuvwxyz.localhost:${t.gw.proxyPort}/`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(404);
    expect(res.body).toContain('CB_ERR_PROXY_TOKEN');
  });
});

