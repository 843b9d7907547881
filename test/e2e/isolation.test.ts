// A proxied page's scripts must not be able to read the console's cookie or call its API as the
// agent, and two proxied origins must not share storage. Checked from inside the agent's real
// co-browse frame, in Chromium.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { Peer, startVisitor, wsUrl } from '../helpers/ws-peer.ts';

let t: TestGateway;
let browser: Browser;

beforeAll(async () => {
  t = await startTestGateway({ routingMode: 'manual' }, { demo: true });
  await t.gw.auth.createAgent({ email: 'iso@demo.test', password: 'iso-pass-123', name: 'Iso' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('origin isolation', () => {
  it('keeps the console out of reach of proxied pages', async () => {
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(`${t.gw.url}/agent/`);
    await page.fill('[data-testid="login-email"]', 'iso@demo.test');
    await page.fill('[data-testid="login-password"]', 'iso-pass-123');
    await page.click('[data-testid="login-submit"]');
    await page.locator('[data-testid="queue-list"]').waitFor();
    const cookies = await ctx.cookies(t.gw.url);
    expect(cookies.find((c) => c.name === 'cb_agent')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    // A visitor joins; the agent accepts and the proxied page loads in the agent's frame.
    const sid = await startVisitor(t.gw.url, `${t.demoUrl}/`);
    const v = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
    await v.opened();
    v.send({ type: 'hello' });
    await page.locator('[data-testid="accept"]').first().click();
    await v.waitFor('session', (f) => f.session.state === 'active');
    let frame = null;
    for (let i = 0; i < 100 && !frame; i++) {
      const f = await (await page.$('[data-testid="cobrowse-frame"]'))?.contentFrame();
      if (f && /\.localhost:\d+\//.test(f.url())) frame = f;
      else await page.waitForTimeout(100);
    }
    expect(frame).not.toBeNull();
    await frame!.waitForLoadState('domcontentloaded');

    const probe = await frame!.evaluate(async (api) => {
      const out: Record<string, unknown> = { cookie: document.cookie, origin: location.origin };
      try {
        const r = await fetch(`${api}/api/me`, { credentials: 'include' });
        out.me = `status ${r.status}: ${await r.text()}`;
      } catch (e) {
        out.me = `blocked: ${(e as Error).name}`;
      }
      try {
        const r = await fetch(`${api}/api/logout`, { method: 'POST', credentials: 'include', mode: 'no-cors' });
        out.logout = r.type;
      } catch (e) {
        out.logout = `blocked: ${(e as Error).name}`;
      }
      out.ws = await new Promise((resolve) => {
        const ws = new WebSocket(api.replace(/^http/, 'ws') + '/ws/agent');
        ws.onopen = () => resolve('open');
        ws.onerror = () => resolve('refused');
      });
      try {
        out.parentCookie = (window.parent.document as Document).cookie;
      } catch (e) {
        out.parentCookie = `blocked: ${(e as Error).name}`;
      }
      return out;
    }, t.gw.url);

    expect(probe.origin).toMatch(/^http:\/\/[a-z2-7]{26}\.cobrowse\.localhost:\d+$/);
    expect(String(probe.cookie)).not.toContain('cb_agent');
    expect(String(probe.me)).not.toContain('iso@demo.test');
    expect(probe.ws).toBe('refused');
    expect(String(probe.parentCookie)).toMatch(/^blocked/);
    // The console is still signed in: the no-cors logout attempt was refused by the Origin check.
    const me = await page.evaluate(async () => (await fetch('/api/me')).status);
    expect(me).toBe(200);

    // Two proxied origins in one session never share localStorage.
    const other = new URL(frame!.url());
    const storage = await frame!.evaluate(() => {
      localStorage.setItem('k', 'from-demo');
      return localStorage.getItem('k');
    });
    expect(storage).toBe('from-demo');
    const otherPage = await ctx.newPage();
    await otherPage.goto(`${other.origin}/`);
    expect(await otherPage.evaluate(() => localStorage.getItem('k'))).toBe('from-demo'); // same proxy origin, same storage
    // The same shop under another origin (127.0.0.1 instead of localhost) gets its own proxy origin.
    const sameShopOtherOrigin = t.demoUrl!.replace('localhost', '127.0.0.1') + '/';
    await otherPage.goto(`${other.origin}/__cb/go?u=${encodeURIComponent(sameShopOtherOrigin)}`);
    expect(new URL(otherPage.url()).origin).not.toBe(other.origin);
    expect(otherPage.url()).toMatch(/^http:\/\/[a-z2-7]{26}\.cobrowse\.localhost:\d+\/$/);
    expect(await otherPage.evaluate(() => localStorage.getItem('k'))).toBeNull();
    await otherPage.goto(t.gw.url + '/agent/');
    expect(await otherPage.evaluate(() => localStorage.getItem('k'))).toBeNull(); // the console sees none of it
    v.close();
    await ctx.close();
  });
});
