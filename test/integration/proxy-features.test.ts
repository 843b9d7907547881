// Proxy features over real sockets: WebSockets of proxied sites (same-origin and cross-origin via
// /__cb/ws), document.cookie emulation on the server-side jar, single flight for both parties,
// compressed and non-UTF-8 pages, streamed binaries, POST bodies.
import { createServer, type Server } from 'node:http';
import { gzipSync, brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { startTestGateway, freePort, type TestGateway } from '../helpers/gateway.ts';
import { Peer, startVisitor, wsUrl } from '../helpers/ws-peer.ts';
import { proxyFetch } from '../helpers/proxy-fetch.ts';

let t: TestGateway;
let origin: Server;
let originUrl: string;
let hits = 0;
const big = Buffer.alloc(3 * 1024 * 1024, 7);

beforeAll(async () => {
  const port = await freePort();
  originUrl = `http://127.0.0.1:${port}`;
  origin = createServer((req, res) => {
    if (req.url === '/counted') {
      hits++;
      res.writeHead(200, { 'content-type': 'text/html' });
      return res.end(`<html><head></head><body>hit ${hits}</body></html>`);
    }
    if (req.url === '/login') {
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': ['session=secret; HttpOnly; Path=/', 'theme=dark; Path=/'] });
      return res.end('<html><head></head><body>logged in</body></html>');
    }
    if (req.url === '/whoami') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end(String(req.headers.cookie ?? ''));
    }
    if (req.url === '/gzip') {
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': 'gzip' });
      return res.end(gzipSync(`<html><head></head><body><a href="${originUrl}/x">gz</a></body></html>`));
    }
    if (req.url === '/br.css') {
      res.writeHead(200, { 'content-type': 'text/css', 'content-encoding': 'br' });
      return res.end(brotliCompressSync(`body{background:url(${originUrl}/bg.png)}`));
    }
    if (req.url === '/latin1') {
      res.writeHead(200, { 'content-type': 'text/html; charset=iso-8859-1' });
      return res.end(Buffer.from('<html><head></head><body>caf\xe9</body></html>', 'latin1'));
    }
    if (req.url === '/big.bin') {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': big.length });
      return res.end(big);
    }
    if (req.url === '/echo' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`${req.headers['content-type']}|${Buffer.concat(chunks).length}`);
      });
      return;
    }
    res.writeHead(404);
    res.end();
  });
  const wss = new WebSocketServer({ server: origin });
  wss.on('connection', (ws, req) => {
    ws.send(`hello ${req.url} proto=${ws.protocol} cookie=${req.headers.cookie ?? ''} origin=${req.headers.origin}`);
    ws.on('message', (m, isBinary) => ws.send(m, { binary: isBinary }));
  });
  await new Promise<void>((r) => origin.listen(port, '127.0.0.1', r));
  t = await startTestGateway({ allowedTargets: [originUrl] });
});
afterAll(async () => {
  await t.close();
  origin.close();
});

async function session() {
  const sid = await startVisitor(t.gw.url, `${originUrl}/`);
  const v = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
  await v.opened();
  v.send({ type: 'hello' });
  const s = await v.waitFor('session');
  v.close();
  return new URL(s.session.proxyUrl!).origin;
}

function proxiedSocket(proxyOrigin: string, path: string, protocols: string[] = []): Promise<{ ws: WebSocket; first: string }> {
  const u = new URL(proxyOrigin);
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${u.port}${path}`, protocols, { headers: { host: u.host }, origin: proxyOrigin });
    ws.once('message', (m) => resolve({ ws, first: String(m) }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, r) => reject(new Error(`status ${r.statusCode}`)));
  });
}

describe('proxy features', () => {
  it('proxies same-origin WebSockets with subprotocol, jar cookies and the real origin', async () => {
    const p = await session();
    await proxyFetch(`${p}/login`, { headers: { accept: 'text/html' } });
    const { ws, first } = await proxiedSocket(p, '/live?x=1', ['chat.v2']);
    expect(first).toBe(`hello /live?x=1 proto=chat.v2 cookie=session=secret; theme=dark origin=${originUrl}`);
    const echo = new Promise((r) => ws.once('message', (m) => r(String(m))));
    ws.send('ping!');
    expect(await echo).toBe('ping!');
    const bin = new Promise<Buffer>((r) => ws.once('message', (m) => r(m as Buffer)));
    ws.send(Buffer.from([1, 2, 3]));
    expect([...(await bin)]).toEqual([1, 2, 3]);
    ws.close();
  });

  it('proxies cross-origin WebSockets through /__cb/go-style /__cb/ws and refuses private targets', async () => {
    const p = await session();
    const { ws, first } = await proxiedSocket(p, `/__cb/ws?u=${encodeURIComponent(originUrl.replace('http', 'ws') + '/other')}`);
    expect(first).toMatch(/^hello \/other/);
    ws.close();
    await expect(proxiedSocket(p, `/__cb/ws?u=${encodeURIComponent('ws://10.0.0.1/')}`)).rejects.toThrow(/403/);
  });

  it('emulates document.cookie on the server jar, hiding HttpOnly cookies', async () => {
    const p = await session();
    const page = await proxyFetch(`${p}/login`, { headers: { accept: 'text/html' } });
    expect(page.headers['set-cookie']).toBeUndefined();
    expect((await proxyFetch(`${p}/__cb/cookie?u=/`)).body).toBe('theme=dark');
    const set = await proxyFetch(`${p}/__cb/cookie?u=/`, { method: 'POST', body: 'lang=fr; path=/' });
    expect(set.body).toBe('theme=dark; lang=fr');
    // A page script cannot overwrite an HttpOnly cookie.
    await proxyFetch(`${p}/__cb/cookie?u=/`, { method: 'POST', body: 'session=stolen; path=/' });
    expect((await proxyFetch(`${p}/whoami`)).body).toBe('session=secret; theme=dark; lang=fr');
    const again = await proxyFetch(`${p}/counted`, { headers: { accept: 'text/html' } });
    expect(again.body).toContain('"cookies":"theme=dark; lang=fr"');
  });

  it('tells an overlay which real origin a proxy origin of the same session stands for, and no other', async () => {
    const p = await session();
    const mine = await proxyFetch(`${p}/__cb/origin?o=${encodeURIComponent(p)}`);
    expect(mine.status).toBe(200);
    expect(mine.body).toBe(originUrl);
    const other = await session(); // another session's origin is not answered
    expect((await proxyFetch(`${p}/__cb/origin?o=${encodeURIComponent(other)}`)).status).toBe(404);
  });

  it('fetches a led page once for both parties (single flight)', async () => {
    const p = await session();
    const before = hits;
    const nav = { accept: 'text/html', 'sec-fetch-dest': 'iframe' };
    const [a, b] = await Promise.all([proxyFetch(`${p}/counted`, { headers: nav }), proxyFetch(`${p}/counted`, { headers: nav })]);
    expect(hits - before).toBe(1);
    expect(a.body).toBe(b.body);
  });

  it('decodes gzip/br and legacy charsets for rewriting', async () => {
    const p = await session();
    const gz = await proxyFetch(`${p}/gzip`, { headers: { accept: 'text/html' } });
    expect(gz.headers['content-encoding']).toBeUndefined();
    expect(gz.body).toContain(`${p}/x`);
    const css = await proxyFetch(`${p}/br.css`);
    expect(css.body).toBe(`body{background:url(${p}/bg.png)}`);
    const latin = await proxyFetch(`${p}/latin1`, { headers: { accept: 'text/html' } });
    expect(latin.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(latin.body).toContain('café');
  });

  it('streams binaries and forwards POST bodies', async () => {
    const p = await session();
    const head = await proxyFetch(`${p}/big.bin`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(big.length));
    const bin = await proxyFetch(`${p}/big.bin`);
    expect(bin.status).toBe(200);
    expect(bin.headers['content-length']).toBe(String(big.length));
    expect(bin.headers['transfer-encoding']).toBeUndefined();
    expect(bin.raw.equals(big)).toBe(true);
    const post = await proxyFetch(`${p}/echo`, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: Buffer.alloc(200_000, 1) });
    expect(post.body).toBe('multipart/form-data; boundary=x|200000');
  });
});

describe('request bodies split across packets', () => {
  it('forwards a body that arrives after the headers (regression: uWS resume without pause)', async () => {
    const { connect } = await import('node:net');
    const sid = await startVisitor(t.gw.url, `${originUrl}/`);
    const v = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
    await v.opened();
    v.send({ type: 'hello' });
    const p = new URL((await v.waitFor('session')).session.proxyUrl!);
    v.close();
    const body = 'x'.repeat(5000);
    const reply = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(p.port), '127.0.0.1');
      let out = '';
      sock.on('data', (c) => (out += c));
      sock.on('end', () => resolve(out));
      sock.on('error', reject);
      sock.write(`POST /echo HTTP/1.1\r\nhost: ${p.host}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n`);
      setTimeout(() => sock.write(body), 250);
      setTimeout(() => sock.destroy(new Error('no reply')), 10_000);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply).toContain(`text/plain|${body.length}`);
  });
});

describe('backpressure', () => {
  it('delivers a large body intact to a slow reader, with its length', async () => {
    const http = await import('node:http');
    const sid = await startVisitor(t.gw.url, `${originUrl}/`);
    const v = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
    await v.opened();
    v.send({ type: 'hello' });
    const p = new URL((await v.waitFor('session')).session.proxyUrl!);
    v.close();
    const got = await new Promise<{ len: string | undefined; body: Buffer }>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: Number(p.port), path: '/big.bin', headers: { host: p.host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          chunks.push(c);
          // Read slowly so the gateway's socket fills and it must wait for onWritable.
          res.pause();
          setTimeout(() => res.resume(), 2);
        });
        res.on('end', () => resolve({ len: res.headers['content-length'], body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });
    expect(got.len).toBe(String(big.length));
    expect(got.body.equals(big)).toBe(true);
  });
});
