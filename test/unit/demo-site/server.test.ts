import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cartCookie, parseCart, startDemoSite, type DemoSite } from '../../../demo-site/server.ts';
import { PRODUCTS } from '../../../demo-site/products.ts';

const GATEWAY = 'http://127.0.0.1:8080';
let site: DemoSite;
let port: string;

beforeAll(async () => {
  site = await startDemoSite({ port: 0, gatewayUrl: `${GATEWAY}/`, siteId: 'demo' });
  port = new URL(site.url).port;
});
afterAll(() => site.close());

const get = (path: string, init?: RequestInit) => fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual', ...init });
/** GET with a chosen Host header (fetch does not allow setting it). */
const getWithHost = (path: string, host: string) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: Number(port), path, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
const talkHref = (html: string) => /<a [^>]*data-testid="talk-to-agent" href="([^"]+)"/.exec(html)?.[1].replace(/&amp;/g, '&');

describe('demo site', () => {
  it('reports its URL as http://localhost:<port>', () => {
    expect(site.url).toBe(`http://localhost:${port}`);
  });

  it('serves every page with the plain talk-to-agent link to the gateway, using the request Host', async () => {
    const pages = ['/', '/products', `/products/${PRODUCTS[0].slug}`, '/cart', '/long', '/contact', '/contact?topic=order', '/nope'];
    for (const p of pages) {
      const res = await getWithHost(p, `shop.test:${port}`);
      expect(res.status, p).toBe(p === '/nope' ? 404 : 200);
      const html = res.body;
      const href = talkHref(html);
      expect(href, p).toBe(`${GATEWAY}/start?site=demo&url=${encodeURIComponent(`http://shop.test:${port}${p}`)}`);
      expect(html).toContain('<link rel="stylesheet" href="/static/site.css">');
      expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1:8080|www\.w3\.org)[^"'\s]*\.(js|css|woff2?)/); // nothing from a CDN
    }
  });

  it('shows the embed snippet on the home page only, separate from the test-id link', async () => {
    const home = await (await get('/')).text();
    expect(home).toContain(`<script src="${GATEWAY}/embed.js" data-site="demo" async></script>`);
    expect(home.match(/data-testid="talk-to-agent"/g)?.length).toBe(1);
    expect(await (await get('/products')).text()).not.toContain('embed.js');
  });

  it('is deterministic', async () => {
    const a = await (await get('/long')).text();
    const b = await (await get('/long')).text();
    expect(a).toBe(b);
    expect(a.match(/<section class="section" id="section-\d+"/g)?.length).toBe(24);
  });

  it('lists 3-5 products with inline SVG images', async () => {
    const html = await (await get('/products')).text();
    const cards = html.match(/data-testid="product-card"/g)?.length ?? 0;
    expect(cards).toBeGreaterThanOrEqual(3);
    expect(cards).toBeLessThanOrEqual(5);
    expect(html).toContain('<svg');
  });

  it('keeps the cart in a cookie: add (303 to /cart), show, clear', async () => {
    const add = await get('/cart/add', { method: 'POST', body: new URLSearchParams({ slug: PRODUCTS[1].slug, qty: '3' }) });
    expect(add.status).toBe(303);
    expect(add.headers.get('location')).toBe('/cart');
    const cookie = add.headers.get('set-cookie')!.split(';')[0];
    const add2 = await get('/cart/add', { method: 'POST', body: new URLSearchParams({ slug: PRODUCTS[1].slug, qty: '1' }), headers: { cookie } });
    const cookie2 = add2.headers.get('set-cookie')!.split(';')[0];
    const cart = await (await get('/cart', { headers: { cookie: cookie2 } })).text();
    expect(cart).toContain(PRODUCTS[1].name);
    expect(cart).toMatch(/<td class="num">4<\/td>/);
    const clear = await get('/cart/clear', { method: 'POST', headers: { cookie: cookie2 } });
    expect(clear.status).toBe(303);
    expect(clear.headers.get('set-cookie')).toContain('Max-Age=0');
  });

  it('rejects unknown products and tolerates a tampered cookie', async () => {
    expect((await get('/cart/add', { method: 'POST', body: new URLSearchParams({ slug: '<script>', qty: '1' }) })).status).toBe(400);
    const html = await (await get('/cart', { headers: { cookie: 'cart=%E0%A4%A; other=1' } })).text();
    expect(html).toContain('data-testid="cart-empty"');
    expect(parseCart('cart=' + encodeURIComponent('nope:1,echo-speaker:2,echo-speaker:5,aurora-desk-lamp:-1'))).toEqual([{ slug: 'echo-speaker', qty: 2 }]);
    expect(parseCart(cartCookie([{ slug: 'echo-speaker', qty: 2 }]).split(';')[0])).toEqual([{ slug: 'echo-speaker', qty: 2 }]);
  });

  it('contact form has every field kind, masks hints, and thanks without echoing secrets', async () => {
    const form = await (await get('/contact')).text();
    for (const s of ['type="text"', 'type="email"', '<textarea', '<select', 'type="checkbox"', 'type="radio"', 'type="password"', 'autocomplete="cc-number"', 'data-cb-mask']) {
      expect(form).toContain(s);
    }
    const res = await get('/contact', {
      method: 'POST',
      body: new URLSearchParams({ name: '<b>Ada</b>', topic: 'returns', password: 'hunter2', card: '4111111111111111' }),
    });
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(html).toContain('data-testid="thank-you"');
    expect(html).toContain('&lt;b&gt;Ada&lt;/b&gt;');
    expect(html).not.toContain('hunter2');
    // The full number: a bare '4111' can be part of the random port in the page's links.
    expect(html).not.toContain('4111111111111111');
  });

  it('answers other methods with 405', async () => {
    expect((await get('/', { method: 'DELETE' })).status).toBe(405);
  });
});
