// The whole product in real browsers: the visitor clicks the demo shop's link, waits in the queue,
// an agent logs in, is alerted, accepts, they chat, the agent leads the visitor through proxied
// pages, scroll follows the leader, and the session ends. Two browser contexts: two parties.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page, Frame } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { coFrame } from '../helpers/cobrowse.ts';

let t: TestGateway;
let browser: Browser;
const shots = 'test-results/screenshots';

beforeAll(async () => {
  mkdirSync(shots, { recursive: true });
  t = await startTestGateway({ routingMode: 'auto' }, { demo: true });
  await t.gw.auth.createAgent({ email: 'agent@demo.test', password: 'demo-agent-pass', name: 'Dana' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});


/** id of the element at the top of the frame's viewport (what "the same content" means). */
const topAnchor = (f: Frame) =>
  f.evaluate(() => {
    const el = document.elementFromPoint(window.innerWidth / 2, 10);
    return el?.closest('[id]')?.id ?? null;
  });

describe('visitor and agent in real browsers', () => {
  it('runs the whole flow', async () => {
    const vctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const actx = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const visitor = await vctx.newPage();
    const agent = await actx.newPage();

    // 1-2. The visitor clicks the hyperlink on the demo shop and lands in the queue.
    await visitor.goto(`${t.demoUrl}/products`);
    await visitor.click('[data-testid="talk-to-agent"]');
    await visitor.waitForURL(/\/v\/[A-Za-z0-9_-]{22}$/);
    await expect.poll(() => visitor.textContent('[data-testid="queue-position"]')).toMatch(/\b1\b/);
    // The page they came from is shown through the proxy.
    const entryFrame = await coFrame(visitor, /^\/products$/);
    expect(await entryFrame.textContent('body')).toContain('Products');

    // 3. The agent logs in.
    await agent.goto(`${t.gw.url}/agent/`);
    await agent.fill('[data-testid="login-email"]', 'agent@demo.test');
    await agent.fill('[data-testid="login-password"]', 'demo-agent-pass');
    await agent.click('[data-testid="login-submit"]');

    // 4. …is told of the request in real time and accepts.
    const item = agent.locator('[data-testid="queue-item"]');
    await item.first().waitFor({ timeout: 10_000 });
    await agent.click('[data-testid="accept"]');
    await expect.poll(() => visitor.textContent('[data-testid="chat-log"]')).toMatch(/Dana joined/);
    await expect.poll(() => agent.locator('[data-testid="queue-item"]').count()).toBe(0);

    // 5. Chat both ways.
    await visitor.fill('[data-testid="chat-input"]', 'Hi! Which mug is best?');
    await visitor.click('[data-testid="chat-send"]');
    await expect.poll(() => agent.textContent('[data-testid="chat-log"]')).toContain('Hi! Which mug is best?');
    await agent.fill('[data-testid="chat-input"]', 'Let me show you our favourite.');
    await agent.click('[data-testid="chat-send"]');
    await expect.poll(() => visitor.textContent('[data-testid="chat-log"]')).toContain('Let me show you our favourite.');

    // History is replayed after a reload, each message once.
    await visitor.reload();
    await expect.poll(() => visitor.textContent('[data-testid="chat-log"]')).toContain('Let me show you our favourite.');
    const texts = await visitor.locator('[data-testid="chat-message"]').allTextContents();
    expect(texts.filter((x) => x.includes('Hi! Which mug is best?'))).toHaveLength(1);
    expect(texts.filter((x) => x.includes('Let me show you our favourite.'))).toHaveLength(1);
    await coFrame(visitor, /^\/products$/);

    // 6. The agent leads to another page; both frames show it.
    await agent.fill('[data-testid="lead-url"]', `${t.demoUrl}/long`);
    await agent.click('[data-testid="lead-go"]');
    const vLong = await coFrame(visitor, /^\/long$/);
    const aLong = await coFrame(agent, /^\/long$/);
    // Each overlay knows its party from the first script on (the agent's copy sends no data).
    expect(await vLong.evaluate(() => window.name)).toBe('cb-visitor');
    expect(await aLong.evaluate(() => window.name)).toBe('cb-agent');
    expect(await aLong.evaluate(() => fetch('/cart/add', { method: 'POST' }).then(() => 'sent', (e) => String(e)))).toMatch(/does not send data/);
    expect(new URL(vLong.url()).pathname).toBe(new URL(aLong.url()).pathname);
    expect(await vLong.textContent('h1')).toBe(await aLong.textContent('h1'));

    // 7. The visitor scrolls; the agent's view follows to the same content.
    await vLong.evaluate(() => window.scrollTo(0, 2600));
    const vAnchor = await expect.poll(() => topAnchor(vLong)).not.toBeNull().then(() => topAnchor(vLong));
    await expect.poll(() => topAnchor(aLong), { timeout: 10_000 }).toBe(vAnchor);

    // The site's own "Talk to a live agent" link does nothing inside the session (no chat in a chat).
    await vLong.click('[data-testid="talk-to-agent"]');
    await visitor.waitForTimeout(300);
    expect(new URL(vLong.url()).pathname).toBe('/long');
    expect(visitor.url()).toMatch(/\/v\/[A-Za-z0-9_-]{22}$/);

    // Links the visitor clicks move the agent's view too.
    await vLong.evaluate(() => window.scrollTo(0, 0));
    await vLong.click('a[href$="/cart"]');
    await coFrame(agent, /^\/cart$/);

    // The agent leads again; the visitor follows.
    await agent.fill('[data-testid="lead-url"]', `${t.demoUrl}/contact`);
    await agent.click('[data-testid="lead-go"]');
    const vContact = await coFrame(visitor, /^\/contact$/);
    expect(await vContact.textContent('body')).toMatch(/contact/i);

    await visitor.screenshot({ path: `${shots}/visitor-shell.png` });
    await agent.screenshot({ path: `${shots}/agent-console.png` });

    // 8. End: the transcript keeps messages and pages.
    await agent.click('[data-testid="end-session"]');
    await expect.poll(() => visitor.textContent('body')).toMatch(/ended/i);
    const sid = new URL(visitor.url()).pathname.split('/').pop()!;
    const s = t.gw.store.session(sid)!;
    expect(s.state).toBe('ended');
    const events = t.gw.store.eventsAfter(sid, 0);
    expect(events.filter((e) => e.kind === 'chat').map((e) => e.text)).toEqual(['Hi! Which mug is best?', 'Let me show you our favourite.']);
    const pages = events.filter((e) => e.kind === 'nav').map((e) => new URL(e.url!).pathname);
    expect(pages).toEqual(expect.arrayContaining(['/products', '/long', '/cart', '/contact']));
    await vctx.close();
    await actx.close();
  });
});
