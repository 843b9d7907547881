// Every kind of co-browse sync in real browsers, between a visitor on a phone-sized viewport
// (390×844, the real shell) and an agent on a desktop (1440×900, the real console): page URL
// (links, pushState routes, hash changes), the agent driving the visitor's history, window and
// inner-box scrolling landing on the same element (also when the two copies are laid out at
// different widths, and across a phone rotation), the remote pointer, form state both ways with
// focus, the agent's drawing on the visitor's page, no feedback loops, and an agent catching up
// with a visitor who is mid-page (on joining, and after the visitor reloads). Screenshots of both
// consoles are saved to test-results/screenshots/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Frame } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import {
  accept,
  coFrame,
  docRect,
  innerTopBlock,
  layerState,
  lead,
  ofType,
  openConsole,
  openVisitor,
  screenshot,
  settle,
  topBlock,
  where,
  type Party,
} from '../helpers/cobrowse.ts';

let t: TestGateway;
let browser: Browser;
let visitor: Party & { sid: string };
let agent: Party;

beforeAll(async () => {
  t = await startTestGateway({ routingMode: 'manual' }, { demo: true });
  await t.gw.auth.createAgent({ email: 'sam@demo.test', password: 'sam-pass-123', name: 'Sam' });
  await t.gw.auth.createAgent({ email: 'jo@demo.test', password: 'jo-pass-123', name: 'Jo' });
  browser = await launchBrowser();
  agent = await openConsole(browser, t, 'sam@demo.test', 'sam-pass-123');
  visitor = await openVisitor(browser, t, '/products');
  await accept(agent, visitor, 'Sam');
  // The phone's chat sheet covers the lower half of the page: minimise it, as a visitor would to browse.
  await visitor.page.click('[data-testid="chat-minimise"]');
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

const frames = async (vPath: RegExp, aPath = vPath): Promise<[Frame, Frame]> => [await coFrame(visitor.page, vPath), await coFrame(agent.page, aPath)];
const value = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).value);
const checked = (f: Frame, sel: string) => f.$eval(sel, (el) => (el as HTMLInputElement).checked);

/** Scrolls the window so `selector`'s top is `into` px above the viewport top. */
const scrollWindowTo = (f: Frame, selector: string, into: number) =>
  f.evaluate(
    ([sel, px]) => {
      const el = document.querySelector(sel as string)!;
      window.scrollTo({ top: el.getBoundingClientRect().top + window.scrollY + (px as number), behavior: 'instant' });
    },
    [selector, into],
  );

describe('co-browse sync between a 390×844 visitor and a 1440×900 agent', () => {
  it('follows links, pushState routes and hash changes', async () => {
    let [vf] = await frames(/^\/products$/);

    // An SPA-style route change inside the page: the agent's frame follows to the new URL.
    await vf.evaluate(() => history.pushState({}, '', '/products?sort=price'));
    const af = await coFrame(agent.page, /^\/products\?sort=price$/);
    expect(where(af)).toBe('/products?sort=price');

    // A plain link the visitor clicks.
    const href = await vf.getAttribute('a[href^="/products/"]', 'href');
    await vf.click(`a[href="${href}"]`);
    await frames(new RegExp(`^${href}$`));

    // A hash change on the long page.
    await lead(agent, `${t.demoUrl}/long`);
    [vf] = await frames(/^\/long$/);
    await vf.evaluate(() => {
      location.hash = '#section-3';
    });
    const aHash = await coFrame(agent.page, /^\/long#section-3$/);
    expect(where(aHash)).toBe('/long#section-3');
  });

  it('lets the agent drive the visitor’s back and forward; the agent’s frame follows', async () => {
    await lead(agent, `${t.demoUrl}/products`);
    const [vf] = await frames(/^\/products$/);
    const href = (await vf.getAttribute('a[href^="/products/"]', 'href'))!;
    await vf.click(`a[href="${href}"]`);
    await frames(new RegExp(`^${href}$`));

    await agent.page.click('[data-testid="history-back"]');
    const [vBack, aBack] = await frames(/^\/products$/);
    expect([where(vBack), where(aBack)]).toEqual(['/products', '/products']);

    await agent.page.click('[data-testid="history-forward"]');
    const [vFwd, aFwd] = await frames(new RegExp(`^${href}$`));
    expect([where(vFwd), where(aFwd)]).toEqual([href, href]);
  });

  it('scrolls the window and the inner #terms-box to the same element both ways, without echo', async () => {
    await lead(agent, `${t.demoUrl}/long`);
    const [vf, af] = await frames(/^\/long$/);
    await settle([visitor.ws, agent.ws], ['scroll']);

    // Visitor scrolls the window: 12 px into the second paragraph of section 9.
    const before = { v: visitor.ws.length, a: agent.ws.length };
    await scrollWindowTo(vf, '#section-9 p:nth-of-type(2)', 12);
    const vTop = (await topBlock(vf))!;
    expect(vTop.key).toMatch(/^p\|Entry 9\.2:/);
    await expect.poll(async () => (await topBlock(af))?.key, { timeout: 10_000 }).toBe(vTop.key);
    expect(Math.abs((await topBlock(af))!.ratio - vTop.ratio)).toBeLessThan(0.1);

    // Inner scroll box: bring it into view, then scroll it to 5 px into "Term 7".
    await scrollWindowTo(vf, '#terms-box', -60);
    await expect.poll(async () => (await topBlock(af))?.key, { timeout: 10_000 }).toBe((await topBlock(vf))!.key);
    await vf.evaluate(() => {
      const box = document.querySelector('#terms-box')!;
      const term = document.querySelector('#term-7')!;
      box.scrollTop += term.getBoundingClientRect().top - (box.getBoundingClientRect().top + box.clientTop) + 5;
    });
    const vInner = (await innerTopBlock(vf, '#terms-box'))!;
    expect(vInner.key).toBe('h3|Term 7');
    await expect.poll(async () => (await innerTopBlock(af, '#terms-box'))?.key, { timeout: 10_000 }).toBe('h3|Term 7');

    // The agent never sent a scroll back while following the visitor.
    await settle([visitor.ws, agent.ws], ['scroll']);
    expect(ofType(agent.ws.slice(before.a), 'scroll', 'sent')).toHaveLength(0);
    expect(ofType(visitor.ws.slice(before.v), 'scroll', 'sent').length).toBeGreaterThan(0);

    // The other way: the agent scrolls, the visitor's page follows, and the visitor sends nothing back.
    const before2 = { v: visitor.ws.length, a: agent.ws.length };
    await scrollWindowTo(af, '#section-15 p:nth-of-type(1)', 8);
    const aTop = (await topBlock(af))!;
    expect(aTop.key).toMatch(/^p\|Entry 15\.1:/);
    await expect.poll(async () => (await topBlock(vf))?.key, { timeout: 10_000 }).toBe(aTop.key);
    await settle([visitor.ws, agent.ws], ['scroll']);
    expect(ofType(visitor.ws.slice(before2.v), 'scroll', 'sent')).toHaveLength(0);
    expect(ofType(agent.ws.slice(before2.a), 'scroll', 'sent').length).toBeGreaterThan(0);

    // No feedback loop: once settled, not one scroll frame crosses in a whole second.
    const quiet = { v: visitor.ws.length, a: agent.ws.length };
    await visitor.page.waitForTimeout(1000);
    expect(ofType(visitor.ws.slice(quiet.v), 'scroll')).toHaveLength(0);
    expect(ofType(agent.ws.slice(quiet.a), 'scroll')).toHaveLength(0);
    expect((await topBlock(vf))!.key).toBe((await topBlock(af))!.key);

    await screenshot(visitor.page, 'sync-visitor-390.png');
    await screenshot(agent.page, 'sync-agent-1440.png');
  });

  it('lands on the same element when the two frames are laid out at different widths', async () => {
    // The console lays its frame out at the visitor's size once it knows it; before that (or in a
    // console that does not) the agent's copy has its own width. Reproduce that: 1000 px wide.
    await lead(agent, `${t.demoUrl}/long`);
    const [vf, af] = await frames(/^\/long$/);
    // Start from the top (window and box), so re-laying the agent's copy out moves nothing by
    // itself (that case is the rotation test's).
    await vf.evaluate(() => {
      document.querySelector('#terms-box')!.scrollTop = 0;
      window.scrollTo({ top: 0, behavior: 'instant' });
    });
    await expect.poll(() => af.evaluate(() => [scrollY, document.querySelector('#terms-box')!.scrollTop]), { timeout: 10_000 }).toEqual([0, 0]);
    await settle([visitor.ws, agent.ws], ['scroll']);
    const frameEl = agent.page.locator('[data-testid="cobrowse-frame"]');
    await frameEl.evaluate((el: HTMLElement) => {
      for (const [k, v] of [['width', '1000px'], ['height', '700px'], ['transform', 'none']]) el.style.setProperty(k, v, 'important');
    });
    try {
      await expect.poll(() => af.evaluate(() => innerWidth)).toBe(1000);
      expect(await vf.evaluate(() => innerWidth)).toBe(390);

      await scrollWindowTo(vf, '#section-11 p:nth-of-type(3)', 20);
      const vTop = (await topBlock(vf))!;
      expect(vTop.key).toMatch(/^p\|Entry 11\.3:/);
      await expect.poll(async () => (await topBlock(af))?.key, { timeout: 10_000 }).toBe(vTop.key);
      expect(Math.abs((await topBlock(af))!.ratio - vTop.ratio)).toBeLessThan(0.1);

      // The inner box wraps differently at each width; the same term still comes first.
      await scrollWindowTo(vf, '#terms-box', -40);
      await expect.poll(async () => (await topBlock(af))?.key, { timeout: 10_000 }).toBe((await topBlock(vf))!.key);
      await vf.evaluate(() => {
        const box = document.querySelector('#terms-box')!;
        const term = document.querySelector('#term-10')!;
        box.scrollTop += term.getBoundingClientRect().top - (box.getBoundingClientRect().top + box.clientTop) + 4;
      });
      expect((await innerTopBlock(vf, '#terms-box'))!.key).toBe('h3|Term 10');
      await expect.poll(async () => (await innerTopBlock(af, '#terms-box'))?.key, { timeout: 10_000 }).toBe('h3|Term 10');
      await screenshot(agent.page, 'sync-agent-1440-own-width.png');
    } finally {
      await frameEl.evaluate((el: HTMLElement) => ['width', 'height', 'transform'].forEach((k) => el.style.removeProperty(k)));
    }
  });

  it('keeps both on the same element when the visitor rotates the phone', async () => {
    await lead(agent, `${t.demoUrl}/long`);
    const [vf, af] = await frames(/^\/long$/);
    // The terms box scrolled to "Term 4", the window further down at section 12.
    await scrollWindowTo(vf, '#terms-box', -40);
    await vf.evaluate(() => {
      const box = document.querySelector('#terms-box')!;
      const term = document.querySelector('#term-4')!;
      box.scrollTop += term.getBoundingClientRect().top - (box.getBoundingClientRect().top + box.clientTop) + 3;
    });
    await expect.poll(async () => (await innerTopBlock(af, '#terms-box'))?.key, { timeout: 10_000 }).toBe('h3|Term 4');
    await scrollWindowTo(vf, '#section-12 p:nth-of-type(2)', 10);
    await expect.poll(async () => (await topBlock(af))?.key, { timeout: 10_000 }).toMatch(/^p\|Entry 12\.2:/);
    await settle([visitor.ws, agent.ws], ['scroll']);

    const from = { v: visitor.ws.length, a: agent.ws.length };
    await visitor.page.setViewportSize({ width: 844, height: 390 });
    try {
      // The console re-lays its frame out at the new size; after that both agree on the top element.
      await expect.poll(() => af.evaluate(() => innerWidth), { timeout: 10_000 }).toBe(844);
      await settle([visitor.ws, agent.ws], ['scroll', 'viewport']);
      const vTop = (await topBlock(vf))!;
      await expect.poll(async () => (await topBlock(af))?.key, { timeout: 5000 }).toBe(vTop.key);
      await expect.poll(async () => (await innerTopBlock(af, '#terms-box'))?.key, { timeout: 5000 }).toBe((await innerTopBlock(vf, '#terms-box'))?.key);
      // A layout change is not a scroll by the agent: the agent's frame never moves the visitor's
      // page (window or inner box) because the console re-laid it out.
      expect(ofType(agent.ws.slice(from.a), 'scroll', 'sent').map((r) => r.text)).toEqual([]);
    } finally {
      await visitor.page.setViewportSize({ width: 390, height: 844 });
    }
  });

  it('shows the visitor’s pointer in the agent’s frame on the same element', async () => {
    await lead(agent, `${t.demoUrl}/long`);
    const [vf, af] = await frames(/^\/long$/);
    await scrollWindowTo(vf, '#section-4 p:nth-of-type(1)', 0);
    // Move over the page in the visitor's shell (the frame fills the viewport).
    await visitor.page.mouse.move(60, 240);
    await visitor.page.mouse.move(120, 260, { steps: 6 });
    const key = await vf.evaluate(() => {
      const el = document.elementFromPoint(120, 260)!.closest('p, h2, h3, li, a')!;
      el.setAttribute('data-test-under-pointer', '');
      return (el.textContent ?? '').trim().slice(0, 48);
    });
    await af.evaluate((k) => {
      const el = Array.from(document.querySelectorAll('p, h2, h3, li, a')).find((e) => (e.textContent ?? '').trim().slice(0, 48) === k);
      el?.setAttribute('data-test-under-pointer', '');
    }, key);
    await expect.poll(async () => (await layerState(af)).cursor?.label, { timeout: 10_000 }).toBe('Visitor');
    const rect = (await docRect(af, '[data-test-under-pointer]'))!;
    expect(rect).not.toBeNull();
    await expect
      .poll(async () => {
        const c = (await layerState(af)).cursor!;
        return c.x >= rect.left - 2 && c.x <= rect.right + 2 && c.y >= rect.top - 2 && c.y <= rect.bottom + 2;
      })
      .toBe(true);
  });

  it('syncs form state both ways (text, textarea, select, checkbox, radio) and shows focus', async () => {
    await lead(agent, `${t.demoUrl}/contact`);
    const [vf, af] = await frames(/^\/contact$/);

    // Visitor → agent.
    await vf.fill('#name', 'Vera Visitor');
    await vf.fill('#message', 'Two mugs,\nboth blue.');
    await vf.selectOption('#topic', 'returns');
    await vf.check('#newsletter');
    await vf.check('[data-testid="reply-phone"]');
    await expect.poll(() => value(af, '#name')).toBe('Vera Visitor');
    await expect.poll(() => value(af, '#message')).toBe('Two mugs,\nboth blue.');
    await expect.poll(() => value(af, '#topic')).toBe('returns');
    await expect.poll(() => checked(af, '#newsletter')).toBe(true);
    await expect.poll(() => checked(af, '[data-testid="reply-phone"]')).toBe(true);
    expect(await checked(af, '[data-testid="reply-email"]')).toBe(false);

    // The visitor's focus is outlined around the same field for the agent.
    await vf.focus('#email');
    await expect.poll(async () => (await layerState(af)).focus?.label, { timeout: 10_000 }).toBe('Visitor');
    const emailRect = (await docRect(af, '#email'))!;
    const ring = (await layerState(af)).focus!;
    expect(Math.abs(ring.left - emailRect.left)).toBeLessThan(6);
    expect(Math.abs(ring.top - emailRect.top)).toBeLessThan(6);

    // Agent → visitor.
    await af.fill('#email', 'vera@example.test');
    await af.fill('#message', 'Agent: two blue mugs, one return label.');
    await af.selectOption('#topic', 'wholesale');
    await af.uncheck('#newsletter');
    await af.check('[data-testid="reply-email"]');
    await expect.poll(() => value(vf, '#email')).toBe('vera@example.test');
    await expect.poll(() => value(vf, '#message')).toBe('Agent: two blue mugs, one return label.');
    await expect.poll(() => value(vf, '#topic')).toBe('wholesale');
    await expect.poll(() => checked(vf, '#newsletter')).toBe(false);
    await expect.poll(() => checked(vf, '[data-testid="reply-email"]')).toBe(true);
    expect(await checked(vf, '[data-testid="reply-phone"]')).toBe(false);

    // The agent's focus shows on the visitor's page, labelled with the agent's name.
    await af.focus('#name');
    await expect.poll(async () => (await layerState(vf)).focus?.label, { timeout: 10_000 }).toBe('Sam');
  });

  it('draws the agent’s strokes (console drawing tool) on the visitor’s page, and clears them', async () => {
    await lead(agent, `${t.demoUrl}/long`);
    const [vf, af] = await frames(/^\/long$/);
    const from = { v: visitor.ws.length, a: agent.ws.length };
    await agent.page.click('[data-testid="tool-draw"]');
    expect(await agent.page.getAttribute('[data-testid="tool-draw"]', 'aria-pressed')).toBe('true');
    // The tool reaches the agent's frame by postMessage (another process): draw once it is on.
    await af.waitForFunction(() => !!document.querySelector('cb-overlay-layer')?.shadowRoot?.querySelector('[data-cb-draw-surface]'));
    const box = (await (await agent.page.$('[data-testid="cobrowse-frame"]'))!.boundingBox())!;
    await agent.page.mouse.move(box.x + 100, box.y + 120);
    await agent.page.mouse.down();
    await agent.page.mouse.move(box.x + 300, box.y + 220, { steps: 12 });
    await agent.page.mouse.up();

    // The stroke starts where the agent put the pen, as a fraction of the document (viewBox 0…1000).
    // The console may show the frame scaled (laid out at the visitor's size): undo the scale.
    const start = await af.evaluate((boxWidth) => {
      const k = innerWidth / boxWidth;
      const d = document.documentElement;
      const w = Math.max(d.scrollWidth, document.body.scrollWidth);
      const h = Math.max(d.scrollHeight, document.body.scrollHeight);
      return { x: ((100 * k + scrollX) / w) * 1000, y: ((120 * k + scrollY) / h) * 1000 };
    }, box.width);
    // The stroke leaves the console as `draw` frames, reaches the visitor's shell, and is drawn.
    await expect.poll(() => ofType(agent.ws.slice(from.a), 'draw', 'sent').length, { timeout: 5000 }).toBeGreaterThan(0);
    await expect.poll(() => ofType(visitor.ws.slice(from.v), 'draw', 'received').length, { timeout: 5000 }).toBeGreaterThan(0);
    await expect.poll(async () => (await layerState(vf)).lines.length, { timeout: 5000 }).toBeGreaterThan(0);
    const [x0, y0] = (await layerState(vf)).lines[0].split(' ')[0].split(',').map(Number);
    expect(Math.abs(x0 - start.x)).toBeLessThan(3);
    expect(Math.abs(y0 - start.y)).toBeLessThan(3);
    await screenshot(visitor.page, 'sync-visitor-390-drawing.png');

    await agent.page.click('[data-testid="tool-clear"]');
    await expect.poll(async () => (await layerState(vf)).lines).toEqual([]);
    await agent.page.click('[data-testid="tool-pointer"]');
  });

  it('highlights the element the agent picks on the visitor’s page, without the page acting on the click', async () => {
    await lead(agent, `${t.demoUrl}/long`);
    const [vf, af] = await frames(/^\/long$/);
    await agent.page.click('[data-testid="tool-highlight"]');
    expect(await agent.page.getAttribute('[data-testid="tool-highlight"]', 'aria-pressed')).toBe('true');
    // The tool reaches the agent's frame by postMessage: wait until clicks are intercepted.
    await expect
      .poll(async () => {
        await af.evaluate(() => document.querySelector('h1')!.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true })));
        return af.evaluate(() => document.querySelector('cb-overlay-layer')?.shadowRoot?.querySelectorAll('[data-cb-highlight]').length ?? 0);
      })
      .toBeGreaterThan(0);
    const picked = await af.evaluate(() => document.querySelector('cb-overlay-layer')!.shadowRoot!.querySelector('[data-cb-highlight]')!.getAttribute('data-cb-highlight'));
    // The visitor sees the same element outlined, labelled with who pointed it out.
    await expect
      .poll(() => vf.evaluate(() => document.querySelector('cb-overlay-layer')?.shadowRoot?.querySelector('[data-cb-highlight]')?.getAttribute('data-cb-highlight') ?? null))
      .toBe(picked);
    const onVisitor = await vf.evaluate((path) => {
      const box = document.querySelector('cb-overlay-layer')!.shadowRoot!.querySelector('[data-cb-highlight]') as HTMLElement;
      const h1 = document.querySelector('h1')!.getBoundingClientRect();
      const b = box.getBoundingClientRect();
      return { path, covers: b.left <= h1.left && b.top <= h1.top && b.right >= h1.right && b.bottom >= h1.bottom, label: box.textContent };
    }, picked);
    expect(onVisitor.covers).toBe(true);
    expect(onVisitor.label).toBeTruthy();
    // Clear removes it for both; the agent's page never navigated because of the click.
    expect(new URL(af.url()).pathname).toBe('/long');
    await agent.page.click('[data-testid="tool-clear"]');
    await expect.poll(() => vf.evaluate(() => document.querySelector('cb-overlay-layer')?.shadowRoot?.querySelectorAll('[data-cb-highlight]').length ?? 0)).toBe(0);
    await agent.page.click('[data-testid="tool-pointer"]');
  });
});

describe('catching up mid-page', () => {
  it('an agent who joins mid-page lands where the visitor is, with the form state; so after the visitor reloads', async () => {
    const v = await openVisitor(browser, t, '/contact');
    const jo = await openConsole(browser, t, 'jo@demo.test', 'jo-pass-123');
    try {
      await v.page.click('[data-testid="chat-minimise"]');
      const vf = await coFrame(v.page, /^\/contact$/);
      // While waiting, the visitor fills in part of the form and scrolls down to the password's hint.
      await vf.fill('#name', 'Quinn Queued');
      await vf.check('#newsletter');
      await vf.locator('#password').pressSequentially('not-for-the-agent');
      await scrollWindowTo(vf, '#password + p', 3);
      const vTop = (await topBlock(vf))!;
      expect(vTop.key).toBe('p|Only if you want us to look at your account.');

      await accept(jo, v, 'Jo');
      const af = await coFrame(jo.page, /^\/contact$/);
      await expect.poll(async () => (await topBlock(af))?.key, { timeout: 10_000 }).toBe(vTop.key);
      await expect.poll(() => value(af, '#name')).toBe('Quinn Queued');
      await expect.poll(() => checked(af, '#newsletter')).toBe(true);
      await expect.poll(() => af.$eval('#password', (el) => (el as HTMLInputElement).placeholder)).toBe('•••• (masked)');

      // The visitor reloads the shell mid-page: both parties agree again on where they are.
      await v.page.reload();
      const vf2 = await coFrame(v.page, /^\/contact$/);
      await v.page.waitForTimeout(500);
      await expect
        .poll(async () => ({ visitor: (await topBlock(vf2))?.key, agent: (await topBlock(af))?.key }), { timeout: 10_000 })
        .toEqual({ visitor: (await topBlock(vf2))?.key, agent: (await topBlock(vf2))?.key });
    } finally {
      await v.ctx.close();
      await jo.ctx.close();
    }
  });
});
