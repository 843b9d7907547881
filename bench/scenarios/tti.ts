// Scenario 5, time to interactive: from the agent's lead to the app being usable in the visitor's
// frame, through the gateway, against a direct load of the same build (the peer), in Debian's
// Chromium (playwright-core, the tests' launch flags). See bench/README.md, "Time to interactive".
//
// Each round: a fresh visitor (new browser context: empty cache, no connections) opens the real
// shell through /start on the landing origin, an agent (a protocol client) accepts, and then leads
// the visitor to each app in turn. Every app is its own origin, and a new session per round gives
// new proxy origins, so every proxied app load is on a fresh proxy origin. The direct peer is a
// fresh context per round whose host page holds an iframe the harness points at the same app on a
// fresh origin (`direct-r<round>.localhost`). Proxy and direct loads alternate (order swapped
// between apps and rounds), so a neighbour's burst hits both. "Usable" is apps/probe.ts: the input
// accepted a todo and rendered it.
import WebSocket from 'ws';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { BenchContext } from '../lib/context.ts';
import type { Child } from '../lib/rpc.ts';
import { epochMs } from '../lib/hdr.ts';
import { httpRequest } from '../lib/http-request.ts';
import { localhostLookup } from '../lib/localhost-dns.ts';
import { busyPercent, freePort, machineCpu } from '../lib/proc-stats.ts';
import { emptyResult, fig, fmt, logNotes, type ScenarioResult } from '../lib/results.ts';
import type { AppName, BuiltApp } from '../apps/build.ts';
import { PROBE_BINDING, PROBE_SCRIPT, type ProbeReport } from '../apps/probe.ts';

const VIEWPORT = { width: 1280, height: 800 };
const LOAD_TIMEOUT_MS = 30_000;
const TARGET = 1.15;

/**
 * proxy: through the gateway. direct: the app on a site of its own, as the sites an agent leads to
 * are (a cross-site frame: Chromium's site isolation starts a renderer process for it). same-site:
 * the app on the host page's own site (no process start), the lower bound a direct load never beats.
 */
type Side = 'proxy' | 'direct' | 'same-site';
const SIDES: Side[] = ['proxy', 'direct', 'same-site'];

interface Sample {
  app: AppName;
  round: number;
  side: Side;
  ms: number;
  attempts: number;
  /** Lead → the input existed (first paintable app), ms. */
  inputMs: number;
}

/** One browser context whose app frames report "usable" through the probe binding. */
class Measured {
  #waiter: ((r: ProbeReport) => void) | null = null;
  private constructor(readonly ctx: BrowserContext, readonly page: Page) {}
  static async open(browser: Browser): Promise<Measured> {
    const ctx = await browser.newContext({ viewport: VIEWPORT });
    await ctx.addInitScript({ content: PROBE_SCRIPT });
    const m = new Measured(ctx, await ctx.newPage());
    await ctx.exposeBinding(PROBE_BINDING, (_src, r: ProbeReport) => m.#waiter?.(r));
    return m;
  }
  /** Runs `trigger` (which returns the start time, epoch ms) and waits for the app at `port` to be usable. */
  async measure(port: number, trigger: () => Promise<number>): Promise<{ ms: number; report: ProbeReport }> {
    const usable = new Promise<ProbeReport>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`not usable within ${LOAD_TIMEOUT_MS / 1000} s`)), LOAD_TIMEOUT_MS);
      this.#waiter = (r) => {
        // Through the gateway the frame is on a proxy origin; the path and the app's document are the same.
        if (!r.href.includes(`:${port}/`) && !r.href.includes('.cobrowse.localhost:')) return;
        clearTimeout(t);
        resolve(r);
      };
    });
    const t0 = await trigger();
    const report = await usable;
    this.#waiter = null;
    return { ms: report.t - t0, report };
  }
  close() {
    return this.ctx.close();
  }
}

/** The agent: logs in like the console, accepts every offer, and leads with `lead` frames. */
async function openAgent(gwUrl: string, email: string, password: string): Promise<{ ws: WebSocket; active: (sid: string) => Promise<void>; close(): void }> {
  const login = await httpRequest(`${gwUrl}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: gwUrl }, body: JSON.stringify({ email, password }) });
  if (login.status !== 200) throw new Error(`tti: agent login answered ${login.status}`);
  const cookie = String([login.headers['set-cookie']].flat()[0]).split(';')[0];
  const ws = new WebSocket(`${gwUrl.replace(/^http/, 'ws')}/ws/agent`, { headers: { origin: gwUrl, cookie }, lookup: localhostLookup as never });
  const accepted = new Set<string>();
  const activeWaiters = new Map<string, () => void>();
  const active = new Set<string>();
  ws.on('message', (d) => {
    const m = JSON.parse(String(d));
    if (m.type === 'queue.snapshot' || m.type === 'queue.delta') {
      // A delta carries the window's new and changed items.
      const items = m.type === 'queue.snapshot' ? m.items : [...m.added.map((x: { item: unknown }) => x.item), ...m.updated];
      for (const it of items) {
        if (it.canAccept && !accepted.has(it.sessionId)) {
          accepted.add(it.sessionId);
          ws.send(JSON.stringify({ type: 'accept', sessionId: it.sessionId }));
        }
      }
    } else if (m.type === 'session' && m.session.state === 'active') {
      active.add(m.session.sessionId);
      activeWaiters.get(m.session.sessionId)?.();
    }
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => (ws.send(JSON.stringify({ type: 'hello' })), resolve()));
    ws.once('error', reject);
  });
  return {
    ws,
    active: (sid) =>
      active.has(sid)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const t = setTimeout(() => reject(new Error('tti: the agent was never given the session')), 15_000);
            activeWaiters.set(sid, () => (clearTimeout(t), resolve()));
          }),
    close: () => ws.close(),
  };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
};

export async function runTti(ctx: BenchContext): Promise<ScenarioResult> {
  const { opts, progress } = ctx;
  const r = emptyResult('tti', 'Time to interactive');
  const apps = opts.ttiApps as AppName[];
  const rounds = opts.ttiRounds;
  progress.start(`tti: ${apps.length} apps × ${rounds} rounds, proxy and direct interleaved, in Chromium`, apps.length * rounds * 3);

  const outDir = mkdtempSync(join(tmpdir(), 'cobrowse-tti-'));
  const children: Child[] = [];
  let gw: Awaited<ReturnType<BenchContext['gateway']>> | null = null;
  let gwStarting: ReturnType<BenchContext['gateway']> | null = null;
  let browser: Browser | null = null;
  let agent: Awaited<ReturnType<typeof openAgent>> | null = null;
  const open: Measured[] = [];
  try {
    // The origins' ports are chosen here, so the gateway (which must allow them) starts alongside
    // the apps' build, the browser and the origins' process.
    const chosen = await Promise.all([0, ...apps].map(() => freePort()));
    const origin = (port: number) => `http://${opts.originHost}:${port}`;
    gwStarting = ctx.gateway(1, { ALLOWED_TARGETS: chosen.map(origin).join(','), PROXY_RATE_PER_SECOND: '1000000000', PROXY_BURST: '1000000000' });
    gwStarting.catch(() => {}); // awaited below
    // Loaded here, not at the harness's start: playwright-core and the apps' compilers take about 2 s
    // of CPU to load, which every other scenario would wait for.
    const [{ buildApps }, { launchBrowser }] = await Promise.all([import('../apps/build.ts'), import('../../test/helpers/browser.ts')]);
    const [built, b] = await Promise.all([buildApps(outDir, apps), launchBrowser()]);
    browser = b;
    const server = await ctx.fork('apps/server.ts', 'tti-apps', ['--dir', outDir, '--apps', apps.join(','), '--host', opts.originHost, '--ports', chosen.join(',')]);
    children.push(server);
    const ports = await server.call<{ landing: number; apps: Record<string, number> }>('ports');
    gw = await gwStarting;
    agent = await openAgent(gw.url, gw.agents[0].email, gw.agents[0].password);
    const byName = new Map<AppName, BuiltApp>(built.map((x) => [x.name, x]));

    let visitorOverlaySrc = '';
    const samples: Sample[] = [];
    const failures: string[] = [];
    let done = 0;
    const m0 = machineCpu();
    for (let round = 1; round <= rounds; round++) {
      // The visitor: the real shell, through /start, on the landing page; then the agent joins.
      const visitor = await Measured.open(browser);
      open.push(visitor);
      await visitor.page.goto(`${gw.url}/start?${new URLSearchParams({ site: 'bench', url: `${origin(ports.landing)}/landing.html` })}`);
      await visitor.page.waitForURL(/\/v\/[A-Za-z0-9_-]+$/);
      const sid = new URL(visitor.page.url()).pathname.split('/').pop()!;
      await agent.active(sid);
      const shellFrame = visitor.page.locator('[data-testid="cobrowse-frame"]');
      await waitForFrameAt(visitor.page, '/landing.html');
      visitorOverlaySrc ||= await overlaySrcIn(visitor.page);
      const box = (await shellFrame.boundingBox()) ?? { width: VIEWPORT.width, height: VIEWPORT.height };

      // The direct peer: the same frame size, a fresh origin per round. Each app is its own site
      // (\`<app>-direct-r<k>-….localhost\`), as the sites an agent leads to are: the frame moves from
      // the landing site to another site, with the process swap site isolation makes for that.
      const direct = await Measured.open(browser);
      open.push(direct);
      const directHost = `direct-r${round}-${Date.now().toString(36)}.localhost`;
      await direct.page.goto(`http://${directHost}:${ports.landing}/host.html`);
      await direct.page.evaluate(({ w, h }) => {
        const f = document.querySelector('iframe')!;
        f.style.width = `${w}px`;
        f.style.height = `${h}px`;
      }, { w: Math.round(box.width), h: Math.round(box.height) });
      await waitForFrameAt(direct.page, '/landing.html');

      for (let i = 0; i < apps.length; i++) {
        const app = apps[(i + round - 1) % apps.length];
        const port = ports.apps[app];
        // Each side goes first, second and third in turn.
        const k = (i + round) % SIDES.length;
        for (const side of [...SIDES.slice(k), ...SIDES.slice(0, k)]) {
          progress.update(done, `round ${round}: ${app} ${side}`);
          try {
            const m =
              side === 'proxy'
                ? await visitor.measure(port, async () => {
                    const t0 = epochMs();
                    agent!.ws.send(JSON.stringify({ type: 'lead', sessionId: sid, url: `${origin(port)}/todo/` }));
                    return t0;
                  })
                : await direct.measure(port, () =>
                    direct.page.evaluate((url) => {
                      const t0 = performance.timeOrigin + performance.now();
                      document.querySelector('iframe')!.src = url;
                      return t0;
                    }, side === 'direct' ? `http://${app}-${directHost}:${port}/todo/` : `http://${directHost}:${port}/todo/`),
                  );
            samples.push({ app, round, side, ms: m.ms, attempts: m.report.attempts, inputMs: m.report.inputAt - (m.report.t - m.ms) });
            if (process.env.TTI_DEBUG) {
              const t0 = m.report.t - m.ms;
              const tm = m.report.timing;
              process.stderr.write(`\n${app} ${side} ${fmt(m.ms)} ms: nav start +${fmt(tm.navStart - t0)}, response ${fmt(tm.responseStart)}-${fmt(tm.responseEnd)}, interactive ${fmt(tm.domInteractive)}, input +${fmt(m.report.inputAt - t0)}, attempts ${m.report.attempts}\n  ${tm.resources.map((x) => `${x[0]} ${x[1]}-${x[2]} (${x[3]} B)`).join('\n  ')}\n`);
            }
          } catch (err) {
            failures.push(`round ${round} ${app} ${side}: ${(err as Error).message}`);
          }
          done++;
          // Let the page settle (late subresources, the overlay's first reports) before the next load.
          await new Promise((res) => setTimeout(res, 150));
        }
      }
      const counts = await server.call<Record<string, { viaGateway: number; direct: number }>>('counts');
      for (const app of apps) {
        const c = counts[app];
        // Every proxied app load reached the app's origin through the gateway, and each direct load directly.
        if (!c || c.viaGateway < 1 || c.direct < 2) failures.push(`round ${round} ${app}: origin saw ${c?.viaGateway ?? 0} requests through the gateway and ${c?.direct ?? 0} direct`);
      }
      await visitor.close();
      await direct.close();
      open.length = 0;
    }
    const machineBusy = busyPercent(m0, machineCpu());
    // How often browsers fetched the overlay from its shared URL (gateway/proxy/overlay-asset.ts),
    // against the proxied documents that include it: once per visitor browser means one cache entry
    // served every proxy origin (Chromium keys its cache by top-level site, here the shell's).
    const overlayCount = async () =>
      [...(await gw!.metrics())].filter(([k]) => k.startsWith('cobrowse_proxy_requests_total{') && k.includes('kind="overlay"')).reduce((a, [, v]) => a + v, 0);
    const overlayFetches = await overlayCount();
    // Is the HTTP cache partitioned by top-level site? The same overlay URL, fetched in one fresh
    // context from a top-level page on the shell's site, again there, then from another site.
    const partition = await cachePartitioning(browser, overlayCount, visitorOverlaySrc, gw.url, `http://partition-check.localhost:${ports.landing}/landing.html`);
    const documents = rounds * (apps.length + 1);
    fig(r, 'gateway', { 'overlay fetches': [overlayFetches, 'requests'], 'proxied documents': [documents, 'documents'] });
    fig(r, 'chromium', { 'overlay refetched from another top-level site': [partition.otherSite, 'requests'], 'overlay refetched from the same top-level site': [partition.again, 'requests'] });

    r.checks.push({
      scenario: r.name,
      name: 'every app became usable, through the gateway and directly',
      ok: failures.length === 0 && samples.length === apps.length * rounds * SIDES.length,
      detail: failures.length ? failures.slice(0, 6).join('; ') : `${samples.length} loads`,
    });

    const rows: string[][] = [];
    const ratios: number[] = [];
    const sameRatios: number[] = [];
    const paired: number[] = [];
    const of = (app: AppName, side: Side) => samples.filter((s) => s.app === app && s.side === side);
    const cell = (xs: Sample[]) => `${fmt(median(xs.map((s) => s.ms)))} (${xs.map((s) => fmt(s.ms)).join(', ')})`;
    for (const app of apps) {
      const [p, d, ss] = [of(app, 'proxy'), of(app, 'direct'), of(app, 'same-site')];
      const [pm, dm, sm] = [p, d, ss].map((xs) => median(xs.map((s) => s.ms)));
      const ratio = pm / dm;
      if (Number.isFinite(ratio)) ratios.push(ratio);
      if (Number.isFinite(pm / sm)) sameRatios.push(pm / sm);
      for (const s of p) {
        const peer = d.find((x) => x.round === s.round);
        if (peer) paired.push(s.ms / peer.ms);
      }
      for (const [side, xs] of [['proxy', p], ['direct', d], ['direct same-site', ss]] as const) {
        fig(r, `${side} ${app}`, { 'time to interactive median': [median(xs.map((s) => s.ms)), 'ms'], 'input shown median': [median(xs.map((s) => s.inputMs)), 'ms'] });
      }
      r.ratios.push({ scenario: r.name, name: `${app}: proxy / direct (median time to interactive)`, value: ratio, unit: 'x' });
      r.ratios.push({ scenario: r.name, name: `${app}: proxy / direct same-site (no renderer process start)`, value: pm / sm, unit: 'x' });
      const b = byName.get(app)!;
      rows.push([`${b.title} (${fmt(b.bytes / 1024)} KiB)`, cell(p), cell(d), `${fmt(ratio, 3)}x`, cell(ss), `${fmt(pm / sm, 3)}x`]);
    }
    const medRatio = median(ratios);
    const medSame = median(sameRatios);
    r.ratios.push({ scenario: r.name, name: 'time to interactive: proxy / direct, median over apps', value: medRatio, unit: 'x', goal: `<= ${TARGET}`, met: medRatio <= TARGET });
    r.ratios.push({ scenario: r.name, name: 'time to interactive: proxy / direct, median of the paired loads', value: median(paired), unit: 'x' });
    r.ratios.push({ scenario: r.name, name: 'time to interactive: proxy / direct same-site (the lower bound), median over apps', value: medSame, unit: 'x' });
    fig(r, 'machine', { 'CPU busy during the loads': [machineBusy, '% of all cores'] });
    const all = (side: Side) => fmt(median(samples.filter((s) => s.side === side).map((s) => s.ms)));
    rows.push(['**median over apps**', all('proxy'), all('direct'), `**${fmt(medRatio, 3)}x**`, all('same-site'), `**${fmt(medSame, 3)}x**`]);
    r.tables.push({
      title: `Time to interactive: agent's lead → the app's input accepted a todo and rendered it, in the visitor's frame (ms; median, then each round); ${rounds} rounds, each a fresh proxy origin and a fresh direct origin and cache`,
      headers: ['app', 'through the gateway', 'direct, its own site (peer)', 'proxy / direct', 'direct, same site as the host page (bound)', 'proxy / same-site'],
      rows,
    });
    r.bars.push({ title: 'Time to interactive, proxy / direct (median per app)', unit: 'x', items: apps.map((a, k) => ({ label: a, value: ratios[k] ?? NaN })) });
    r.notes.push(
      'Proxy: the agent (a protocol client, as the console would send it) sends `lead`; the gateway tells the visitor\'s shell, which points its co-browse frame at the proxied app; the clock stops when the app, in that frame, rendered the todo the probe typed. Direct: the same app build on a fresh *.localhost origin, in an iframe of the same size, from setting its src to the same event: on a site of its own (\`<app>-direct-r<k>….localhost\`, the peer: the sites an agent leads to are other sites, and Chromium starts a renderer process for a cross-site frame), and on the host page\'s own site (the bound: no process start). Proxy origins share the shell\'s site (\`*.cobrowse.localhost\`, in production \`*.<PROXY_DOMAIN>\` under the console\'s registrable domain), so the co-browse frame never waits for a new process either.',
      'The visitor loaded the landing page through the gateway first (as every co-browse session does before an agent leads), so what a session has cached by then (the overlay) is cached; every app is a fresh origin with nothing cached, on both sides.',
      `Machine CPU busy during the loads: ${fmt(machineBusy)} % of all cores (browser, gateway and origin share them).`,
      `The overlay was fetched ${overlayFetches} times from its shared URL for ${documents} proxied documents (${rounds} visitor browsers: the landing page and ${apps.length} apps each); the rest came from the HTTP cache.`,
      `HTTP cache partitioning, measured: the overlay URL fetched from a top-level page on the shell's site reached the gateway ${partition.first}×, again from that page ${partition.again}×, then from a top-level page on another site ${partition.otherSite}× — ${partition.otherSite > 0 ? 'Chromium keys its cache by top-level site: the shell and the console are the gateway\'s site, so every proxy origin they frame shares one copy per browser; only a top-level page on another site (which co-browsing never opens) would fetch its own' : 'not partitioned by top-level site here'}.`,
    );
    logNotes(r, gw.logIssues());
    progress.finish(`proxy / direct median ${fmt(medRatio, 3)}x over ${apps.length} apps`);
    return r;
  } finally {
    for (const m of open) await m.close().catch(() => {});
    agent?.close();
    await browser?.close().catch(() => {});
    await Promise.all(children.map((c) => c.stop()));
    // Started beside the build and the browser: stopped even when those failed before it was ready.
    await (gw ?? (await gwStarting?.catch(() => null)))?.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** The overlay script's URL in the page's first iframe (the proxied landing page). */
async function overlaySrcIn(page: Page): Promise<string> {
  const f = await (await page.$('iframe'))?.contentFrame();
  return (await f?.evaluate(() => document.querySelector<HTMLScriptElement>('script[src*="/__cb/overlay.js"]')?.src ?? '')) ?? '';
}

/** Fetches `url` from a top-level page on `sameSite`, again, then from one on `otherSite`; counts what reached the gateway. */
async function cachePartitioning(browser: Browser, count: () => Promise<number>, url: string, sameSite: string, otherSite: string) {
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    const get = async (where: string) => {
      if (page.url() !== where) await page.goto(where);
      const before = await count();
      await page.evaluate((u) => fetch(u, { mode: 'cors', credentials: 'omit' }).then((r) => r.text()), url);
      return (await count()) - before;
    };
    const first = await get(`${sameSite}/healthz`);
    const again = await get(`${sameSite}/healthz`);
    const otherSiteFetches = await get(otherSite);
    return { first, again, otherSite: otherSiteFetches };
  } finally {
    await ctx.close();
  }
}

/** Waits until the page's first iframe has loaded a document at `path`. */
async function waitForFrameAt(page: Page, path: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const f = await (await page.$('iframe'))?.contentFrame();
    if (f && f.url().includes(path)) {
      await f.waitForLoadState('load');
      return;
    }
    if (Date.now() > deadline) throw new Error(`tti: the frame never reached ${path} (at ${f?.url() ?? 'nothing'})`);
    await page.waitForTimeout(50);
  }
}


