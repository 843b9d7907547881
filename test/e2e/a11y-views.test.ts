// axe-core (WCAG 2.1 A + AA) in Chromium over every view of the visitor shell (queued, offline
// form, active chat, consent dialog, end/rating, ended) and of the agent console (login, offer
// ringing, session open, messages, supervisor, agents): no serious or critical violation.
// Also the screenshots: the shell in English, German and Arabic, the console at 200% zoom.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { seriousViolations } from '../helpers/axe.ts';
import { SHOTS } from '../helpers/cobrowse.ts';

let t: TestGateway;
let tOffline: TestGateway;
let browser: Browser;

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  [t, tOffline] = await Promise.all([
    startTestGateway({ routingMode: 'auto', ringTimeoutSeconds: 120, maxQueueWaitSeconds: 0 }, { demo: true }),
    startTestGateway({ routingMode: 'manual', maxQueueWaitSeconds: 0 }, { demo: true }),
  ]);
  await t.gw.auth.createAgent({ email: 'ada@demo.test', password: 'ada-pass-123', name: 'Ada', role: 'admin' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await Promise.all([t?.close(), tOffline?.close()]);
});

async function visitorPage(gw: TestGateway, locale = 'en-US', viewport = { width: 1280, height: 800 }): Promise<Page> {
  const ctx = await browser.newContext({ viewport, locale });
  const page = await ctx.newPage();
  await page.goto(`${gw.demoUrl}/products`);
  await page.click('[data-testid="talk-to-agent"]');
  await page.waitForURL(/\/v\/[A-Za-z0-9_-]{22}/);
  await page.locator('[data-testid="chat-panel"]').waitFor();
  return page;
}

const clean = async (page: Page, label: string) => expect(await seriousViolations(page, label), label).toEqual([]);

describe('accessibility of every view (axe-core, WCAG 2.1 AA)', () => {
  it('shell: offline form when nobody is online', async () => {
    const v = await visitorPage(tOffline);
    try {
      await v.locator('[data-testid="offline-form"]').waitFor({ timeout: 10_000 });
      await clean(v, 'shell offline form');
      // A bad submission shows its error: still clean.
      await v.click('[data-testid="offline-submit"]');
      await v.locator('[data-testid="offline-error"]').waitFor();
      await clean(v, 'shell offline form with error');
    } finally {
      await v.context().close();
    }
  });

  it('console and shell through a whole session', async () => {
    const actx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const agent = await actx.newPage();
    await agent.goto(`${t.gw.url}/agent/`);
    await agent.locator('[data-testid="login-email"]').waitFor();
    await clean(agent, 'console login');
    await agent.fill('[data-testid="login-email"]', 'ada@demo.test');
    await agent.fill('[data-testid="login-password"]', 'ada-pass-123');
    await agent.click('[data-testid="login-submit"]');
    await agent.locator('[data-testid="queue-list"]').waitFor();

    // English, then German and Arabic shells, for the screenshots (the agent takes the English one).
    const v = await visitorPage(t, 'en-US');
    await v.locator('[data-testid="queue-position"]').getByText(/number 1/).waitFor();
    await clean(v, 'shell queued');
    await v.screenshot({ path: `${SHOTS}/shell-en.png` });

    // Offer ringing.
    await agent.locator('[data-testid="queue-item"][data-offered="true"]').waitFor({ timeout: 10_000 });
    await clean(agent, 'console offer ringing');
    await agent.click('[data-testid="accept"]');
    await v.locator('[data-testid="chat-log"]').getByText('Ada joined').waitFor();

    // Active chat, both ways.
    await v.fill('[data-testid="chat-input"]', 'Hello, which mug is best?');
    await v.press('[data-testid="chat-input"]', 'Enter');
    await agent.locator('[data-testid="chat-log"]').getByText('which mug is best').waitFor();
    await agent.fill('[data-testid="chat-input"]', 'The blue one!');
    await agent.press('[data-testid="chat-input"]', 'Enter');
    await v.locator('[data-testid="chat-log"]').getByText('The blue one!').waitFor();
    await clean(v, 'shell active chat');
    await clean(agent, 'console session open');
    // The visitor's language reaches the agent.
    expect(await agent.locator('[data-testid="visitor-language"]').textContent()).toMatch(/English|en/);

    // Consent dialog.
    await agent.click('[data-testid="request-control"]');
    await v.locator('[data-testid="consent-dialog"]').waitFor();
    await clean(v, 'shell consent dialog');
    await v.keyboard.press('Escape');
    await v.locator('[data-testid="consent-dialog"]').waitFor({ state: 'hidden' });

    // Console pages.
    for (const [nav, view] of [
      ['nav-inbox', 'offline-inbox'],
      ['nav-supervisor', 'supervisor-view'],
      ['nav-admin', 'admin-view'],
    ]) {
      await agent.click(`[data-testid="${nav}"]`);
      await agent.locator(`[data-testid="${view}"]`).waitFor();
      await clean(agent, `console ${nav}`);
    }
    await agent.click('[data-testid="nav-conversations"]');

    // The console at 200% zoom: half the CSS pixels, twice the device pixels.
    const zctx = await browser.newContext({ viewport: { width: 720, height: 450 }, deviceScaleFactor: 2, storageState: await actx.storageState() });
    const zoomed = await zctx.newPage();
    await zoomed.goto(`${t.gw.url}/agent/`);
    await zoomed.locator('[data-testid="queue-list"]').waitFor();
    await zoomed.locator('[data-testid="session-tab"]').first().click();
    await zoomed.locator('[data-testid="chat-input"]').waitFor();
    await zoomed.screenshot({ path: `${SHOTS}/console-zoom-200.png` });
    // Usable: nothing needs horizontal scrolling of the page (WCAG 1.4.10 reflow), the composer and End are on screen.
    expect(await zoomed.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(1);
    for (const id of ['chat-input', 'end-session']) expect(await zoomed.locator(`[data-testid="${id}"]`).isVisible(), id).toBe(true);
    await clean(zoomed, 'console at 200%');
    await zctx.close();

    // End and rate.
    await v.click('[data-testid="end-session"]');
    await v.locator('[data-testid="end-panel"]').waitFor();
    await v.click('[data-testid="rating-4"]', { force: true });
    await clean(v, 'shell end and rating');
    await v.click('[data-testid="end-confirm"]');
    await v.locator('[data-testid="end-screen"]').waitFor();
    await clean(v, 'shell ended');
    await v.context().close();
    await actx.close();
  });

  it('shell screenshots in German and Arabic (RTL)', async () => {
    for (const locale of ['de-DE', 'ar']) {
      const v = await visitorPage(tOffline, locale, { width: 1280, height: 800 });
      try {
        await v.locator('[data-testid="offline-form"]').waitFor({ timeout: 10_000 });
        await v.click('[data-testid="offline-dismiss"]');
        await v.fill('[data-testid="chat-input"]', locale === 'ar' ? 'مرحبًا' : 'Hallo');
        await v.press('[data-testid="chat-input"]', 'Enter');
        await v.locator('[data-testid="chat-message"]').first().waitFor();
        await clean(v, `shell ${locale}`);
        await v.screenshot({ path: `${SHOTS}/shell-${locale.slice(0, 2)}.png` });
      } finally {
        await v.context().close();
      }
    }
  });

  it('console login throttled (429 CB_ERR_LOGIN_THROTTLED, Retry-After): announced, localized wait, form disabled until then', async () => {
    // The gateway's own throttle (issue 14): one free wrong password per account, then a 3 s lock.
    const strict = await startTestGateway({ loginAccountFreeAttempts: 1, loginLockoutBaseSeconds: 3 });
    await strict.gw.auth.createAgent({ email: 'ada@demo.test', password: 'ada-pass-123', name: 'Ada', role: 'admin' });
    const ctx = await browser.newContext({ locale: 'de-DE' });
    const page = await ctx.newPage();
    try {
      const throttledAnswers: number[] = [];
      page.on('response', (r) => {
        if (r.url().endsWith('/api/login') && r.status() === 429) throttledAnswers.push(Number(r.headers()['retry-after']));
      });
      await page.goto(`${strict.gw.url}/agent/`);
      await page.fill('[data-testid="login-email"]', 'ada@demo.test');
      // Wrong passwords until the gateway locks the account (the second or third attempt).
      for (let i = 0; i < 4; i++) {
        await page.fill('[data-testid="login-password"]', `wrong-${i}`);
        const answered = page.waitForResponse((r) => r.url().endsWith('/api/login'));
        await page.press('[data-testid="login-password"]', 'Enter');
        if ((await answered).status() === 429) break;
      }
      expect(throttledAnswers.length).toBe(1);
      expect(throttledAnswers[0]).toBeGreaterThanOrEqual(1);
      expect(throttledAnswers[0]).toBeLessThanOrEqual(3);
      const wait = page.locator('[data-testid="login-throttled"]');
      await wait.waitFor();
      expect(await wait.textContent()).toMatch(/^Zu viele Versuche, erneut versuchen in [1-3] s$/);
      await expect.poll(() => page.locator('[data-testid="login-announcer"]').textContent()).toMatch(/Zu viele Versuche, erneut versuchen in [1-3] s/);
      expect(await page.locator('[data-testid="login-announcer"]').getAttribute('role')).toBe('status');
      for (const id of ['login-email', 'login-password', 'login-submit']) expect(await page.locator(`[data-testid="${id}"]`).isDisabled(), id).toBe(true);
      await clean(page, 'console login throttled');
      // The countdown ends: the form is usable again and says so.
      await wait.waitFor({ state: 'detached', timeout: 6000 });
      expect(await page.locator('[data-testid="login-announcer"]').textContent()).toBe('Sie können es jetzt erneut versuchen.');
      expect(await page.locator('[data-testid="login-submit"]').isDisabled()).toBe(false);
      await page.fill('[data-testid="login-password"]', 'ada-pass-123');
      await page.press('[data-testid="login-password"]', 'Enter');
      await page.locator('[data-testid="queue-list"]').waitFor();
      expect(await page.locator('[data-testid="nav-conversations"]').textContent()).toContain('Gespräche');
    } finally {
      await ctx.close();
      await strict.close();
    }
  });
});
