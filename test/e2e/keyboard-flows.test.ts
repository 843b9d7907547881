// Keyboard only, no mouse (no click anywhere): a visitor reads the queue state, sends a message,
// passes through the co-browse frame and out again, answers the consent dialog (focus moved in and
// restored), ends and rates; an agent signs in, accepts (Alt+A), replies (Alt+C), leads to a URL,
// requests control, switches tabs (Alt+N) and ends a session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { coFrame } from '../helpers/cobrowse.ts';

let t: TestGateway;
let browser: Browser;

beforeAll(async () => {
  t = await startTestGateway({ routingMode: 'manual', maxQueueWaitSeconds: 0 }, { demo: true });
  await t.gw.auth.createAgent({ email: 'kim@demo.test', password: 'kim-pass-123', name: 'Kim' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** data-testid of the focused element (the iframe element while focus is inside the frame). */
const focused = (p: Page) => p.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.localName ?? null);

/** Presses Tab (or Shift+Tab) until the element with `testid` has focus; returns what was passed. */
async function tabTo(p: Page, testid: string, { back = false, max = 80 } = {}): Promise<string[]> {
  const passed: string[] = [];
  for (let i = 0; i < max; i++) {
    if ((await focused(p)) === testid) return passed;
    await p.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    passed.push(String(await focused(p)));
  }
  throw new Error(`Tab never reached ${testid}; passed ${passed.join(', ')}`);
}

/** A visitor who reaches the shell from the demo shop's link by keyboard. */
async function keyboardVisitor(): Promise<Page> {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await ctx.newPage();
  await page.goto(`${t.demoUrl}/products`);
  await tabTo(page, 'talk-to-agent');
  await page.keyboard.press('Enter');
  await page.waitForURL(/\/v\/[A-Za-z0-9_-]{22}/);
  await page.locator('[data-testid="chat-panel"]').waitFor();
  return page;
}

describe('keyboard only', () => {
  it('visitor and agent flows', async () => {
    // ---- the agent signs in
    const actx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const agent = await actx.newPage();
    await agent.goto(`${t.gw.url}/agent/`);
    await agent.locator('[data-testid="login-email"]').waitFor();
    await tabTo(agent, 'login-email');
    await agent.keyboard.type('kim@demo.test');
    await agent.keyboard.press('Tab');
    await agent.keyboard.type('kim-pass-123');
    await agent.keyboard.press('Enter');
    await agent.locator('[data-testid="queue-list"]').waitFor();
    // The shortcuts are documented in the UI.
    expect(await agent.locator('[data-testid="shortcuts"]').textContent()).toMatch(/Alt\s*\+\s*A.*Alt\s*\+\s*N.*Alt\s*\+\s*C/s);

    // ---- visitor 1: reads the queue state
    const v = await keyboardVisitor();
    await v.locator('[data-testid="queue-position"]').getByText(/number 1/).waitFor();
    // The position is announced to screen readers, not just drawn.
    await expect.poll(() => v.locator('[data-testid="announcer"]').textContent()).toMatch(/number 1/);

    // Skip link first, then straight into the composer.
    await v.keyboard.press('Tab');
    expect(await focused(v)).toBe('skip-to-chat');
    await v.keyboard.press('Enter');
    expect(await focused(v)).toBe('chat-input');
    await v.keyboard.type('Hello from the keyboard');
    await v.keyboard.press('Enter');
    await v.locator('[data-testid="chat-message"]').getByText('Hello from the keyboard').waitFor();

    // No trap: from the composer backwards into the co-browse frame, through it and out again.
    await coFrame(v, /^\/products$/);
    const back = await tabTo(v, 'skip-to-chat', { back: true });
    expect(back.filter((x) => x === 'cobrowse-frame').length).toBeGreaterThan(1); // it moved through the page's links
    const through = await tabTo(v, 'chat-input');
    expect(through).toContain('cobrowse-frame');

    // ---- the agent accepts with Alt+A and replies with Alt+C
    await agent.locator('[data-testid="queue-item"]').first().waitFor();
    await agent.keyboard.press('Alt+KeyA');
    await v.locator('[data-testid="chat-log"]').getByText('Kim joined').waitFor();
    await expect.poll(() => v.locator('[data-testid="announcer"]').textContent()).toMatch(/Kim joined/);
    await agent.locator('[data-testid="chat-log"]').getByText('Hello from the keyboard').waitFor();
    await agent.keyboard.press('Alt+KeyC');
    expect(await focused(agent)).toBe('chat-input');
    await agent.keyboard.type('Hi! Typed without a mouse.');
    await agent.keyboard.press('Enter');
    await v.locator('[data-testid="chat-message"]').getByText('Hi! Typed without a mouse.').waitFor();
    // The new message is announced politely to the visitor.
    await expect.poll(() => v.locator('[data-testid="announcer"]').textContent()).toBe('New message from Kim: Hi! Typed without a mouse.');

    // ---- the agent leads to a URL
    await tabTo(agent, 'lead-url');
    await agent.keyboard.press('ControlOrMeta+A');
    await agent.keyboard.type(`${t.demoUrl}/contact`);
    await agent.keyboard.press('Enter');
    await coFrame(v, /^\/contact$/);

    // ---- consent: the agent asks, the visitor's focus moves into the dialog and back after
    await v.locator('[data-testid="chat-input"]').focus(); // the visitor was typing
    await tabTo(agent, 'request-control');
    await agent.keyboard.press('Enter');
    await v.locator('[data-testid="consent-dialog"]').waitFor();
    expect(await focused(v)).toBe('consent-deny');
    // Focus stays in the dialog.
    await v.keyboard.press('Tab');
    expect(await focused(v)).toBe('consent-allow');
    await v.keyboard.press('Tab');
    expect(await focused(v)).toBe('consent-deny');
    await v.keyboard.press('Shift+Tab');
    expect(await focused(v)).toBe('consent-allow');
    await v.keyboard.press('Enter');
    await v.locator('[data-testid="control-banner"]').waitFor();
    expect(await focused(v)).toBe('chat-input');
    await expect.poll(() => agent.locator('[data-testid="control-state"]').getAttribute('data-state')).toBe('granted');

    // ---- visitor 2, so the agent has two tabs
    const v2 = await keyboardVisitor();
    await v2.locator('[data-testid="queue-position"]').getByText(/number 1/).waitFor();
    await agent.locator('[data-testid="queue-item"]').first().waitFor();
    await agent.keyboard.press('Alt+KeyA');
    await v2.locator('[data-testid="chat-log"]').getByText('Kim joined').waitFor();
    const selectedTab = () => agent.locator('[data-testid="session-tab"][aria-selected="true"]').textContent();
    const before = await selectedTab();
    await agent.keyboard.press('Alt+KeyN');
    await expect.poll(selectedTab).not.toBe(before);
    await agent.keyboard.press('Alt+KeyN');
    await expect.poll(selectedTab).toBe(before);

    // ---- the agent ends visitor 2's session
    await tabTo(agent, 'end-session');
    await agent.keyboard.press('Enter');
    await v2.locator('[data-testid="end-screen"]').waitFor();
    // Focus moved to the end screen's heading, and Tab stays inside it.
    expect(await v2.evaluate(() => document.activeElement?.id)).toBe('cb-ended-title');
    const stops = new Set<string>();
    for (let i = 0; i < 4; i++) {
      await v2.keyboard.press('Tab');
      stops.add(String(await focused(v2)));
    }
    expect([...stops].sort()).toEqual(['return-to-site', 'transcript-link']);

    // ---- visitor 1 ends and rates
    await tabTo(v, 'end-session');
    await v.keyboard.press('Enter');
    await v.locator('[data-testid="end-panel"]').waitFor();
    expect(await focused(v)).toBe('rating-5');
    await v.keyboard.press('ArrowLeft'); // radios: arrows choose
    expect(await focused(v)).toBe('rating-4');
    expect(await v.locator('[data-testid="rating-4"]').isChecked()).toBe(true);
    // Escape closes and gives focus back; reopening keeps the choice.
    await v.keyboard.press('Escape');
    await v.locator('[data-testid="end-panel"]').waitFor({ state: 'hidden' });
    expect(await focused(v)).toBe('end-session');
    await v.keyboard.press('Enter');
    expect(await focused(v)).toBe('rating-4');
    await tabTo(v, 'end-confirm');
    await v.keyboard.press('Enter');
    await v.locator('[data-testid="end-screen"]').waitFor();
    expect(await v.locator('[data-testid="rating-thanks"]').textContent()).toContain('4 out of 5');
    const sid = new URL(v.url()).pathname.split('/').pop()!;
    await expect.poll(() => t.gw.store.session(sid)?.rating).toBe(4);

    await Promise.all([v.context().close(), v2.context().close(), actx.close()]);
  });
});
