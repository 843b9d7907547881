// Shared setup for the co-browse browser tests (test/e2e/cobrowse-*.test.ts): a visitor in one
// browser context (the real shell, reached by clicking the demo shop's link), an agent in another
// (the real console), every WebSocket frame either browser sends or receives recorded, and helpers
// that look inside the co-browse iframes (element at the top of the viewport, the overlay's layer).
import { mkdirSync } from 'node:fs';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import type { ClientFrame, ServerFrame } from '../../protocol/index.ts';
import type { TestGateway } from './gateway.ts';
import { Peer, loginCookie, wsUrl } from './ws-peer.ts';

export const SHOTS = 'test-results/screenshots';

export interface WsRecord {
  dir: 'sent' | 'received';
  /** The socket's URL (the shell's /ws/visitor or the console's /ws/agent). */
  url: string;
  /** Raw text as it crossed the wire. */
  text: string;
  /** Parsed frame, or null for a non-JSON payload. */
  frame: (ClientFrame | ServerFrame) | null;
  at: number;
}

/** Records every WebSocket frame the page (any of its frames) sends or receives, from now on. */
export function recordWebSockets(page: Page): WsRecord[] {
  const out: WsRecord[] = [];
  page.on('websocket', (ws) => {
    const push = (dir: WsRecord['dir'], payload: string | Buffer) => {
      const text = typeof payload === 'string' ? payload : payload.toString('utf8');
      let frame: WsRecord['frame'] = null;
      try {
        frame = JSON.parse(text);
      } catch {
        /* recorded as text */
      }
      out.push({ dir, url: ws.url(), text, frame, at: Date.now() });
    };
    ws.on('framesent', (f) => push('sent', f.payload));
    ws.on('framereceived', (f) => push('received', f.payload));
  });
  return out;
}

export const ofType = (records: WsRecord[], types: string | string[], dir?: WsRecord['dir']) => {
  const set = new Set(Array.isArray(types) ? types : [types]);
  return records.filter((r) => r.frame && set.has((r.frame as { type: string }).type) && (!dir || r.dir === dir));
};

/** Frames that describe or move the shared page (what must not flow while sharing is paused). */
export const SYNC_TYPES = ['scroll', 'pointer', 'form', 'focus', 'nav', 'draw', 'act', 'viewport', 'navigate'];

export interface Party {
  ctx: BrowserContext;
  page: Page;
  ws: WsRecord[];
}

/** The visitor: opens the demo shop page, clicks "Talk to a live agent", lands in the shell. */
export async function openVisitor(browser: Browser, t: TestGateway, path: string, viewport = { width: 390, height: 844 }): Promise<Party & { sid: string }> {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const ws = recordWebSockets(page);
  await page.goto(`${t.demoUrl}${path}`);
  await page.click('[data-testid="talk-to-agent"]');
  await page.waitForURL(/\/v\/[A-Za-z0-9_-]{22}$/);
  const sid = new URL(page.url()).pathname.split('/').pop()!;
  return { ctx, page, ws, sid };
}

/** The agent: signs in to the real console. */
export async function openConsole(browser: Browser, t: TestGateway, email: string, password: string, viewport = { width: 1440, height: 900 }): Promise<Party> {
  const ctx = await browser.newContext({ viewport });
  const page = await ctx.newPage();
  const ws = recordWebSockets(page);
  await page.goto(`${t.gw.url}/agent/`);
  await page.fill('[data-testid="login-email"]', email);
  await page.fill('[data-testid="login-password"]', password);
  await page.click('[data-testid="login-submit"]');
  await page.locator('[data-testid="queue-list"]').waitFor();
  return { ctx, page, ws };
}

/** The agent accepts the visitor's session from the queue; resolves once the visitor is told. */
export async function accept(agent: Party, visitor: Party & { sid: string }, agentName: string): Promise<void> {
  await agent.page.locator(`[data-queue-id="${visitor.sid}"] [data-testid="accept"]:enabled`).click({ timeout: 15_000 });
  // Playwright waits, not expect.poll: this also runs in beforeAll hooks.
  await visitor.page.locator('[data-testid="chat-log"]').getByText(`${agentName} joined`).first().waitFor({ state: 'attached', timeout: 10_000 });
}

/** The agent leads both parties to a demo page with the console's address bar. */
export async function lead(agent: Party, url: string): Promise<void> {
  await agent.page.fill('[data-testid="lead-url"]', url);
  await agent.page.click('[data-testid="lead-go"]');
}

/** The co-browse frame once it shows a proxied page whose path (+ search, + hash if given) matches. */
export async function coFrame(page: Page, where: RegExp, timeoutMs = 15_000): Promise<Frame> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const el = await page.$('[data-testid="cobrowse-frame"]');
    const f = await el?.contentFrame();
    last = f?.url() ?? '';
    if (f && /\.localhost:\d+\//.test(last)) {
      const u = new URL(last);
      if (where.test(u.pathname + u.search + u.hash)) {
        try {
          await f.waitForLoadState('load', { timeout: 5000 });
          // The overlay has run once it exposes its flag (it is injected first in <head>).
          await f.waitForFunction(() => (window as { __cbOverlayLoaded?: boolean }).__cbOverlayLoaded === true, null, { timeout: 5000 });
          return f;
        } catch {
          /* navigated away meanwhile: look again */
        }
      }
    }
    if (Date.now() > deadline) throw new Error(`co-browse frame never reached ${where}; it is at ${last || 'nothing'}`);
    await page.waitForTimeout(100);
  }
}

/** path + search + hash of a frame's URL. */
export const where = (f: Frame) => {
  const u = new URL(f.url());
  return u.pathname + u.search + u.hash;
};

export interface TopBlock {
  /** Tag and the first characters of its text: unique on the demo pages ("p|Entry 9.2: …"). */
  key: string;
  /** Share of its height above the top edge of the viewport (or scroll box). */
  ratio: number;
}

/**
 * The content block at the top of the frame's viewport: the first heading, paragraph or list item
 * in <main> (document order = vertical order on the demo pages) that is not entirely above it.
 * The same element for both parties is what scroll sync promises, whatever their widths.
 */
export function topBlock(f: Frame): Promise<TopBlock | null> {
  return f.evaluate(() => {
    for (const el of Array.from(document.querySelectorAll('main h1, main h2, main h3, main p, main li'))) {
      if (el.closest('#terms-box')) continue;
      const r = el.getBoundingClientRect();
      if (r.height > 0 && r.bottom > 1) return { key: `${el.localName}|${(el.textContent ?? '').trim().slice(0, 48)}`, ratio: -r.top / r.height };
    }
    return null;
  });
}

/** The same, inside a scrollable element (e.g. #terms-box). */
export function innerTopBlock(f: Frame, selector: string): Promise<TopBlock | null> {
  return f.evaluate((sel) => {
    const box = document.querySelector(sel);
    if (!box) return null;
    const top = box.getBoundingClientRect().top + box.clientTop;
    for (const el of Array.from(box.children)) {
      const r = el.getBoundingClientRect();
      if (r.height > 0 && r.bottom > top + 1) return { key: `${el.localName}|${(el.textContent ?? '').trim().slice(0, 48)}`, ratio: (top - r.top) / r.height };
    }
    return null;
  }, selector);
}

/**
 * The overlay's stable path of the element matching `selector` (same algorithm as
 * visitor-shell/src/overlay/element-path.ts: `#id` or `body`, then `tag:nth-of-type(n)`), for `act` frames.
 */
export function elementPath(f: Frame, selector: string): Promise<string> {
  return f.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) throw new Error(`no element ${sel}`);
    const segs: string[] = [];
    for (let cur: Element | null = el; cur; cur = cur.parentElement) {
      if (cur === document.body) {
        segs.push('body');
        break;
      }
      if (cur.id && /^[A-Za-z][\w-]{0,79}$/.test(cur.id) && document.getElementById(cur.id) === cur) {
        segs.push(`#${cur.id}`);
        break;
      }
      let n = 1;
      for (let s = cur.previousElementSibling; s; s = s.previousElementSibling) if (s.localName === cur.localName) n++;
      segs.push(`${cur.localName}:nth-of-type(${n})`);
    }
    return segs.reverse().join('>');
  }, selector);
}

/** The overlay's drawing layer inside a co-browse frame: remote cursor, focus outline, strokes. */
export function layerState(f: Frame) {
  return f.evaluate(() => {
    const root = document.querySelector('cb-overlay-layer')?.shadowRoot;
    const cursor = root?.querySelector<HTMLElement>('[data-cb-cursor]') ?? null;
    const focus = root?.querySelector<HTMLElement>('[data-cb-remote-focus]') ?? null;
    const m = cursor ? /translate\((-?[\d.]+)px,\s*(-?[\d.]+)px\)/.exec(cursor.style.transform) : null;
    const lines = Array.from(root?.querySelectorAll('svg[data-cb-draw] polyline') ?? []).map((p) => p.getAttribute('points') ?? '');
    return {
      cursor: cursor && m ? { x: Number(m[1]) + 2, y: Number(m[2]) + 2, label: cursor.textContent ?? '' } : null,
      focus: focus
        ? { left: parseFloat(focus.style.left), top: parseFloat(focus.style.top), width: parseFloat(focus.style.width), height: parseFloat(focus.style.height), label: focus.textContent ?? '' }
        : null,
      lines,
    };
  });
}

/** An element's box in document coordinates (what the overlay's layer uses). */
export function docRect(f: Frame, selector: string) {
  return f.evaluate((sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    return { left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY };
  }, selector);
}

/** A second WebSocket of an agent (same account as the console, own login): sends frames the console has no UI for. */
export async function agentSocket(t: TestGateway, email: string, password: string): Promise<Peer> {
  const cookie = await loginCookie(t.gw.url, email, password);
  const peer = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie });
  await peer.opened();
  peer.send({ type: 'hello' });
  await peer.waitFor('welcome');
  return peer;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}` });
}

/** Waits until no frame of the given types was recorded for `quietMs` (or gives up after `maxMs`). */
export async function settle(records: WsRecord[][], types: string[], quietMs = 400, maxMs = 5000): Promise<void> {
  const start = Date.now();
  for (;;) {
    const last = Math.max(0, ...records.flatMap((r) => ofType(r, types).map((x) => x.at)));
    if (Date.now() - last >= quietMs || Date.now() - start > maxMs) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
