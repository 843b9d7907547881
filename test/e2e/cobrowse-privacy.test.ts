// Privacy and consent in real browsers. Masking is checked at the wire: every WebSocket frame both
// browsers send or receive is recorded while the visitor types a password, a card number and a
// `data-cb-mask` field, and no secret may appear in any of them nor in any stored event. Remote
// control needs the visitor's consent (refused by the gateway before it, revocable), and a visitor
// who stops sharing sends nothing about the page while the chat goes on — also after a reload.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Frame } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import type { Peer } from '../helpers/ws-peer.ts';
import {
  SYNC_TYPES,
  accept,
  agentSocket,
  coFrame,
  elementPath,
  lead,
  ofType,
  openConsole,
  openVisitor,
  screenshot,
  settle,
  topBlock,
  type Party,
} from '../helpers/cobrowse.ts';

let t: TestGateway;
let browser: Browser;

beforeAll(async () => {
  t = await startTestGateway({ routingMode: 'manual' }, { demo: true });
  await t.gw.auth.createAgent({ email: 'pia@demo.test', password: 'pia-pass-123', name: 'Pia' });
  await t.gw.auth.createAgent({ email: 'carl@demo.test', password: 'carl-pass-123', name: 'Carl' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const value = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).value);
const checked = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).checked);

describe('masking', () => {
  it('never puts a masked value on the wire or in the store; the agent sees a placeholder', async () => {
    const agent = await openConsole(browser, t, 'pia@demo.test', 'pia-pass-123');
    const visitor = await openVisitor(browser, t, '/contact');
    try {
      await accept(agent, visitor, 'Pia');
      await visitor.page.click('[data-testid="chat-minimise"]');
      const vf = await coFrame(visitor.page, /^\/contact$/);
      const af = await coFrame(agent.page, /^\/contact$/);

      // A field masked only by an ancestor's data-cb-mask, added the way a site would mark its own.
      const addField = (f: Frame) =>
        f.evaluate(() => {
          const div = document.createElement('div');
          div.setAttribute('data-cb-mask', '');
          div.innerHTML = '<label for="iban">IBAN</label><input id="iban" name="iban" type="text">';
          document.querySelector('[data-testid="contact-form"]')!.prepend(div);
        });
      await addField(vf);
      await addField(af);

      const secrets = {
        password: 'Hunter2-Sup3r-Secret',
        card: '4111 1111 1111 1111',
        orderRef: 'ORD-PRIVATE-770011',
        iban: 'DE89370400440532013000',
        shown: 'Shown-Too-Secret-99',
      };
      await vf.locator('#password').pressSequentially(secrets.password, { delay: 5 });
      await vf.locator('#card').pressSequentially(secrets.card, { delay: 5 });
      await vf.locator('#order-ref').pressSequentially(secrets.orderRef, { delay: 5 });
      await vf.locator('#iban').pressSequentially(secrets.iban, { delay: 5 });
      // A "show password" toggle turns the field into text: still masked.
      await vf.evaluate(() => document.querySelector('#password')!.setAttribute('type', 'text'));
      await vf.locator('#password').pressSequentially(secrets.shown, { delay: 5 });
      // A plain field, as a control: it does reach the agent (so frames were flowing all along).
      await vf.locator('#name').pressSequentially('Vera Visible', { delay: 5 });
      await expect.poll(() => value(af, '#name'), { timeout: 10_000 }).toBe('Vera Visible');
      await settle([visitor.ws, agent.ws], ['form', 'focus', 'pointer', 'scroll']);

      // The agent's copy shows that the visitor typed, not what.
      for (const sel of ['#password', '#card', '#order-ref', '#iban']) {
        await expect.poll(() => af.$eval(sel, (el) => (el as HTMLInputElement).placeholder), { timeout: 10_000 }).toBe('•••• (masked)');
        expect(await value(af, sel)).toBe('');
        expect(await af.$eval(sel, (el) => el.hasAttribute('data-cb-masked-remote'))).toBe(true);
      }
      // The visitor's own page keeps the values.
      expect(await value(vf, '#card')).toBe(secrets.card);

      // Masked edits crossed the wire as "masked" with no value key at all.
      const masked = ofType(visitor.ws, 'form', 'sent').filter((r) => (r.frame as { masked?: boolean }).masked);
      expect(masked.length).toBeGreaterThanOrEqual(4);
      for (const r of masked) expect(Object.keys(r.frame!)).not.toContain('value');

      // No secret — nor a telling piece of one — in any frame either browser sent or received,
      // in the stored events, or in the agent's page.
      const wire = [...visitor.ws, ...agent.ws].map((r) => r.text).join('\n');
      const store = JSON.stringify(t.gw.store.eventsAfter(visitor.sid, 0));
      const agentHtml = await af.evaluate(() => document.documentElement.outerHTML + Array.from(document.querySelectorAll('input')).map((i) => i.value).join('|'));
      expect(visitor.ws.length).toBeGreaterThan(10);
      expect(agent.ws.length).toBeGreaterThan(10);
      for (const s of [...Object.values(secrets), '4111111111111111', 'Hunter2', 'PRIVATE-770011', '0532013000']) {
        expect(wire, `"${s}" on the wire`).not.toContain(s);
        expect(store, `"${s}" in the store`).not.toContain(s);
        expect(agentHtml, `"${s}" in the agent's frame`).not.toContain(s);
      }
      await screenshot(visitor.page, 'privacy-visitor-390.png');
      await screenshot(agent.page, 'privacy-agent-1440.png');
    } finally {
      await visitor.ctx.close();
      await agent.ctx.close();
    }
  });
});

describe('consent covers the agent’s own copy of the page', () => {
  it('does not let the agent change the visitor’s session by submitting a form in its copy without consent', async () => {
    const agent = await openConsole(browser, t, 'pia@demo.test', 'pia-pass-123');
    const visitor = await openVisitor(browser, t, '/products/aurora-desk-lamp');
    try {
      await accept(agent, visitor, 'Pia');
      await coFrame(visitor.page, /^\/products\/aurora-desk-lamp$/);
      const af = await coFrame(agent.page, /^\/products\/aurora-desk-lamp$/);
      expect(await agent.page.getAttribute('[data-testid="control-state"]', 'data-state', { timeout: 500 }).catch(() => null)).not.toBe('granted');
      // The agent clicks "Add to cart" in its own copy. Both copies share the session's cookie jar
      // at the proxy, so a submitted form would act on the visitor's real session.
      await af.click('[data-testid="add-to-cart"]');
      await agent.page.waitForTimeout(1500);
      // The visitor's cart, as the visitor's own browser sees it through the proxy, stays empty.
      const vf = await coFrame(visitor.page, /./);
      const cart = await vf.evaluate(async () => {
        const html = await (await fetch('/cart', { credentials: 'include' })).text();
        return (html.match(/data-testid="cart-line"/g) ?? []).length;
      });
      expect(cart, 'cart lines added by the agent without consent').toBe(0);
    } finally {
      await visitor.ctx.close();
      await agent.ctx.close();
    }
  });
});

describe('remote control and sharing', () => {
  let agent: Party;
  let visitor: Party & { sid: string };
  let peer: Peer;

  beforeAll(async () => {
    agent = await openConsole(browser, t, 'carl@demo.test', 'carl-pass-123');
    visitor = await openVisitor(browser, t, '/contact');
    await accept(agent, visitor, 'Carl');
    await visitor.page.click('[data-testid="chat-minimise"]');
    // The console has no UI to act in the visitor's page: a second socket of the same agent sends `act`.
    peer = await agentSocket(t, 'carl@demo.test', 'carl-pass-123');
    await peer.waitFor('session', (f) => f.session.sessionId === visitor.sid && f.session.state === 'active');
  });
  afterAll(async () => {
    peer?.close();
    await visitor?.ctx.close();
    await agent?.ctx.close();
  });

  /** The console's control state as it shows it (none, requested, granted, denied, revoked). */
  const controlState = () => agent.page.getAttribute('[data-testid="control-state"]', 'data-state', { timeout: 2000 }).catch(() => null);

  /** Sends an act and waits for the gateway's verdict: the error frame it answers with, or null. */
  async function act(path: string, action: 'click' | 'input', v?: string): Promise<string | null> {
    const n = peer.frames.length;
    peer.send({ type: 'act', sessionId: visitor.sid, path, action, ...(v !== undefined ? { value: v } : {}) });
    // A ping after it: its pong proves the act was handled (frames are handled in order).
    peer.send({ type: 'ping', t: n });
    await peer.waitFor('pong', (f) => f.t === n);
    const err = peer.frames.slice(n).find((f) => f.type === 'error');
    return err && err.type === 'error' ? err.code : null;
  }

  it('needs the visitor’s consent: refused before, works after allow, stops after revoke', async () => {
    const vf = await coFrame(visitor.page, /^\/contact$/);
    const af = await coFrame(agent.page, /^\/contact$/);

    // Before any consent: the gateway refuses, the page is untouched.
    expect(await act('#message', 'input', 'typed without consent')).toBe('CB_ERR_NOT_ALLOWED');
    expect(await act('#newsletter', 'click')).toBe('CB_ERR_NOT_ALLOWED');
    await visitor.page.waitForTimeout(300);
    expect(await value(vf, '#message')).toBe('');
    expect(await checked(vf, '#newsletter')).toBe(false);

    // The agent asks; the visitor says no first.
    await agent.page.click('[data-testid="request-control"]');
    await visitor.page.locator('[data-testid="consent-dialog"]').waitFor();
    await visitor.page.click('[data-testid="consent-deny"]');
    await expect.poll(() => controlState()).toBe('denied');
    expect(await act('#message', 'input', 'typed after deny')).toBe('CB_ERR_NOT_ALLOWED');

    // Asks again; the visitor allows.
    await agent.page.click('[data-testid="request-control"]');
    await visitor.page.locator('[data-testid="consent-dialog"]').waitFor();
    await visitor.page.click('[data-testid="consent-allow"]');
    await visitor.page.locator('[data-testid="control-banner"]').waitFor();
    await expect.poll(() => controlState()).toBe('granted');

    // Now the agent types and clicks in the visitor's page; the agent's copy mirrors the result.
    expect(await act('#message', 'input', 'Typed by the agent')).toBeNull();
    expect(await act('#newsletter', 'click')).toBeNull();
    await expect.poll(() => value(vf, '#message')).toBe('Typed by the agent');
    await expect.poll(() => checked(vf, '#newsletter')).toBe(true);
    await expect.poll(() => value(af, '#message')).toBe('Typed by the agent');
    await expect.poll(() => checked(af, '#newsletter')).toBe(true);
    // A masked field is never written from outside, even with control.
    expect(await act('#password', 'input', 'set-by-agent')).toBeNull();
    await visitor.page.waitForTimeout(300);
    expect(await value(vf, '#password')).toBe('');

    // A button: "Add to cart" on a product page takes the visitor to the cart, and the agent follows.
    await lead(agent, `${t.demoUrl}/products/aurora-desk-lamp`);
    const vProduct = await coFrame(visitor.page, /^\/products\/aurora-desk-lamp$/);
    const button = await elementPath(vProduct, '[data-testid="add-to-cart"]');
    expect(await act(button, 'click')).toBeNull();
    const vCart = await coFrame(visitor.page, /^\/cart$/);
    expect(await vCart.locator('[data-testid="cart-line"]').count()).toBe(1);
    await coFrame(agent.page, /^\/cart$/);

    // The visitor takes control back: refused again.
    await visitor.page.click('[data-testid="control-revoke"]');
    await expect.poll(() => controlState()).toBe('revoked');
    expect(await visitor.page.locator('[data-testid="control-banner"]').isVisible()).toBe(false);
    await lead(agent, `${t.demoUrl}/contact`);
    const vContact = await coFrame(visitor.page, /^\/contact$/);
    expect(await act('#message', 'input', 'typed after revoke')).toBe('CB_ERR_NOT_ALLOWED');
    await visitor.page.waitForTimeout(300);
    expect(await value(vContact, '#message')).not.toBe('typed after revoke');
  });

  it('stops every page frame while sharing is paused (also after a reload); chat continues', async () => {
    await lead(agent, `${t.demoUrl}/long`);
    let vf = await coFrame(visitor.page, /^\/long$/);
    const af = await coFrame(agent.page, /^\/long$/);

    await visitor.page.click('[data-testid="chat-launcher"]');
    await visitor.page.click('[data-testid="stop-sharing"]');
    await agent.page.locator('[data-testid="sharing-paused"]').waitFor();
    await visitor.page.locator('[data-testid="sharing-paused"]').waitFor();
    await visitor.page.click('[data-testid="chat-minimise"]');
    await settle([visitor.ws, agent.ws], SYNC_TYPES);
    const from = { v: visitor.ws.length, a: agent.ws.length };

    // The visitor scrolls, points, clicks into a field and types: nothing about the page leaves.
    const agentTopBefore = await topBlock(af);
    await vf.evaluate(() => window.scrollTo({ top: 3000, behavior: 'instant' }));
    await visitor.page.mouse.move(80, 200);
    await visitor.page.mouse.move(160, 300, { steps: 5 });
    await vf.evaluate(() => {
      location.hash = '#section-4';
    });
    await visitor.page.waitForTimeout(800);
    const paused = () => [...ofType(visitor.ws.slice(from.v), SYNC_TYPES, 'sent'), ...ofType(agent.ws.slice(from.a), SYNC_TYPES, 'received')];
    expect(paused().map((r) => r.text)).toEqual([]);
    expect(await topBlock(af)).toEqual(agentTopBefore);

    // Chat goes on both ways.
    await visitor.page.click('[data-testid="chat-launcher"]');
    await visitor.page.fill('[data-testid="chat-input"]', 'Paused for a moment');
    await visitor.page.click('[data-testid="chat-send"]');
    await expect.poll(() => agent.page.textContent('[data-testid="chat-log"]')).toContain('Paused for a moment');
    await agent.page.fill('[data-testid="chat-input"]', 'No problem, I am here.');
    await agent.page.click('[data-testid="chat-send"]');
    await expect.poll(() => visitor.page.textContent('[data-testid="chat-log"]')).toContain('No problem, I am here.');

    // A reload keeps sharing paused: the shell restores it from the session, and still sends nothing.
    await visitor.page.reload();
    await visitor.page.locator('[data-testid="sharing-paused"]').waitFor();
    await expect.poll(() => visitor.page.getAttribute('[data-testid="stop-sharing"]', 'aria-pressed')).toBe('true');
    vf = await coFrame(visitor.page, /^\/long/);
    await vf.evaluate(() => window.scrollTo({ top: 1500, behavior: 'instant' }));
    await visitor.page.waitForTimeout(800);
    expect(paused().map((r) => r.text)).toEqual([]);
    expect(await agent.page.locator('[data-testid="sharing-paused"]').isVisible()).toBe(true);

    // Resume: the agent's view comes back and follows again.
    await visitor.page.click('[data-testid="stop-sharing"]');
    await expect.poll(() => agent.page.locator('[data-testid="sharing-paused"]').count()).toBe(0);
    await vf.evaluate(() => {
      const el = document.querySelector('#section-20 p:nth-of-type(1)')!;
      window.scrollTo({ top: el.getBoundingClientRect().top + window.scrollY + 6, behavior: 'instant' });
    });
    await expect.poll(async () => (await topBlock(af))?.key, { timeout: 10_000 }).toMatch(/^p\|Entry 20\.1:/);
  });
});
