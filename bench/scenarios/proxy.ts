// Scenario 3, proxy: page loads through the gateway's rewriting proxy against the fixture origin
// directly (the limit), http-proxy with a keep-alive agent, and http-proxy's default (agent:false).
// A ~70 KB real HTML page (rewritten by the gateway, forwarded as is by the others) and a 100 KB
// binary asset (streamed through by everyone). Each at a fixed offered rate and at max throughput.
// No `sec-fetch-dest` header is sent, so the gateway's single-flight page cache never answers.
import { createHash } from 'node:crypto';
import WebSocket from 'ws';
import type { BenchContext } from '../lib/context.ts';
import type { Child } from '../lib/rpc.ts';
import { mergeHists, summarize, type LatencySummary } from '../lib/hdr.ts';
import { httpRequest } from '../lib/http-request.ts';
import { connectHostOf, localhostLookup } from '../lib/localhost-dns.ts';
import { busyPercent, cpuSecondsOf, freePort, machineCpu } from '../lib/proc-stats.ts';
import { emptyResult, fig, fmt, latencyFigures, logNotes, type ScenarioResult } from '../lib/results.ts';

interface LoadResult {
  requests: number;
  durationSec: number;
  reqPerSec: number;
  bytesPerSec: number;
  non2xx: number;
  statusOther: Record<string, number>;
  errors: number;
  timeouts: number;
  hist: string;
  ticks: number[];
}

interface Target {
  subject: string;
  base: string;
  headers: Record<string, string>;
  pid: number | null;
}

interface Row {
  target: string;
  kind: 'page' | 'asset';
  mode: 'rate' | 'max';
  res: LoadResult;
  lat: LatencySummary;
  cpuPercent: number;
  machineBusy: number;
}

const KINDS = { page: '/page.html', asset: '/asset.bin' } as const;

export async function runProxy(ctx: BenchContext): Promise<ScenarioResult> {
  const { opts, progress } = ctx;
  const r = emptyResult('proxy', 'Proxy');
  const runs = 2 * 2 * 4;
  const runSec = opts.proxyDuration;
  progress.start(`proxy: 4 targets × (page, asset) × (${opts.proxyRate} req/s, max)`, runs * runSec + (opts.quick ? 0 : 4));

  const children: Child[] = [];
  let gw: Awaited<ReturnType<BenchContext['gateway']>> | null = null;
  let gwStarting: ReturnType<BenchContext['gateway']> | null = null;
  let visitorWs: WebSocket | null = null;
  try {
    // Everything starts at once (each process takes a second or more to load): the origin's port is
    // chosen here, so the peers and the gateway can be given its URL before it listens.
    const originPort = opts.originPort || (await freePort());
    const originUrl = `http://${opts.originHost}:${originPort}`;
    const fork = (rel: string, name: string, argv: string[] = []) => ctx.fork(rel, name, argv).then((c) => (children.push(c), c));
    const forked = Promise.all([
      fork('fixtures/origin-server.ts', 'origin', ['--port', String(originPort), '--host', opts.originHost]),
      fork('peers/http-proxy-server.ts', 'http-proxy-keepalive', ['--target', originUrl, '--agent', 'keepalive']),
      fork('peers/http-proxy-server.ts', 'http-proxy-default', ['--target', originUrl, '--agent', 'default']),
      fork('clients/http-load.ts', 'http-load'),
      fork('scenarios/rewrite-alone.ts', 'rewrite-alone'),
    ]);
    forked.catch(() => {}); // awaited below
    gwStarting = ctx.gateway(0, { ALLOWED_TARGETS: originUrl, PROXY_RATE_PER_SECOND: '1000000000', PROXY_BURST: '1000000000' });
    gwStarting.catch(() => {}); // awaited below
    const [origin, keep, dflt, load, alone] = await forked;
    gw = await gwStarting;
    const info = await origin.call<{ pageFile: string; pageBytes: number; assetBytes: number; assetSha256: string }>('info');
    // A visitor session on the fixture page gives us a proxy origin; its socket stays open so the
    // session (and with it the proxy token) stays live for the whole scenario.
    const start = await httpRequest(`${gw.url}/start?${new URLSearchParams({ site: 'bench', url: `${originUrl}/page.html` })}`);
    const sid = String(start.headers.location ?? '').replace(/^\/v\//, '');
    if (start.status !== 303 || !sid) throw new Error(`proxy: /start answered ${start.status}`);
    const ws = new WebSocket(`${gw.url.replace(/^http/, 'ws')}/ws/visitor?sid=${sid}`, { headers: { origin: gw.url }, lookup: localhostLookup as never });
    visitorWs = ws;
    const proxyUrl = await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('proxy: no session frame with a proxyUrl')), 10_000);
      ws.on('open', () => ws.send(JSON.stringify({ type: 'hello' })));
      ws.on('error', reject);
      ws.on('message', (d) => {
        const m = JSON.parse(String(d));
        if (m.type === 'session' && m.session.proxyUrl) {
          clearTimeout(t);
          resolve(m.session.proxyUrl);
        }
      });
    });
    const pu = new URL(proxyUrl);

    // ---- correctness of what we are about to measure
    const page = await httpRequest(`${pu.origin}/page.html`);
    const pageText = page.body.toString('utf8');
    r.checks.push({
      scenario: r.name,
      name: 'proxied page is rewritten (overlay injected)',
      ok: page.status === 200 && pageText.includes('window.__cbFrame') && pageText.includes('/__cb/overlay.js'),
      detail: `HTTP ${page.status}, ${page.body.length} bytes from a ${info.pageBytes}-byte page`,
    });
    const asset = await httpRequest(`${pu.origin}/asset.bin`);
    const sha = createHash('sha256').update(asset.body).digest('hex');
    r.checks.push({
      scenario: r.name,
      name: 'proxied octet-stream asset is byte-exact',
      ok: asset.status === 200 && sha === info.assetSha256,
      detail: `HTTP ${asset.status}, ${asset.body.length} of ${info.assetBytes} bytes, sha256 ${sha === info.assetSha256 ? 'matches' : 'differs'}`,
    });

    const targets: Target[] = [
      { subject: 'direct origin', base: originUrl, headers: {}, pid: origin.pid },
      { subject: 'gateway', base: `http://${connectHostOf(proxyUrl)}:${pu.port || 80}`, headers: { host: pu.host }, pid: gw.pid },
      { subject: 'http-proxy keep-alive', base: `http://127.0.0.1:${await keep.call<number>('port')}`, headers: {}, pid: keep.pid },
      { subject: 'http-proxy default (agent:false)', base: `http://127.0.0.1:${await dflt.call<number>('port')}`, headers: {}, pid: dflt.pid },
    ];

    let elapsed = 0;
    const tick = () => progress.update(elapsed);
    // Warm-up: JIT, connection pools and the injector's first pages, not measured. (--quick skips it
    // and runs the four targets of a row at once: it only checks the harness.)
    if (!opts.quick) {
      // All four targets at once: warm-up is not measured.
      for (const path of Object.values(KINDS)) {
        await Promise.all(targets.map((t) => load.call('run', { url: t.base + path, headers: t.headers, connections: opts.proxyConnections, durationSec: 1 })));
        elapsed += 2;
        tick();
      }
    }
    const runOne = async (t: Target, kind: Row['kind'], mode: Row['mode']): Promise<Row> => {
      const cpu0 = t.pid ? cpuSecondsOf(t.pid) : NaN;
      const m0 = machineCpu();
      const res = await load.call<LoadResult>('run', {
        url: t.base + KINDS[kind],
        headers: t.headers,
        connections: mode === 'rate' ? 4 : opts.proxyConnections,
        durationSec: runSec,
        ...(mode === 'rate' ? { overallRate: opts.proxyRate } : {}),
      });
      const cpu1 = t.pid ? cpuSecondsOf(t.pid) : NaN;
      const machineBusy = busyPercent(m0, machineCpu());
      return { target: t.subject, kind, mode, res, lat: summarize(mergeHists([res.hist])), cpuPercent: ((cpu1 - cpu0) / res.durationSec) * 100, machineBusy };
    };
    const rows: Row[] = [];
    for (const kind of ['page', 'asset'] as const) {
      for (const mode of ['rate', 'max'] as const) {
        const what = `${kind} ${mode === 'rate' ? `@${opts.proxyRate}/s` : 'max'}`;
        if (opts.quick) {
          progress.update(elapsed, `${what} → all targets at once`);
          rows.push(...(await Promise.all(targets.map((t) => runOne(t, kind, mode)))));
          elapsed += runSec * targets.length;
        } else {
          for (const t of targets) {
            progress.update(elapsed, `${what} → ${t.subject}`);
            rows.push(await runOne(t, kind, mode));
            elapsed += runSec;
          }
        }
        tick();
      }
    }

    // The limit for CPU per rewritten page: rewriteHtml alone on the same page, in its own process.
    progress.update(elapsed, 'rewriteHtml alone (the limit for CPU per page)');
    type Alone = { pages: number; cpuMsPerPage: number };
    const alone2 = await alone.call<{ bytes: Alone; string: Alone }>('run', { pageFile: info.pageFile, pageUrl: `${originUrl}/page.html`, seconds: opts.quick ? 0.3 : 2, ...(opts.quick ? { warmup: 30 } : {}) });
    // The goal is against the injector's own entry point the gateway calls (bytes in, bytes out);
    // rewriteHtml on the already-decoded string is reported beside it.
    const limit = alone2.bytes;

    const gwRows = rows.filter((x) => x.target === 'gateway');
    const bad = gwRows.reduce((a, x) => a + x.res.non2xx + x.res.errors + x.res.timeouts, 0);
    r.checks.push({
      scenario: r.name,
      name: 'gateway answered every load request with 2xx',
      ok: bad === 0,
      detail: bad ? gwRows.map((x) => `${x.kind}/${x.mode}: non-2xx ${x.res.non2xx} ${JSON.stringify(x.res.statusOther)}, errors ${x.res.errors}, timeouts ${x.res.timeouts}`).join('; ') : `${gwRows.reduce((a, x) => a + x.res.requests, 0)} requests`,
    });

    // ---- figures, ratios, tables, charts
    const label = (x: Row) => `${x.kind === 'page' ? `HTML page ${fmt(info.pageBytes / 1024)} KiB` : `octet-stream ${fmt(info.assetBytes / 1024)} KiB`}, ${x.mode === 'rate' ? `${opts.proxyRate} req/s offered` : `max (${opts.proxyConnections} connections)`}`;
    for (const x of rows) {
      const key = `${x.kind} ${x.mode === 'rate' ? 'fixed rate' : 'max'}`;
      latencyFigures(r, x.target, `${key} latency`, x.lat);
      fig(r, x.target, {
        [`${key} requests per second`]: [x.res.reqPerSec, 'req/s'],
        [`${key} throughput`]: [x.res.bytesPerSec / 1e6, 'MB/s'],
        [`${key} offered rate`]: [x.mode === 'rate' ? opts.proxyRate : NaN, 'req/s'],
        [`${key} connections`]: [x.mode === 'rate' ? 4 : opts.proxyConnections, 'connections'],
        [`${key} non-2xx + errors`]: [x.res.non2xx + x.res.errors + x.res.timeouts, 'responses'],
        [`${key} CPU of the serving process`]: [x.cpuPercent, '% of one core'],
        [`${key} CPU per request of the serving process`]: [(x.cpuPercent * 10) / Math.max(1e-9, x.res.reqPerSec), 'ms'],
        [`${key} machine CPU busy`]: [x.machineBusy, '% of all cores'],
      });
      if (x.mode === 'max') r.series.push({ scenario: r.name, name: `${x.target}, ${x.kind} max`, unit: 'req/s', points: x.res.ticks });
    }
    const get = (target: string, kind: Row['kind'], mode: Row['mode']) => rows.find((x) => x.target === target && x.kind === kind && x.mode === mode)!;
    const ratio = (name: string, v: number, goal?: [string, boolean]) => r.ratios.push({ scenario: r.name, name, value: v, unit: 'x', ...(goal ? { goal: goal[0], met: goal[1] } : {}) });
    for (const kind of ['page', 'asset'] as const) {
      const g = get('gateway', kind, 'max').res.reqPerSec;
      const passthrough = kind === 'asset' ? ' (non-HTML passthrough)' : ' (rewritten vs forwarded)';
      ratio(`${kind} max req/s: gateway / direct origin`, g / get('direct origin', kind, 'max').res.reqPerSec);
      const vsKeep = g / get('http-proxy keep-alive', kind, 'max').res.reqPerSec;
      ratio(`${kind} max req/s: gateway / http-proxy keep-alive${passthrough}`, vsKeep, kind === 'asset' ? ['>= 2', vsKeep >= 2] : undefined);
      ratio(`${kind} max req/s: gateway / http-proxy default`, g / get('http-proxy default (agent:false)', kind, 'max').res.reqPerSec);
      const cpuPerReq = (x: Row) => x.cpuPercent / Math.max(1e-9, x.res.reqPerSec);
      ratio(`${kind} CPU per request at max: http-proxy keep-alive / gateway (> 1: gateway cheaper)`, cpuPerReq(get('http-proxy keep-alive', kind, 'max')) / cpuPerReq(get('gateway', kind, 'max')));
      ratio(`${kind} p99 @${opts.proxyRate} req/s: gateway / direct origin`, get('gateway', kind, 'rate').lat.p99 / get('direct origin', kind, 'rate').lat.p99);
      ratio(`${kind} p99 @${opts.proxyRate} req/s: gateway / http-proxy keep-alive`, get('gateway', kind, 'rate').lat.p99 / get('http-proxy keep-alive', kind, 'rate').lat.p99);
    }
    const pageCpu = (mode: Row['mode']) => (get('gateway', 'page', mode).cpuPercent * 10) / Math.max(1e-9, get('gateway', 'page', mode).res.reqPerSec);
    fig(r, 'rewriteHtmlUtf8 alone', { 'CPU per rewritten page': [limit.cpuMsPerPage, 'ms'], pages: [limit.pages, 'pages'] });
    fig(r, 'rewriteHtml alone', { 'CPU per rewritten page': [alone2.string.cpuMsPerPage, 'ms'], pages: [alone2.string.pages, 'pages'] });
    fig(r, 'gateway', { 'CPU per rewritten page at max': [pageCpu('max'), 'ms'], 'CPU per rewritten page at the fixed rate': [pageCpu('rate'), 'ms'] });
    const vsLimit = pageCpu('max') / limit.cpuMsPerPage;
    ratio('page CPU per request at max: gateway / rewriteHtmlUtf8 alone (the limit: the injector entry point the gateway calls)', vsLimit, ['<= 1.3', vsLimit <= 1.3]);
    ratio('page CPU per request at max: gateway / rewriteHtml alone on the decoded string', pageCpu('max') / alone2.string.cpuMsPerPage);
    ratio(`page CPU per request @${opts.proxyRate} req/s: gateway / rewriteHtmlUtf8 alone`, pageCpu('rate') / limit.cpuMsPerPage);
    r.tables.push({
      title: 'Proxy: CPU per rewritten page, the gateway against rewriteHtml alone on the same page (the limit)',
      headers: ['', 'CPU per page (ms)', 'x the limit'],
      rows: [
        ['rewriteHtmlUtf8 alone (page bytes in memory → bytes, the gateway\'s URL mapper, same injection)', fmt(limit.cpuMsPerPage), '1'],
        ['rewriteHtml alone (page already decoded to a string → string, same mapper and injection)', fmt(alone2.string.cpuMsPerPage), fmt(alone2.string.cpuMsPerPage / limit.cpuMsPerPage)],
        [`gateway, max (${opts.proxyConnections} connections)`, fmt(pageCpu('max')), fmt(vsLimit)],
        [`gateway, ${opts.proxyRate} req/s offered`, fmt(pageCpu('rate')), fmt(pageCpu('rate') / limit.cpuMsPerPage)],
      ],
    });
    r.tables.push({
      title: `Proxy: fixture origin serving a ${fmt(info.pageBytes / 1024)} KiB corpus page and a ${fmt(info.assetBytes / 1024)} KiB application/octet-stream asset; ${runSec} s per row`,
      headers: ['load', 'target', 'req/s', 'MB/s', 'p50 / p95 / p99 (ms)', 'serving process CPU % (ms/req)', 'machine busy %', 'non-2xx + errors'],
      rows: rows.map((x) => [
        label(x),
        x.target,
        fmt(x.res.reqPerSec),
        fmt(x.res.bytesPerSec / 1e6),
        `${fmt(x.lat.p50)} / ${fmt(x.lat.p95)} / ${fmt(x.lat.p99)}`,
        `${fmt(x.cpuPercent)} (${fmt((x.cpuPercent * 10) / Math.max(1e-9, x.res.reqPerSec), 2)})`,
        fmt(x.machineBusy),
        String(x.res.non2xx + x.res.errors + x.res.timeouts),
      ]),
    });
    for (const kind of ['page', 'asset'] as const) {
      r.latency.push({
        scenario: r.name,
        title: `${kind === 'page' ? 'HTML page' : 'Octet-stream asset'} latency at ${opts.proxyRate} req/s offered`,
        groups: rows.filter((x) => x.kind === kind && x.mode === 'rate').map((x) => ({ subject: x.target, summary: x.lat })),
      });
    }
    r.notes.push(
      `Fixture page: htmlparser-benchmark ${info.pageFile} (${info.pageBytes} bytes). The gateway buffers it and rewrites it as UTF-8 bytes (rewriteHtmlUtf8) and injects the overlay; the other targets forward it untouched.`,
      'Fixed-rate rows split the rate over 4 connections as autocannon\'s overallRate does: each connection sends its share of every second back to back, then waits for the next second.',
      'Load generator: clients/http-load.ts, a keep-alive HTTP/1.1 client reading into one reused buffer (about a third of autocannon\'s CPU per 100 KB response, CPU the 2-core machine would otherwise take from the target under test); the same client and settings for every target.',
      'Everything (origin, proxies, gateway, load generator) shares this machine\'s cores: "serving process CPU" is the gateway, the http-proxy peer or (for "direct") the origin alone, with its CPU milliseconds per request — the fairest comparison when the max rows are bound by the shared cores ("machine busy" near 100).',
    );
    logNotes(r, gw.logIssues());
    progress.finish(`page max: gateway ${fmt(get('gateway', 'page', 'max').res.reqPerSec)} req/s, asset max: ${fmt(get('gateway', 'asset', 'max').res.reqPerSec)} req/s`);
    return r;
  } finally {
    visitorWs?.close();
    await Promise.all(children.map((c) => c.stop()));
    // Started beside the forks: stopped even when a fork failed before it was ready.
    await (gw ?? (await gwStarting?.catch(() => null)))?.stop();
  }
}
