// The visitor shell's own features in real browsers, with the real console as the agent: the
// co-browse frame's size reported to the agent (and again after a rotation), read receipts both
// ways, attachments both ways, and the offline-message form when nobody can take the chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { Peer, loginCookie, wsUrl } from '../helpers/ws-peer.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { accept, ofType, openConsole, openVisitor, screenshot, type Party } from '../helpers/cobrowse.ts';
import type { ClientFrame, ClientFrameOf, ServerFrameOf } from '../../protocol/index.ts';

// 1×1 PNG and a minimal PDF.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

let browser: Browser;
/** maxQueueWaitSeconds 0: the only offline offer is "no agents online". */
let t: TestGateway;
/** A short maximum wait: the offline offer comes after 2 s in the queue. */
let tWait: TestGateway;
let idleAgent: Peer;

beforeAll(async () => {
  [t, tWait] = await Promise.all([
    startTestGateway({ routingMode: 'manual', maxQueueWaitSeconds: 0 }, { demo: true }),
    startTestGateway({ routingMode: 'manual', maxQueueWaitSeconds: 2 }, { demo: true }),
  ]);
  await t.gw.auth.createAgent({ email: 'rita@demo.test', password: 'rita-pass-123', name: 'Rita' });
  // An agent is online on the max-wait gateway but never answers: only the wait runs out.
  await tWait.gw.auth.createAgent({ email: 'idle@demo.test', password: 'idle-pass-123', name: 'Idle' });
  idleAgent = new Peer(wsUrl(tWait.gw.url, '/ws/agent'), { origin: tWait.gw.url, cookie: await loginCookie(tWait.gw.url, 'idle@demo.test', 'idle-pass-123') });
  await idleAgent.opened();
  idleAgent.send({ type: 'hello' });
  browser = await launchBrowser();
});
afterAll(async () => {
  idleAgent?.close();
  await browser?.close();
  await Promise.all([t?.close(), tWait?.close()]);
});

const sentOf = <T extends ClientFrame['type']>(p: Party, type: T) => ofType(p.ws, type, 'sent').map((r) => r.frame as ClientFrameOf<T>);

describe('offline message', () => {
  it('offers the form when no agent is online at all', async () => {
    // Nobody has signed in to this gateway yet.
    const v = await openVisitor(browser, t, '/');
    try {
      await v.page.locator('[data-testid="queue-position"]').getByText(/number 1/).waitFor();
      // The gateway decided to offer it (its system message is in the log)…
      await expect.poll(() => v.page.textContent('[data-testid="chat-log"]')).toContain('No agent is online right now');
      // …so the visitor must get the `offline.offer` frame and see the form.
      await expect.poll(() => ofType(v.ws, 'offline.offer', 'received').length, { timeout: 5000 }).toBe(1);
      await expect.poll(() => v.page.locator('[data-testid="offline-form"]').isVisible()).toBe(true);
    } finally {
      await v.ctx.close();
    }
  });

  it('offers the form after the maximum wait; the visitor may keep waiting, then leave a message', async () => {
    const v = await openVisitor(browser, tWait, '/products');
    try {
      // Said while waiting: it starts the message.
      await v.page.fill('[data-testid="chat-input"]', 'Do you ship to Norway?');
      await v.page.click('[data-testid="chat-send"]');
      const form = v.page.locator('[data-testid="offline-form"]');
      await form.waitFor({ timeout: 10_000 });
      await expect.poll(() => form.textContent()).toContain('No agent is available right now — leave a message');
      expect(await v.page.inputValue('[data-testid="offline-message"]')).toBe('Do you ship to Norway?');

      // Keep waiting: the chat is back, with a way to reopen the form.
      await v.page.click('[data-testid="offline-dismiss"]');
      expect(await form.isVisible()).toBe(false);
      expect(await v.page.locator('[data-testid="chat-log"]').isVisible()).toBe(true);
      await v.page.click('[data-testid="offline-open"]');
      await form.waitFor();

      // A bad address is caught before anything is sent.
      await v.page.fill('[data-testid="offline-name"]', 'Nora');
      await v.page.fill('[data-testid="offline-email"]', 'nora-at-example');
      await v.page.click('[data-testid="offline-submit"]');
      await v.page.locator('[data-testid="offline-error"]').waitFor();
      expect(tWait.gw.store.offlineMessages(10)).toHaveLength(0);

      await v.page.fill('[data-testid="offline-email"]', 'nora@example.test');
      await v.page.fill('[data-testid="offline-message"]', 'Do you ship to Norway? Two lamps.');
      await screenshot(v.page, 'offline-form-390.png');
      await v.page.click('[data-testid="offline-submit"]');
      await v.page.locator('[data-testid="offline-sent"]').waitFor();
      expect(await v.page.textContent('[data-testid="offline-sent"]')).toContain('nora@example.test');

      const stored = tWait.gw.store.offlineMessages(10);
      expect(stored).toHaveLength(1);
      expect(stored[0]).toMatchObject({ sessionId: v.sid, siteId: 'demo', name: 'Nora', email: 'nora@example.test', message: 'Do you ship to Norway? Two lamps.' });
      await expect.poll(() => tWait.gw.store.session(v.sid)?.state).toBe('ended');
      // The confirmation stays (the gateway's `ended` does not replace it).
      await v.page.waitForTimeout(500);
      expect(await v.page.locator('[data-testid="offline-sent"]').isVisible()).toBe(true);
      expect(await v.page.locator('[data-testid="chat-input"]').isDisabled()).toBe(true);
    } finally {
      await v.ctx.close();
    }
  });
});

describe('with an agent', () => {
  let agent: Party;
  let visitor: Party & { sid: string };

  beforeAll(async () => {
    agent = await openConsole(browser, t, 'rita@demo.test', 'rita-pass-123');
    visitor = await openVisitor(browser, t, '/products');
    await visitor.page.locator('[data-testid="cobrowse-frame"]').waitFor();
  });
  afterAll(async () => {
    await visitor?.ctx.close();
    await agent?.ctx.close();
  });

  it('reports the co-browse frame’s size while queued, to the agent on accept, and after a rotation', async () => {
    await expect.poll(() => sentOf(visitor, 'viewport').map((f) => [f.w, f.h])).toEqual([[390, 844]]);
    await accept(agent, visitor, 'Rita');
    await expect
      .poll(() => ofType(agent.ws, 'viewport', 'received').map((r) => r.frame as ServerFrameOf<'viewport'>).map((f) => [f.sessionId, f.w, f.h]))
      .toEqual([[visitor.sid, 390, 844]]);
    // The console lays the page out at the visitor's size.
    await expect.poll(() => agent.page.textContent('[data-testid="viewport-size"]').catch(() => null)).toMatch(/390 × 844/);

    // A rotation: one report with the new size (debounced), none while the size stays.
    await visitor.page.setViewportSize({ width: 844, height: 390 });
    await expect.poll(() => sentOf(visitor, 'viewport').map((f) => [f.w, f.h])).toEqual([
      [390, 844],
      [844, 390],
    ]);
    await expect.poll(() => agent.page.textContent('[data-testid="viewport-size"]').catch(() => null)).toMatch(/844 × 390/);
    await visitor.page.waitForTimeout(600);
    expect(sentOf(visitor, 'viewport')).toHaveLength(2);
    await visitor.page.setViewportSize({ width: 390, height: 844 });
  });

  it('sends read receipts while the chat is on screen, and shows "Seen" for the agent', async () => {
    // The agent writes; the visitor's open chat reports it read.
    await agent.page.fill('[data-testid="chat-input"]', 'Hello, I am Rita.');
    await agent.page.click('[data-testid="chat-send"]');
    await expect.poll(() => visitor.page.textContent('[data-testid="chat-log"]')).toContain('Hello, I am Rita.');
    const seqOf = (text: string) =>
      ofType(visitor.ws, 'event', 'received')
        .map((r) => (r.frame as ServerFrameOf<'event'>).event)
        .find((e) => e.text === text)!.seq;
    await expect.poll(() => sentOf(visitor, 'read').map((f) => f.seq)).toEqual([seqOf('Hello, I am Rita.')]);
    // The console marks its message as seen.
    await expect.poll(() => agent.page.textContent('[data-testid="chat-log"]')).toContain('Seen');

    // The visitor writes; the console (open on this session) reads it: "Seen" under that message.
    await visitor.page.fill('[data-testid="chat-input"]', 'Hi Rita!');
    await visitor.page.click('[data-testid="chat-send"]');
    const row = visitor.page.locator('li', { has: visitor.page.locator('[data-testid="chat-message"]', { hasText: 'Hi Rita!' }) });
    await expect.poll(() => row.locator('[data-testid="read-receipt"]').count(), { timeout: 10_000 }).toBe(1);
    expect(await row.locator('[data-testid="read-receipt"]').textContent()).toBe('Seen');
    expect(await visitor.page.locator('[data-testid="read-receipt"]').count()).toBe(1);

    // Minimised: nothing is reported as read until the visitor opens the chat again.
    await visitor.page.click('[data-testid="chat-minimise"]');
    await agent.page.fill('[data-testid="chat-input"]', 'Take your time.');
    await agent.page.click('[data-testid="chat-send"]');
    await visitor.page.locator('[data-testid="unread-badge"]').getByText('1').waitFor();
    await visitor.page.waitForTimeout(900);
    expect(sentOf(visitor, 'read')).toHaveLength(1);
    await visitor.page.click('[data-testid="chat-launcher"]');
    await expect.poll(() => sentOf(visitor, 'read').map((f) => f.seq)).toEqual([seqOf('Hello, I am Rita.'), seqOf('Take your time.')]);
  });

  it('sends and shows attachments both ways (images as thumbnails, PDFs as links)', async () => {
    const input = visitor.page.locator('[data-testid="attach-input"]');
    expect(await visitor.page.locator('[data-testid="attach"]').isVisible()).toBe(true);
    await input.setInputFiles({ name: 'lamp photo.png', mimeType: 'image/png', buffer: PNG });
    const img = visitor.page.locator('[data-testid="chat-attachment"][data-from="visitor"] img');
    await img.waitFor();
    const src = (await img.getAttribute('src'))!;
    expect(src).toMatch(new RegExp(`^/api/attachments/[A-Za-z0-9_-]+\\?sid=${visitor.sid}$`));
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(1);
    expect(await visitor.page.locator('[data-testid="chat-attachment"][data-from="visitor"]').first().textContent()).toContain('lamp photo.png');

    await input.setInputFiles({ name: 'receipt.pdf', mimeType: 'application/pdf', buffer: PDF });
    const pdf = visitor.page.locator('[data-testid="chat-attachment"][data-from="visitor"] a[download]');
    await pdf.waitFor();
    expect(await pdf.textContent()).toContain('receipt.pdf');
    const pdfRes = await visitor.page.evaluate(async (href) => {
      const r = await fetch(href);
      return { status: r.status, type: r.headers.get('content-type'), head: (await r.text()).slice(0, 8) };
    }, (await pdf.getAttribute('href'))!);
    expect(pdfRes).toEqual({ status: 200, type: 'application/pdf', head: '%PDF-1.4' });

    // Other files are refused before upload, with a reason.
    const before = t.gw.store.eventsAfter(visitor.sid, 0).filter((e) => e.kind === 'attachment').length;
    await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await visitor.page.locator('[data-testid="attach-error"]').waitFor();
    expect(t.gw.store.eventsAfter(visitor.sid, 0).filter((e) => e.kind === 'attachment')).toHaveLength(before);
    expect(before).toBe(2);

    // The agent sees both; the agent's image reaches the visitor.
    await expect.poll(() => agent.page.locator('[data-testid="chat-attachment"]').count()).toBe(2);
    await agent.page.locator('[data-testid="attach-input"]').setInputFiles({ name: 'dimensions.png', mimeType: 'image/png', buffer: PNG });
    const fromAgent = visitor.page.locator('[data-testid="chat-attachment"][data-from="agent"]');
    await fromAgent.waitFor({ timeout: 10_000 });
    expect(await fromAgent.textContent()).toContain('dimensions.png');
    await expect.poll(() => fromAgent.locator('img').evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(1);
    await screenshot(visitor.page, 'shell-attachments-390.png');
  });
});
