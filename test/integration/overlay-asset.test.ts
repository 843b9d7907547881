// The overlay's one shared, immutable, content-addressed URL (gateway/proxy/overlay-asset.ts): every
// proxied page, on every proxy origin, points at the same URL on the dedicated `static` host, which
// serves the built bundle byte for byte, cacheable forever, in CORS mode, and nothing else.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, freePort, type TestGateway } from '../helpers/gateway.ts';
import { Peer, startVisitor, wsUrl } from '../helpers/ws-peer.ts';
import { proxyFetch } from '../helpers/proxy-fetch.ts';

let t: TestGateway;
let origin: Server;
let other: Server;
let originUrl: string;
let otherUrl: string;
const built = readFileSync(new URL('../../dist/visitor-shell/overlay.js', import.meta.url));

beforeAll(async () => {
  const [port, port2] = [await freePort(), await freePort()];
  originUrl = `http://127.0.0.1:${port}`;
  otherUrl = `http://127.0.0.1:${port2}`;
  const page = (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><html><head><title>x</title></head><body>page</body></html>');
  };
  origin = createServer(page);
  other = createServer(page);
  await new Promise<void>((r) => origin.listen(port, '127.0.0.1', r));
  await new Promise<void>((r) => other.listen(port2, '127.0.0.1', r));
  t = await startTestGateway({ allowedTargets: [originUrl, otherUrl] });
});
afterAll(async () => {
  await t.close();
  origin.close();
  other.close();
});

async function proxyOriginOf(entry: string): Promise<string> {
  const sid = await startVisitor(t.gw.url, entry);
  const v = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
  await v.opened();
  v.send({ type: 'hello' });
  const s = await v.waitFor('session');
  v.close();
  return new URL(s.session.proxyUrl!).origin;
}

const overlaySrc = (html: string) => /<script src="([^"]+\/__cb\/overlay\.js[^"]*)" crossorigin="anonymous"><\/script>/.exec(html)?.[1] ?? null;

describe('overlay asset', () => {
  it('injects one content-addressed URL on the dedicated host for every proxy origin and session', async () => {
    const a = await proxyOriginOf(`${originUrl}/`);
    const b = await proxyOriginOf(`${otherUrl}/`);
    expect(a).not.toBe(b);
    const [pa, pb] = await Promise.all([proxyFetch(`${a}/`), proxyFetch(`${b}/`)]);
    const src = overlaySrc(pa.body);
    expect(src).not.toBeNull();
    expect(overlaySrc(pb.body)).toBe(src);
    const u = new URL(src!);
    const proxy = new URL(a);
    // Same scheme, domain and port as the proxy origins, its own host: never a proxy token, never the console.
    expect(u.host).toBe(`static.${proxy.host.split('.').slice(1).join('.')}`);
    expect(u.origin).not.toBe(new URL(t.gw.url).origin);
    expect(u.searchParams.get('v')).toBe(createHash('sha256').update(built).digest('base64url').slice(0, 16));
    // The config comes first and the overlay right after it, before the page's own markup.
    expect(pa.body.indexOf('window.__cbFrame')).toBeLessThan(pa.body.indexOf(src!));
    expect(pa.body.indexOf(src!)).toBeLessThan(pa.body.indexOf('<title>'));
  });

  it('serves the built bytes, immutable, in CORS mode, without cookies', async () => {
    const a = await proxyOriginOf(`${originUrl}/`);
    const src = overlaySrc((await proxyFetch(`${a}/`)).body)!;
    const r = await proxyFetch(src, { headers: { origin: a } });
    expect(r.status).toBe(200);
    expect(r.raw.equals(built)).toBe(true);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['set-cookie']).toBeUndefined();
    const head = await proxyFetch(src, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.raw.length).toBe(0);
  });

  it('gives another version today’s bytes to revalidate, and nothing else on that host', async () => {
    const a = await proxyOriginOf(`${originUrl}/`);
    const src = new URL(overlaySrc((await proxyFetch(`${a}/`)).body)!);
    const stale = await proxyFetch(`${src.origin}/__cb/overlay.js?v=AAAAAAAAAAAAAAAA`);
    expect(stale.status).toBe(200);
    expect(stale.headers['cache-control']).toBe('no-cache');
    expect(stale.raw.equals(built)).toBe(true);
    for (const path of ['/', '/__cb/cookie?u=/', '/__cb/go?u=' + encodeURIComponent(`${originUrl}/`), '/api/me']) {
      const r = await proxyFetch(`${src.origin}${path}`);
      expect(r.status, path).toBe(404);
      expect(r.body, path).not.toContain('page');
    }
    const post = await proxyFetch(src.href, { method: 'POST', body: 'x' });
    expect(post.status).toBe(404);
  });

  it('still serves the overlay on each proxy origin for pages rendered before this change', async () => {
    const a = await proxyOriginOf(`${originUrl}/`);
    const r = await proxyFetch(`${a}/__cb/overlay.js`);
    expect(r.status).toBe(200);
    expect(r.raw.equals(built)).toBe(true);
  });
});
