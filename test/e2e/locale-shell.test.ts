// The shell in the visitor's language: a de-DE and an ar browser see German and Arabic (RTL, the
// chat panel mirrored), with the queue position's plural right for positions 1, 2 and 5; the
// hyperlink's lang wins over the browser; a site owner's string and accent overrides apply and bad
// ones are ignored; the visitor's language is recorded for the agent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { Peer, loginCookie, wsUrl } from '../helpers/ws-peer.ts';

let browser: Browser;
let de: TestGateway;
let ar: TestGateway;
const peers: Peer[] = [];

/** Someone is online (no offline-message offer) but never answers: visitors stay queued. */
async function idleAgent(t: TestGateway): Promise<void> {
  await t.gw.auth.createAgent({ email: 'idle@demo.test', password: 'idle-pass-123', name: 'Idle' });
  const p = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie: await loginCookie(t.gw.url, 'idle@demo.test', 'idle-pass-123') });
  await p.opened();
  p.send({ type: 'hello' });
  peers.push(p);
}

beforeAll(async () => {
  [de, ar] = await Promise.all([
    startTestGateway({ routingMode: 'manual', maxQueueWaitSeconds: 0 }, { demo: true }),
    startTestGateway({ routingMode: 'manual', maxQueueWaitSeconds: 0 }, { demo: true }),
  ]);
  await Promise.all([idleAgent(de), idleAgent(ar)]);
  browser = await launchBrowser();
});
afterAll(async () => {
  for (const p of peers) p.close();
  await browser?.close();
  await Promise.all([de?.close(), ar?.close()]);
});

/** Five visitors of one browser locale, queued in order; the pages in queue order. */
async function queueFive(t: TestGateway, locale: string): Promise<{ ctx: BrowserContext; pages: Page[] }> {
  const ctx = await browser.newContext({ locale, viewport: { width: 1024, height: 720 } });
  const pages: Page[] = [];
  for (let i = 0; i < 5; i++) {
    const page = await ctx.newPage();
    await page.goto(`${t.demoUrl}/products`);
    await page.click('[data-testid="talk-to-agent"]');
    await page.waitForURL(/\/v\/[A-Za-z0-9_-]{22}/);
    await page.locator('[data-testid="queue-position"]').getByText(new RegExp(`${i + 1}|${'١٢٣٤٥'[i]}`)).waitFor();
    pages.push(page);
  }
  return { ctx, pages };
}

const pos = (p: Page) => p.locator('[data-testid="queue-position"]').textContent();
const sidOf = (p: Page) => new URL(p.url()).pathname.split('/').pop()!;

describe('the shell in the visitor language', () => {
  it('de-DE: German, plurals for positions 1, 2 and 5', async () => {
    const { ctx, pages } = await queueFive(de, 'de-DE');
    try {
      const [first, second, , , fifth] = pages;
      expect(await first.getAttribute('html', 'lang')).toBe('de-DE');
      expect(await first.getAttribute('html', 'dir')).toBe('ltr');
      expect(await first.title()).toBe('Live-Hilfe · Co-Browsing');
      expect(await pos(first)).toBe('Sie sind Nummer 1 in der Warteschlange – Sie sind als Nächstes dran');
      expect(await pos(second)).toBe('Sie sind Nummer 2 in der Warteschlange, vor Ihnen ist 1 Person');
      expect(await pos(fifth)).toBe('Sie sind Nummer 5 in der Warteschlange, vor Ihnen sind 4 Personen');
      expect(await first.locator('[data-testid="chat-input"]').getAttribute('placeholder')).toBe('Nachricht eingeben…');
      expect(await first.locator('[data-testid="end-session"]').textContent()).toBe('Chat beenden');
      // Times in the visitor's locale (24-hour German time in the log).
      expect(await first.locator('.cb-time').first().textContent()).toMatch(/^\d{2}:\d{2}$/);
      // The agent is told the visitor's language.
      expect((await de.gw.hub.session(sidOf(first)))?.language).toBe('de-DE');
    } finally {
      await ctx.close();
    }
  });

  it('ar: Arabic, right to left and mirrored, plurals for positions 1, 2 and 5', async () => {
    const { ctx, pages } = await queueFive(ar, 'ar');
    try {
      const [first, second, , , fifth] = pages;
      expect(await first.getAttribute('html', 'lang')).toBe('ar');
      expect(await first.getAttribute('html', 'dir')).toBe('rtl');
      expect(await pos(first)).toMatch(/^أنت رقم (1|١) في قائمة الانتظار — دورك التالي$/);
      expect(await pos(second)).toMatch(/^أنت رقم (2|٢) في قائمة الانتظار، أمامك شخص واحد$/); // one ahead: "one"
      expect(await pos(fifth)).toMatch(/^أنت رقم (5|٥) في قائمة الانتظار، أمامك (4|٤) أشخاص$/); // four ahead: "few"
      expect(await first.locator('[data-testid="chat-send"]').textContent()).toBe('إرسال');
      // Mirrored: the chat panel sits at the left edge, the composer's send button left of the input.
      const panel = (await first.locator('[data-testid="chat-panel"]').boundingBox())!;
      expect(panel.x).toBeLessThan(40);
      const send = (await first.locator('[data-testid="chat-send"]').boundingBox())!;
      const input = (await first.locator('[data-testid="chat-input"]').boundingBox())!;
      expect(send.x).toBeLessThan(input.x);
      expect((await ar.gw.hub.session(sidOf(first)))?.language).toBe('ar');
    } finally {
      await ctx.close();
    }
  });

  it('the hyperlink chooses the language and may override strings and the accent; bad values are ignored', async () => {
    const ctx = await browser.newContext({ locale: 'en-US' });
    try {
      const page = await ctx.newPage();
      const q = new URLSearchParams({
        site: 'demo',
        url: `${de.demoUrl}/products`,
        lang: 'fr',
        accent: '#0f7b5f',
        't.queue.title': 'Un instant, <b>nous arrivons</b>',
        't.chat.send': '{oops', // not a message: ignored
        't.nope': 'x', // not a key: ignored
      });
      await page.goto(`${de.gw.url}/start?${q}`);
      await page.waitForURL(/\/v\/[A-Za-z0-9_-]{22}\?/);
      await page.locator('[data-testid="queue-position"]').getByText(/numéro/).waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('fr');
      // Set as text, never parsed as HTML.
      expect(await page.locator('#cb-queue-title').textContent()).toBe('Un instant, <b>nous arrivons</b>');
      expect(await page.locator('#cb-queue-title b').count()).toBe(0);
      expect(await page.locator('[data-testid="chat-send"]').textContent()).toBe('Envoyer');
      expect(await page.locator('[data-testid="chat-send"]').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(15, 123, 95)');
      expect((await de.gw.hub.session(sidOf(page)))?.language).toBe('fr');

      // A hostile accent and lang change nothing: English (the browser), default colours.
      const bad = await ctx.newPage();
      const q2 = new URLSearchParams({ site: 'demo', url: `${de.demoUrl}/products`, lang: '"><script>alert(1)</script>', accent: 'red;background:url(//evil.example/x)' });
      await bad.goto(`${de.gw.url}/start?${q2}`);
      await bad.locator('[data-testid="queue-position"]').getByText(/number/).waitFor();
      expect(await bad.getAttribute('html', 'lang')).toBe('en-US');
      expect(await bad.locator('[data-testid="chat-send"]').evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(52, 81, 209)');
    } finally {
      await ctx.close();
    }
  });

  it('the embed snippet carries data-lang, data-accent and data-t-<key> into the link', async () => {
    const ctx = await browser.newContext({ locale: 'de-DE' });
    try {
      const page = await ctx.newPage();
      await page.goto(`${de.demoUrl}/products`);
      await page.setContent(
        `<!doctype html><html><body><h1>Shop</h1><script src="${de.gw.url}/embed.js" data-site="demo" data-lang="es" data-accent="#a30" data-t-queue.title="¡Ya casi estamos!" data-t-evil="x"></script></body></html>`,
      );
      const link = page.locator('[data-testid="talk-to-agent-embed"]');
      await link.waitFor();
      const href = new URL((await link.getAttribute('href'))!);
      expect(href.searchParams.get('lang')).toBe('es');
      expect(href.searchParams.get('accent')).toBe('#aa3300');
      expect(href.searchParams.get('t.queue.title')).toBe('¡Ya casi estamos!');
      expect(href.searchParams.has('t.evil')).toBe(true); // forwarded, but the shell ignores unknown keys
      // The button itself takes the accent, with readable text.
      expect(await link.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(170, 51, 0)');
      await link.focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/v\/[A-Za-z0-9_-]{22}\?/);
      await page.locator('#cb-queue-title').getByText('¡Ya casi estamos!').waitFor();
      expect(await page.getAttribute('html', 'lang')).toBe('es');
      expect(await page.locator('[data-testid="chat-send"]').textContent()).toBe('Enviar');
    } finally {
      await ctx.close();
    }
  });
});
