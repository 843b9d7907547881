// The demo shop: a small multi-page site on node:http, server-rendered, deterministic (no time, no
// randomness), cart kept in a cookie. Every page carries the plain "Talk to a live agent" link to the
// gateway; the home page also shows the optional one-line embed snippet.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAVICON_SVG, SITE_CSS, type PageContext } from './layout.ts';
import {
  cartPage,
  contactPage,
  homePage,
  longPage,
  notFoundPage,
  productPage,
  productsPage,
  thankYouPage,
  type Cart,
} from './pages.ts';
import { PRODUCT_BY_SLUG } from './products.ts';

export interface DemoSiteOptions {
  port: number;
  /** Interface to bind; default 127.0.0.1 ('localhost' also binds 127.0.0.1). */
  host?: string;
  /** Gateway origin, e.g. http://127.0.0.1:8080 (a trailing slash is ignored). */
  gatewayUrl: string;
  /** Site id sent to /start and the embed snippet; default 'demo'. */
  siteId?: string;
}

export interface DemoSite {
  /** Base URL, e.g. http://localhost:8082 (no trailing slash). */
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024;
const MAX_LINES = 20;
const MAX_QTY = 99;
const CART_COOKIE = 'cart';

export function parseCart(cookieHeader: string | undefined): Cart {
  if (!cookieHeader) return [];
  let raw: string | undefined;
  for (const part of cookieHeader.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === CART_COOKIE) raw = part.slice(i + 1).trim();
  }
  if (!raw) return [];
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    return [];
  }
  const cart: Cart = [];
  for (const item of text.split(',').slice(0, MAX_LINES)) {
    const [slug, q] = item.split(':');
    const qty = Number(q);
    if (PRODUCT_BY_SLUG.has(slug) && Number.isInteger(qty) && qty > 0 && !cart.some((l) => l.slug === slug)) {
      cart.push({ slug, qty: Math.min(qty, MAX_QTY) });
    }
  }
  return cart;
}

export function cartCookie(cart: Cart): string {
  const value = encodeURIComponent(cart.map((l) => `${l.slug}:${l.qty}`).join(','));
  return cart.length
    ? `${CART_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax`
    : `${CART_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0`;
}

function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function send(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  body: string,
  type = 'text/html; charset=utf-8',
  headers: Record<string, string> = {},
): void {
  const buf = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': String(buf.length),
    'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  res.end(req.method === 'HEAD' ? undefined : buf);
}

function redirect(res: ServerResponse, location: string, headers: Record<string, string> = {}): void {
  res.writeHead(303, { Location: location, 'Content-Length': '0', 'Cache-Control': 'no-store', ...headers });
  res.end();
}

export async function startDemoSite(opts: DemoSiteOptions): Promise<DemoSite> {
  const gatewayUrl = opts.gatewayUrl.replace(/\/+$/, '');
  const siteId = opts.siteId ?? 'demo';
  const bindHost = !opts.host || opts.host === 'localhost' ? '127.0.0.1' : opts.host;
  const publicHost =
    !opts.host || opts.host === '127.0.0.1' || opts.host === 'localhost' || opts.host === '0.0.0.0' || opts.host === '::'
      ? 'localhost'
      : opts.host.includes(':')
        ? `[${opts.host}]`
        : opts.host;
  let fallbackHost = `${publicHost}:${opts.port}`;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://demo.invalid');
    const path = url.pathname;
    // The page's own absolute URL, as the browser addressed it (the Host header), for the agent link.
    const hostHeader = req.headers.host;
    const host = hostHeader && /^[A-Za-z0-9.\-[\]:]{1,255}$/.test(hostHeader) ? hostHeader : fallbackHost;
    const ctx = (cartCount: number): PageContext => ({
      pageUrl: `http://${host}${path}${url.search}`,
      gatewayUrl,
      siteId,
      cartCount,
      path,
    });
    const cart = parseCart(req.headers.cookie);
    const count = cart.reduce((s, l) => s + l.qty, 0);
    const isRead = method === 'GET' || method === 'HEAD';

    if (isRead) {
      if (path === '/static/site.css') return send(req, res, 200, SITE_CSS, 'text/css; charset=utf-8');
      if (path === '/static/favicon.svg' || path === '/favicon.ico') return send(req, res, 200, FAVICON_SVG, 'image/svg+xml');
      if (path === '/robots.txt') return send(req, res, 200, 'User-agent: *\nDisallow:\n', 'text/plain; charset=utf-8');
      if (path === '/') return send(req, res, 200, homePage(ctx(count)));
      if (path === '/products' || path === '/products/') return send(req, res, 200, productsPage(ctx(count)));
      const m = /^\/products\/([a-z0-9-]+)\/?$/.exec(path);
      if (m) {
        const p = PRODUCT_BY_SLUG.get(m[1]);
        if (p) return send(req, res, 200, productPage(ctx(count), p));
      }
      if (path === '/cart') return send(req, res, 200, cartPage(ctx(count), cart));
      if (path === '/long') return send(req, res, 200, longPage(ctx(count)));
      if (path === '/contact') return send(req, res, 200, contactPage(ctx(count), url.searchParams.get('topic')));
      return send(req, res, 404, notFoundPage(ctx(count)));
    }

    if (method === 'POST') {
      if (path === '/cart/add') {
        const form = await readBody(req);
        const slug = form.get('slug') ?? '';
        const qty = Math.max(1, Math.min(MAX_QTY, Math.floor(Number(form.get('qty') ?? '1')) || 1));
        if (!PRODUCT_BY_SLUG.has(slug)) return send(req, res, 400, notFoundPage(ctx(count)));
        const line = cart.find((l) => l.slug === slug);
        if (line) line.qty = Math.min(MAX_QTY, line.qty + qty);
        else if (cart.length < MAX_LINES) cart.push({ slug, qty });
        return redirect(res, '/cart', { 'Set-Cookie': cartCookie(cart) });
      }
      if (path === '/cart/clear') {
        await readBody(req);
        return redirect(res, '/cart', { 'Set-Cookie': cartCookie([]) });
      }
      if (path === '/contact') {
        const form = await readBody(req);
        // Only the name and topic are echoed; password and card fields are read and dropped.
        const name = (form.get('name') ?? '').trim().slice(0, 80);
        return send(req, res, 200, thankYouPage(ctx(count), name, form.get('topic') ?? 'general'));
      }
    }
    res.setHeader('Allow', 'GET, HEAD, POST');
    return send(req, res, 405, 'Method not allowed\n', 'text/plain; charset=utf-8');
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(req, res, 400, 'Bad request\n', 'text/plain; charset=utf-8');
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  fallbackHost = `${publicHost}:${port}`;

  return {
    url: `http://${publicHost}:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
