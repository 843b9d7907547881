// Routing paths in real browsers, where contact-centre products' bugs cluster: an unanswered offer
// rings out and moves to the second agent; an agent who drops is replaced by another agent who sees
// the whole chat history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';

let t: TestGateway;
let browser: Browser;

beforeAll(async () => {
  t = await startTestGateway({ routingMode: 'auto', ringTimeoutSeconds: 2, agentGraceSeconds: 1, maxMissedOffers: 5 }, { demo: true });
  await t.gw.auth.createAgent({ email: 'ann@demo.test', password: 'ann-pass-123', name: 'Ann' });
  await t.gw.auth.createAgent({ email: 'bob@demo.test', password: 'bob-pass-123', name: 'Bob' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function agentPage(email: string, password: string) {
  const ctx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${t.gw.url}/agent/`);
  await page.fill('[data-testid="login-email"]', email);
  await page.fill('[data-testid="login-password"]', password);
  await page.click('[data-testid="login-submit"]');
  await page.locator('[data-testid="queue-list"]').waitFor();
  return { ctx, page };
}

const ringing = (p: Page) => p.locator('[data-testid="queue-item"] [data-testid="accept"]:enabled').count();

describe('routing in the consoles', () => {
  it('moves an unanswered offer to the next agent, and re-queues a dropped agent’s visitor with history', async () => {
    const ann = await agentPage('ann@demo.test', 'ann-pass-123');
    const bob = await agentPage('bob@demo.test', 'bob-pass-123');
    const vctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const visitor = await vctx.newPage();
    await visitor.goto(`${t.demoUrl}/`);
    await visitor.click('[data-testid="talk-to-agent"]');
    await visitor.waitForURL(/\/v\//);

    // The offer rings at exactly one agent.
    await expect.poll(async () => (await ringing(ann.page)) + (await ringing(bob.page)), { timeout: 10_000 }).toBe(1);
    const first = (await ringing(ann.page)) ? ann : bob;
    const second = first === ann ? bob : ann;
    expect(await ringing(second.page)).toBe(0);
    // Nobody answers: after the ring timeout it moves to the other agent.
    await expect.poll(() => ringing(second.page), { timeout: 10_000 }).toBe(1);
    expect(await ringing(first.page)).toBe(0);
    await second.page.click('[data-testid="queue-item"] [data-testid="accept"]');
    const secondName = second === ann ? 'Ann' : 'Bob';
    await expect.poll(() => visitor.textContent('[data-testid="chat-log"]')).toContain(`${secondName} joined`);

    await visitor.fill('[data-testid="chat-input"]', 'My order number is 1234');
    await visitor.click('[data-testid="chat-send"]');
    await expect.poll(() => second.page.textContent('[data-testid="chat-log"]')).toContain('My order number is 1234');

    // The agent's browser goes away; after the grace period the visitor goes back to the queue head
    // and the other agent gets them, with the history.
    await second.ctx.close();
    await expect.poll(() => visitor.textContent('[data-testid="chat-log"]'), { timeout: 10_000 }).toMatch(/lost their connection/);
    await expect.poll(() => ringing(first.page), { timeout: 15_000 }).toBe(1);
    await first.page.click('[data-testid="queue-item"] [data-testid="accept"]');
    const firstName = first === ann ? 'Ann' : 'Bob';
    await expect.poll(() => visitor.textContent('[data-testid="chat-log"]')).toContain(`${firstName} joined`);
    await expect.poll(() => first.page.textContent('[data-testid="chat-log"]')).toContain('My order number is 1234');
    await vctx.close();
    await first.ctx.close();
  });
});
