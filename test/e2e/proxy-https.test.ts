// An https site (most of the web) through the proxy, for both parties, in Chromium. A local CA is
// made in the test with the openssl CLI; the gateway runs as its own process (as operators start
// it) with NODE_EXTRA_CA_CERTS pointing at that CA, so it verifies the site's certificate like any
// public one. Chromium does not trust the CA: a subresource that bypassed the proxy would fail TLS,
// and everything the page shows must therefore have come through the gateway, which the site's own
// request log and the frames' resource timing confirm.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { freePort } from '../helpers/gateway.ts';
import { createAgentStore, spawnGateway, type GatewayProcess } from '../../bench/lib/gateway-process.ts';

let dir: string;
let site: Server;
let siteOrigin: string;
let gw: GatewayProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];
/** Every request the https site answered: path and the user agent that asked. */
const seen: { path: string; ua: string }[] = [];
const PNG = onePixelPng();

/** A valid 1×1 RGB PNG. */
function onePixelPng(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.from([0, 200, 30, 30]))), chunk('IEND', Buffer.alloc(0))]);
}

/** A CA, and a certificate for 127.0.0.1 signed by it (EC P-256: quick to make). */
function makeCerts(d: string): { ca: string; key: string; cert: string } {
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: d, stdio: 'pipe' });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=cobrowse test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'site.key', '-out', 'site.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(d, 'site.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  ssl('x509', '-req', '-in', 'site.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'site.crt', '-days', '2', '-extfile', 'site.ext');
  return { ca: join(d, 'ca.crt'), key: readFileSync(join(d, 'site.key'), 'utf8'), cert: readFileSync(join(d, 'site.crt'), 'utf8') };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cobrowse-https-'));
  const certs = makeCerts(dir);
  const port = await freePort();
  siteOrigin = `https://127.0.0.1:${port}`;
  site = createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, ua: String(req.headers['user-agent'] ?? '') });
    const send = (type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
      res.writeHead(200, { 'content-type': type, ...extra });
      res.end(body);
    };
    if (path === '/') {
      // Relative and absolute (same https origin) subresources of every kind.
      return send(
        'text/html; charset=utf-8',
        `<!doctype html><html><head><title>https site</title><link rel="stylesheet" href="/style.css">` +
          `<script src="${siteOrigin}/app.js"></script></head>` +
          `<body><h1 id="title">Secure shop</h1><img id="logo" src="/logo.png" alt="logo"><img id="abs" src="${siteOrigin}/abs.png" alt="abs">` +
          `<div id="bg">bg</div><p id="api">waiting</p></body></html>`,
      );
    }
    if (path === '/style.css') return send('text/css', `#bg { background-image: url(${siteOrigin}/bg.png); width: 10px; height: 10px; } h1 { color: rgb(1, 2, 3); }`);
    if (path === '/app.js') {
      return send(
        'text/javascript',
        `addEventListener('DOMContentLoaded', () => fetch('${siteOrigin}/api/data', { headers: { accept: 'application/json' } }).then((r) => r.json()).then((j) => { document.getElementById('api').textContent = j.message; }));`,
      );
    }
    if (path === '/api/data') {
      if (req.method === 'OPTIONS') {
        res.writeHead(204, { 'access-control-allow-origin': String(req.headers.origin ?? '*'), 'access-control-allow-headers': 'x-test' });
        return res.end();
      }
      return send('application/json', JSON.stringify({ message: 'hello over TLS' }), { 'access-control-allow-origin': String(req.headers.origin ?? '*') });
    }
    if (path.endsWith('.png')) return send('image/png', PNG);
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => site.listen(port, '127.0.0.1', r));

  const store = await createAgentStore({ agents: 1, password: 'https-pass-123' });
  gw = await spawnGateway({
    inspect: false,
    name: 'https gateway',
    env: {
      DATABASE_PATH: store.db,
      DEMO_PORT: String(await freePort()),
      ROUTING_MODE: 'manual',
      ALLOWED_TARGETS: siteOrigin,
      ALLOWED_PORTS: `80,443,${port}`,
      NODE_EXTRA_CA_CERTS: certs.ca,
    },
  });
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
  await gw?.stop();
  site?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function coFrame(page: Page): Promise<Frame> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const f = await (await page.$('[data-testid="cobrowse-frame"]'))?.contentFrame();
    if (f && /\.cobrowse\.localhost:\d+\/$/.test(f.url())) {
      try {
        await f.waitForLoadState('load');
        if (await f.evaluate(() => (window as { __cbOverlayLoaded?: boolean }).__cbOverlayLoaded === true)) return f;
      } catch {
        /* navigated meanwhile */
      }
    }
    if (Date.now() > deadline) throw new Error(`the co-browse frame never showed the https page (at ${f?.url() ?? 'nothing'})`);
    await page.waitForTimeout(100);
  }
}

/** What the page shows and where each of its subresources came from. */
function pageState(f: Frame) {
  return f.evaluate(() => ({
    title: document.getElementById('title')?.textContent,
    color: getComputedStyle(document.querySelector('h1')!).color,
    bg: getComputedStyle(document.getElementById('bg')!).backgroundImage,
    logo: (document.getElementById('logo') as HTMLImageElement).naturalWidth,
    abs: (document.getElementById('abs') as HTMLImageElement).naturalWidth,
    api: document.getElementById('api')?.textContent,
    resources: performance.getEntriesByType('resource').map((e) => e.name),
    origin: location.origin,
    overlay: (window as { __cbOverlayLoaded?: boolean }).__cbOverlayLoaded === true,
  }));
}

describe('https targets', () => {
  it('shows an https page with its CSS, images, script and fetch to both parties, all through the gateway', async () => {
    // The visitor: the shell, through /start, on the https page.
    const vctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(vctx);
    const visitor = await vctx.newPage();
    await visitor.goto(`${gw.url}/start?${new URLSearchParams({ site: 'https', url: `${siteOrigin}/` })}`);
    await visitor.waitForURL(/\/v\/[A-Za-z0-9_-]{22}$/);
    const sid = new URL(visitor.url()).pathname.split('/').pop()!;

    // The agent: the real console, accepts the visitor.
    const actx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    contexts.push(actx);
    const agent = await actx.newPage();
    await agent.goto(`${gw.url}/agent/`);
    await agent.fill('[data-testid="login-email"]', 'bench-agent-1@bench.test');
    await agent.fill('[data-testid="login-password"]', 'https-pass-123');
    await agent.click('[data-testid="login-submit"]');
    await agent.locator(`[data-queue-id="${sid}"] [data-testid="accept"]:enabled`).click({ timeout: 15_000 });

    for (const [who, page] of [['visitor', visitor], ['agent', agent]] as const) {
      const f = await coFrame(page);
      await expect.poll(async () => (await pageState(f)).api, { timeout: 10_000, message: `${who}: the page's fetch answered` }).toBe('hello over TLS');
      const s = await pageState(f);
      expect(s.title, who).toBe('Secure shop');
      expect(s.overlay, who).toBe(true);
      expect(s.origin, who).toMatch(/^http:\/\/[a-z2-7]{26}\.cobrowse\.localhost:\d+$/);
      expect(s.color, `${who}: stylesheet applied`).toBe('rgb(1, 2, 3)');
      expect(s.logo, `${who}: relative image decoded`).toBe(1);
      expect(s.abs, `${who}: absolute https image decoded`).toBe(1);
      expect(s.bg, `${who}: CSS url() rewritten to the proxy`).toContain(`${s.origin}/bg.png`);
      // Every subresource the page loaded came from its proxy origin or the overlay's static host:
      // none went to the https site itself (Chromium would have refused its certificate anyway).
      const foreign = s.resources.filter((u) => !u.startsWith(s.origin + '/') && !/^http:\/\/static\.cobrowse\.localhost:\d+\/__cb\/overlay\.js/.test(u));
      expect(foreign, who).toEqual([]);
      for (const p of ['/style.css', '/app.js', '/logo.png', '/abs.png', '/bg.png', '/api/data']) {
        expect(s.resources.some((u) => u === s.origin + p), `${who}: ${p} through the proxy`).toBe(true);
      }
    }
    // The site saw each of them, over TLS, from the gateway (with the browser's user agent forwarded).
    for (const p of ['/', '/style.css', '/app.js', '/logo.png', '/abs.png', '/bg.png', '/api/data']) {
      expect(seen.some((r) => r.path === p), `site saw ${p}`).toBe(true);
    }
    expect(seen.every((r) => r.ua.includes('Chrome'))).toBe(true);
  }, 60_000);
});
