// Real sites through the proxy, for both parties, in Chromium: the visitor in the shell and the agent
// in the real console (two browser contexts), on the two-origin fixture (test/fixtures/site/). SPA
// routing with pushState, fetch/XHR, WebSockets, cross-origin postMessage, an HttpOnly sign-in,
// document.cookie, a multipart upload, localStorage, the drawing tool, resync, an anti-proxy page,
// and SSRF from inside a proxied page.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Frame, Page } from 'playwright-core';
import { startTestGateway, freePort, type TestGateway } from '../helpers/gateway.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { startFixtureSites, type FixtureSites } from '../fixtures/site/server.ts';

let t: TestGateway;
let sites: FixtureSites;
let browser: Browser;
let canary: Server;
let canaryPort = 0;
let canaryHits = 0;

beforeAll(async () => {
  sites = await startFixtureSites();
  // A loopback service that must never be reached from a proxied page.
  canaryPort = await freePort();
  canary = createServer((_req, res) => {
    canaryHits++;
    res.end('secret');
  });
  await new Promise<void>((r) => canary.listen(canaryPort, '127.0.0.1', r));
  // The canary's port is allowed: what must refuse it is the loopback address, not the port.
  t = await startTestGateway({ routingMode: 'manual', allowedTargets: [sites.a, sites.b], allowedPorts: [80, 443, canaryPort] });
  await t.gw.auth.createAgent({ email: 'sites@demo.test', password: 'sites-pass-123', name: 'Dana' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await sites?.close();
  canary?.close();
});

const PROXY_ORIGIN = /^http:\/\/[a-z2-7]{26}\.cobrowse\.localhost:\d+$/;

/** The co-browse frame once it shows a proxied page whose path matches (and it has parsed). */
async function coFrame(page: Page, path: RegExp, timeout = 15_000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const f = await (await page.$('[data-testid="cobrowse-frame"]'))?.contentFrame();
    const url = f?.url() ?? '';
    if (f && /\.localhost:\d+\//.test(url) && path.test(new URL(url).pathname)) {
      try {
        await f.waitForLoadState('domcontentloaded');
        if (await f.evaluate(() => !!(window as { __cbOverlayLoaded?: boolean }).__cbOverlayLoaded)) return f;
      } catch {
        /* navigated meanwhile: look again */
      }
    }
    if (Date.now() > deadline) {
      const shown = await f?.evaluate(() => document.body?.innerText.slice(0, 200)).catch(() => '?');
      throw new Error(`co-browse frame never reached ${path}; at ${url}: ${shown}`);
    }
    await page.waitForTimeout(100);
  }
}

const text = (f: Frame, sel: string) => f.evaluate((s) => document.querySelector(s)?.textContent ?? null, sel);
const poll = (fn: () => Promise<unknown>, timeout = 10_000) => expect.poll(fn, { timeout, interval: 100 });

/** Messages the overlay posts to the shell (FrameUp), recorded in the shell window. */
const upMessages = (p: Page) => p.evaluate(() => ((window as { __up?: string[] }).__up ?? []).slice());

/** FrameDown from the embedding window, as the shell or console would send it. */
function down(p: Page, msg: object): Promise<void> {
  return p.evaluate((m) => {
    (document.querySelector('[data-testid="cobrowse-frame"]') as HTMLIFrameElement).contentWindow!.postMessage(m, '*');
  }, msg);
}

async function lead(agent: Page, url: string): Promise<void> {
  await agent.fill('[data-testid="lead-url"]', url);
  await agent.click('[data-testid="lead-go"]');
}

describe('real sites through the proxy, both parties', () => {
  let vctx: BrowserContext;
  let actx: BrowserContext;
  let visitor: Page;
  let agent: Page;

  it('keeps an SPA, its data, sockets, frames, sign-in, uploads and storage working', async () => {
    const { a, b } = sites;
    vctx = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    actx = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    visitor = await vctx.newPage();
    agent = await actx.newPage();

    await agent.goto(`${t.gw.url}/agent/`);
    await agent.fill('[data-testid="login-email"]', 'sites@demo.test');
    await agent.fill('[data-testid="login-password"]', 'sites-pass-123');
    await agent.click('[data-testid="login-submit"]');
    await agent.locator('[data-testid="queue-list"]').waitFor();

    await visitor.goto(`${t.gw.url}/start?site=demo&url=${encodeURIComponent(`${a}/spa`)}`);
    await visitor.evaluate(() => {
      const up: string[] = ((window as { __up?: string[] }).__up = []);
      addEventListener('message', (e) => up.push(JSON.stringify(e.data)));
    });
    await agent.locator('[data-testid="accept"]').first().click();
    await poll(() => visitor.textContent('[data-testid="chat-log"]')).toMatch(/Dana joined/);

    // Both parties: the page, its same- and cross-origin sockets, and the cross-origin widget's
    // postMessage with the real origin (the page checks event.origin === B) and the reply to it.
    const vSpa = await coFrame(visitor, /^\/spa$/);
    const aSpa = await coFrame(agent, /^\/spa$/);
    for (const f of [vSpa, aSpa]) {
      expect(new URL(f.url()).origin).toMatch(PROXY_ORIGIN);
      await poll(() => text(f, '#view-title')).toBe('Home');
      await poll(() => text(f, '#ws-same')).toBe('echo-a:ping-a');
      await poll(() => text(f, '#ws-cross')).toBe('echo-b:ping-b');
      await poll(() => text(f, '#pm')).toBe(`from-b @ ${b}`);
      const widget = f.childFrames()[0];
      expect(new URL(widget.url()).origin).toMatch(PROXY_ORIGIN);
      expect(new URL(widget.url()).origin).not.toBe(new URL(f.url()).origin);
      await poll(() => text(widget, '#ack')).toBe(`ack from ${a}`);
      // A page cannot pose as another site: a wrapped message claiming a foreign origin is dropped,
      // while one with the frame's own real origin is delivered.
      const seen = await widget.evaluate(async (claimA) => {
        const got: string[] = [];
        addEventListener('message', (e) => got.push(`${e.origin}|${String((e.data as { probe?: string })?.probe)}`));
        postMessage({ __cbpm: { origin: 'https://bank.example', target: '*', data: { probe: 'spoof' } } }, '*');
        postMessage({ __cbpm: { origin: claimA, target: '*', data: { probe: 'spoof-a' } } }, '*');
        postMessage({ probe: 'plain' }, '*');
        await new Promise((r) => setTimeout(r, 200));
        return got;
      }, a);
      expect(seen.some((x) => x.includes('spoof'))).toBe(false);
      expect(seen.some((x) => x.endsWith('|plain'))).toBe(true);
    }

    // SPA route by pushState (an absolute real-origin URL): the visitor's view changes, the
    // navigation is reported, and the agent's frame follows; fetch and XHR data show on both.
    await vSpa.click('#nav-items');
    await poll(() => text(vSpa, '#view-title')).toBe('Items');
    expect(new URL(vSpa.url()).pathname).toBe('/spa/items');
    const aItems = await coFrame(agent, /^\/spa\/items$/);
    for (const f of [vSpa, aItems]) {
      await poll(() => text(f, '#items-list')).toBe('Teapot, Kettle');
      await poll(() => text(f, '#xhr-result')).toBe('xhr-ok');
    }
    const sid = new URL(visitor.url()).pathname.split('/').pop()!;
    const navs = () => t.gw.store.eventsAfter(sid, 0).filter((e) => e.kind === 'nav').map((e) => e.url);
    expect(navs()).toContain(`${a}/spa/items`);
    // And back: popstate is reported too.
    await vSpa.evaluate(() => history.back());
    await poll(() => text(vSpa, '#view-title')).toBe('Home');
    await coFrame(agent, /^\/spa$/);

    // URLs built at run time stay in the proxy: element properties, markup inserted later,
    // EventSource, sendBeacon, and document.domain reads the real host.
    const built = await vSpa.evaluate(
      async ({ a, b }) => {
        const img = new Image();
        img.src = `${a}/api/items`;
        const link = document.createElement('a');
        link.href = `${b}/x`;
        const div = document.createElement('div');
        div.innerHTML = `<a id="late" href="${b}/late">late</a>`;
        document.body.append(div);
        await new Promise((r) => setTimeout(r, 0));
        const sse = await new Promise((resolve) => {
          const es = new EventSource(`${a}/api/events`);
          es.onmessage = (e) => {
            resolve(e.data);
            es.close();
          };
          es.onerror = () => resolve('error');
        });
        const beacon = navigator.sendBeacon(`${a}/api/beacon`, 'ping');
        return { img: img.src, link: link.href, late: (document.getElementById('late') as HTMLAnchorElement).href, sse, beacon, domain: document.domain, origin: location.origin };
      },
      { a, b },
    );
    expect(built).toMatchObject({ sse: 'sse-ok', beacon: true, domain: '127.0.0.1' });
    expect(built.img).toBe(`${built.origin}/api/items`);
    expect(built.link).toBe(`${built.origin}/__cb/go?u=${encodeURIComponent(`${b}/x`)}`);
    expect(built.late).toBe(`${built.origin}/__cb/go?u=${encodeURIComponent(`${b}/late`)}`);
    await poll(async () => (await fetch(`${a}/api/beacons`)).json()).toEqual(['ping']);

    // SSRF from inside the page: an absolute loopback URL is sent to /__cb/go and refused.
    const ssrf = await vSpa.evaluate(async (port) => {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      const meta = await fetch('http://169.254.169.254/latest/meta-data/');
      const ws = await new Promise<string>((resolve) => {
        const s = new WebSocket(`ws://127.0.0.1:${port}/`);
        s.onopen = () => resolve('open');
        s.onerror = () => resolve('refused');
      });
      return { status: r.status, url: r.url, meta: meta.status, ws };
    }, canaryPort);
    expect(ssrf).toMatchObject({ status: 403, meta: 403, ws: 'refused' });
    expect(ssrf.url).toContain('/__cb/go?u=');
    expect(canaryHits).toBe(0);

    // window.open: the new window becomes a shared tab both parties see (test/e2e/proxy-escapes.test.ts),
    // on the proxy origin, instead of a popup outside the shell; the first tab is the way back.
    expect(await vSpa.evaluate((u) => window.open(u, '_blank') === null, `${a}/spa/about`)).toBe(true);
    const vAbout = await coFrame(visitor, /^\/spa\/about$/);
    expect(new URL(vAbout.url()).origin).toBe(built.origin);
    await poll(() => text(vAbout, '#view-title')).toBe('About');
    await coFrame(agent, /^\/spa\/about$/);
    await visitor.locator('[data-testid="shared-tab"]').first().click();

    // Resync: values set without events reach the agent only through a sync-request; the masked
    // field is announced as masked, and its value never leaves the visitor's page.
    const vHome = await coFrame(visitor, /^\/spa$/);
    const aHome = await coFrame(agent, /^\/spa$/);
    await vHome.evaluate(() => {
      (document.getElementById('spa-note') as HTMLInputElement).value = 'quiet';
      (document.getElementById('spa-secret') as HTMLInputElement).value = 'hunter2';
    });
    await down(visitor, { cb: 1, type: 'sync-request' });
    await poll(() => aHome.inputValue('#spa-note')).toBe('quiet');
    await poll(() => aHome.getAttribute('#spa-secret', 'placeholder')).toBe('•••• (masked)');
    expect(await aHome.inputValue('#spa-secret')).toBe('');
    const up = await upMessages(visitor);
    expect(up.some((m) => m.includes('"type":"scroll"'))).toBe(true);
    expect(up.join('\n')).not.toContain('hunter2');

    // Drawing tool: a stroke in the visitor's frame is drawn there and in the agent's frame; the
    // page under it gets no click.
    await down(visitor, { cb: 1, type: 'tool', tool: 'draw' });
    const box = (await (await vHome.frameElement()).boundingBox())!;
    const btn = (await vHome.locator('#spa-clicker').boundingBox())!;
    await visitor.mouse.move(btn.x + 5, btn.y + 5);
    await visitor.mouse.down();
    for (let i = 1; i <= 8; i++) await visitor.mouse.move(btn.x + 5 + i * 20, btn.y + 5 + i * 6);
    await visitor.mouse.up();
    expect(box.width).toBeGreaterThan(0);
    const strokes = (f: Frame) => f.evaluate(() => document.querySelector('cb-overlay-layer')?.shadowRoot?.querySelectorAll('svg.draw polyline').length ?? 0);
    await poll(() => strokes(vHome)).toBeGreaterThan(0);
    await poll(() => strokes(aHome)).toBeGreaterThan(0);
    expect(await text(vHome, '#click-count')).toBe('0');
    await down(visitor, { cb: 1, type: 'tool', tool: 'pointer' });
    await vHome.click('#spa-clicker');
    await poll(() => text(vHome, '#click-count')).toBe('1');

    // Sign-in: the HttpOnly session cookie lives in the proxy's jar (both parties are signed in),
    // page scripts see only the readable cookie.
    await lead(agent, `${a}/login`);
    const vLogin = await coFrame(visitor, /^\/login$/);
    await coFrame(agent, /^\/login$/);
    await vLogin.fill('#login-name', 'Vera');
    await vLogin.fill('#login-password', 'pw-123');
    await vLogin.click('#login-submit');
    const vAccount = await coFrame(visitor, /^\/account$/);
    const aAccount = await coFrame(agent, /^\/account$/);
    for (const f of [vAccount, aAccount]) {
      await poll(() => text(f, '#account-status')).toBe('Signed in as Vera');
      const cookie = await f.evaluate(() => document.cookie);
      expect(cookie).toContain('ui=1');
      expect(cookie).not.toContain('sid=');
      expect(await text(f, '#doc-cookie')).toBe(cookie);
    }

    // document.cookie from script: read back at once, sent with the next request, deletable; a
    // write right before a navigation is carried by that navigation.
    await lead(agent, `${a}/cookies`);
    const vCookies = await coFrame(visitor, /^\/cookies$/);
    await poll(() => text(vCookies, '#cookie-read')).toMatch(/(^|; )js=hello(;|$)/);
    expect(await text(vCookies, '#cookie-read')).toContain('ui=1');
    await poll(() => text(vCookies, '#cookie-server')).toMatch(/js=hello/);
    expect(await text(vCookies, '#cookie-server')).toMatch(/sid=[0-9a-f]+/); // the jar's HttpOnly cookie, server side
    const afterDelete = await vCookies.evaluate(() => {
      document.cookie = 'js=; max-age=0; path=/';
      return document.cookie;
    });
    expect(afterDelete).not.toContain('js=');
    await vCookies.evaluate(() => {
      document.cookie = 'beforenav=1; path=/';
      location.href = '/cookies?next=1';
    });
    const vNext = await coFrame(visitor, /^\/cookies$/);
    await poll(() => vNext.evaluate(() => location.search)).toBe('?next=1');
    expect(await text(vNext, '#cookie-nav')).toContain('beforenav=1');
    await poll(() => vNext.evaluate(() => document.cookie)).toContain('beforenav=1');

    // Multipart upload.
    await lead(agent, `${a}/upload`);
    const vUpload = await coFrame(visitor, /^\/upload$/);
    await vUpload.setInputFiles('#upload-file', { name: 'hello.txt', mimeType: 'text/plain', buffer: Buffer.from('hello upload') });
    await vUpload.click('#upload-submit');
    // The result page has no form; a proxy failure page would have no overlay, so read the frame raw.
    const uploaded = async () => {
      const f = await (await visitor.$('[data-testid="cobrowse-frame"]'))?.contentFrame();
      return (await f?.evaluate(() => (document.getElementById('upload-form') ? '' : document.body?.innerText ?? '')).catch(() => '')) ?? '';
    };
    await poll(uploaded).not.toBe('');
    // A CB_ERR_UPSTREAM_UNREACHABLE (UND_ERR_SOCKET) here comes from the proxy's request-body
    // stream (gateway/proxy/proxy-server.ts requestBody): it calls uWS res.resume() on a response
    // it never paused, and uWS then stops delivering a body that arrives after the headers.
    expect(await uploaded()).toMatch(/^Uploaded\s+hello\.txt\s+12$/);

    // localStorage survives a reload on A's proxy origin, and B's proxy origin does not see it.
    await lead(agent, `${a}/storage`);
    const vStorage = await coFrame(visitor, /^\/storage$/);
    await poll(() => text(vStorage, '#stored')).toBe('(empty)');
    await vStorage.fill('#storage-input', 'kept');
    await vStorage.click('#storage-save');
    await vStorage.evaluate(() => location.reload());
    await poll(async () => text(await coFrame(visitor, /^\/storage$/), '#stored').catch(() => null)).toBe('kept');
    const aOrigin = new URL((await coFrame(visitor, /^\/storage$/)).url()).origin;
    await lead(agent, `${b}/storage-probe`);
    const vProbe = await coFrame(visitor, /^\/storage-probe$/);
    expect(new URL(vProbe.url()).origin).not.toBe(aOrigin);
    await poll(() => text(vProbe, '#probe')).toBe('(empty)');
    expect(await vProbe.evaluate(() => localStorage.getItem('fixture-note'))).toBeNull();
  });

  it('gives both parties a way out of a page that refuses to be proxied', async () => {
    const { a } = sites;
    await lead(agent, `${a}/framebust`);
    await coFrame(visitor, /^\/framebust$/);
    await visitor.locator('[data-testid="problem-notice"]').waitFor({ state: 'visible', timeout: 12_000 });
    expect(await visitor.textContent('[data-testid="problem-notice"]')).toMatch(/did not render in co-browsing/);
    expect(await visitor.getAttribute('[data-testid="problem-open-direct"]', 'href')).toBe(`${a}/framebust`);
    await agent.locator('[data-testid="frame-problem"]').waitFor({ state: 'visible', timeout: 12_000 });
    expect(await agent.textContent('[data-testid="frame-problem"]')).toMatch(/may refuse proxies/);
    await vctx.close();
    await actx.close();
  });
});
