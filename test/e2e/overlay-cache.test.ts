// The overlay's shared URL in a real browser: a visitor whose agent leads through three sites (three
// proxy origins) fetches the overlay once, and every page still runs it in its own origin.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Frame, Page } from 'playwright-core';
import { startTestGateway, freePort, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { Peer, loginCookie, wsUrl } from '../helpers/ws-peer.ts';

let t: TestGateway;
let browser: Browser;
const sites: Server[] = [];
const origins: string[] = [];

beforeAll(async () => {
  for (let i = 0; i < 3; i++) {
    const port = await freePort();
    const s = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>site ${i}</title><script>window.__sawOverlayFirst = window.__cbOverlayLoaded === true;</script></head><body><h1>site ${i}</h1></body></html>`);
    });
    await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
    sites.push(s);
    origins.push(`http://127.0.0.1:${port}`);
  }
  t = await startTestGateway({ routingMode: 'manual', allowedTargets: origins });
  await t.gw.auth.createAgent({ email: 'cache@demo.test', password: 'cache-pass-123', name: 'Cai' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  for (const s of sites) s.close();
});

/** Overlay fetches the gateway answered (its proxy request counter, kind "overlay"). */
async function overlayFetches(): Promise<number> {
  const text = await (await fetch(`${t.gw.url}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('cobrowse_proxy_requests_total{') && l.includes('kind="overlay"'))
    .reduce((a, l) => a + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

async function frameAt(page: Page, title: string): Promise<Frame> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const f = await (await page.$('[data-testid="cobrowse-frame"]'))?.contentFrame();
    if (f) {
      try {
        if ((await f.title()) === title && (await f.evaluate(() => (window as { __cbOverlayLoaded?: boolean }).__cbOverlayLoaded === true))) return f;
      } catch {
        /* navigating */
      }
    }
    if (Date.now() > deadline) throw new Error(`the frame never showed "${title}"`);
    await page.waitForTimeout(100);
  }
}

describe('overlay cache', () => {
  it('fetches the overlay once for three proxy origins, and runs it before each page’s own scripts', async () => {
    const before = await overlayFetches();
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${t.gw.url}/start?${new URLSearchParams({ site: 'demo', url: `${origins[0]}/` })}`);
    await page.waitForURL(/\/v\/[A-Za-z0-9_-]{22}$/);
    const sid = new URL(page.url()).pathname.split('/').pop()!;
    const agent = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie: await loginCookie(t.gw.url, 'cache@demo.test', 'cache-pass-123') });
    await agent.opened();
    agent.send({ type: 'hello' });
    await agent.waitFor('welcome');
    agent.send({ type: 'accept', sessionId: sid });
    await agent.waitFor('session', (f) => f.session.sessionId === sid && f.session.state === 'active');

    const seenOrigins = new Set<string>();
    for (let i = 0; i < 3; i++) {
      if (i > 0) agent.send({ type: 'lead', sessionId: sid, url: `${origins[i]}/` });
      const f = await frameAt(page, `site ${i}`);
      seenOrigins.add(new URL(f.url()).origin);
      // The overlay ran in the page's own origin, before the page's first script.
      expect(await f.evaluate(() => (window as { __sawOverlayFirst?: boolean }).__sawOverlayFirst)).toBe(true);
      expect(await f.evaluate(() => document.querySelector<HTMLScriptElement>('script[src*="/__cb/overlay.js"]')?.src)).toMatch(/^http:\/\/static\.cobrowse\.localhost:\d+\/__cb\/overlay\.js\?v=[A-Za-z0-9_-]{16}$/);
    }
    expect(seenOrigins.size).toBe(3);
    expect(await overlayFetches()).toBe(before + 1);
    agent.close();
    await ctx.close();
  }, 60_000);
});
