// Soak: S sessions (--soak-sessions, 500) held for N minutes (--minutes) with sync and chat, to find
// what grows. The same clients as the chat-and-sync scenario (bench/clients/visitor-client.ts and
// agent-client.ts, their traffic plan) against one gateway process; the harness samples the
// gateway's RSS, V8 heap and event-loop delay every --sample-seconds and reports them over time.
//
// The figure that matters is RSS growth after warm-up: RSS after a forced full GC at the end of the
// warm-up (the first fifth of the run, at least one sample) against RSS after a forced full GC at
// the end. Forced GC (through the inspector) makes the two comparable: V8 returns garbage lazily, so
// raw RSS moves with GC timing. The timeline's samples are raw (no forced GC), so a GC pause never
// lands in the event-loop delay of an interval.
//
// Rates are lower than the chat scenario's (sync 5 Hz, chat one message per 5 s per party): a soak
// looks for leaks over time, not for throughput, and must not starve a shared machine for 30 minutes.
import type { BenchContext } from '../lib/context.ts';
import { chunk, forkPartyClients } from '../lib/context.ts';
import type { Child } from '../lib/rpc.ts';
import { epochMs, mergeHists, summarize } from '../lib/hdr.ts';
import { cpuSecondsOf, freePort, sleep } from '../lib/proc-stats.ts';
import http from 'node:http';
import { httpRequest } from '../lib/http-request.ts';
import { emptyResult, fig, fmt, latencyFigures, logNotes, mib, type ScenarioResult } from '../lib/results.ts';
import type { LoadPlan, RecorderReport } from '../clients/traffic.ts';

type LoadReport = RecorderReport & { sockets: number; closes?: Record<string, number> };

/** One timeline sample. */
interface Sample {
  /** Seconds since the load started. */
  t: number;
  rss: number;
  heapUsed: number;
  /** Event-loop delay p99 over the interval since the previous sample (prom-client resets on scrape), ms. */
  eldP99Ms: number;
  eldMaxMs: number;
  /** Gateway CPU over the interval, % of one core. */
  cpuPercent: number;
  /** Time for GET /healthz on the health worker's port and on the main port (fresh connections), ms. */
  healthWorkerMs: number;
  healthMainMs: number;
}

/** No keep-alive: each probe is a fresh connection, as an orchestrator's usually is. */
const freshConnections = new http.Agent({ keepAlive: false });

/** Milliseconds one GET takes on a fresh connection (NaN when it fails). */
async function timeGet(url: string): Promise<number> {
  const t0 = performance.now();
  try {
    const r = await httpRequest(url, { agent: freshConnections, timeoutMs: 10_000 });
    return r.status === 200 ? performance.now() - t0 : NaN;
  } catch {
    return NaN;
  }
}

const median = (xs: number[]) => {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  return v.length ? v[Math.floor(v.length / 2)] : NaN;
};

/** The goal from the issue: RSS grows less than 5% after warm-up. */
const GOAL_GROWTH = 0.05;

export async function runSoak(ctx: BenchContext): Promise<ScenarioResult> {
  const { opts, progress } = ctx;
  const S = opts.soakSessions;
  const r = emptyResult('soak', 'Soak');
  const agentsNeeded = Math.max(opts.chatAgents, Math.ceil(S / 100));
  const procs = Math.min(opts.agentProcs, agentsNeeded);
  const durationMs = opts.minutes * 60_000;
  const sampleMs = Math.min(opts.sampleSeconds * 1000, durationMs / 4);
  const warmupMs = Math.max(sampleMs, durationMs / 5);

  progress.start(`soak: ${S} sessions, ${opts.soakSyncHz} Hz sync, chat ${opts.soakChatRate}/s per party, for ${fmt(opts.minutes)} min`, durationMs / 1000 + 10);
  const healthPort = opts.target ? 0 : await freePort();
  const gw = await ctx.gateway(agentsNeeded, healthPort ? { HEALTH_PORT: String(healthPort) } : undefined);
  const clients: Child[] = [];
  try {
    const groups = chunk(gw.agents, procs);
    const { visitors, agents } = await forkPartyClients(ctx, 'soak', groups.length, { groups, agentUrl: gw.url }, clients);
    await gw.gc();
    const rssIdle = await gw.rss();
    const arrived = await visitors.call<{ active: number }>('arrive', { url: gw.url, count: S, rate: 100, entryUrl: 'https://shop.example.com/', timeoutMs: 60_000 });
    for (let i = 0; i < 50; i++) {
      const views = await Promise.all(agents.map((a) => a.call<{ byAgent: Record<string, string[]> }>('sessions')));
      if (views.reduce((n, v) => n + Object.values(v.byAgent).flat().length, 0) >= arrived.active) break;
      await sleep(100);
    }
    await gw.gc();
    const rssEstablished = await gw.rss();
    progress.update(5, `${arrived.active} sessions established`);

    // One plan for the whole run: every client process sends from t0 for durationMs.
    const plan: LoadPlan = { t0: epochMs() + 500, warmupMs: 0, durationMs, syncHz: opts.soakSyncHz, chatPerSec: opts.soakChatRate, drainMs: 1000 };
    const running = Promise.all(clients.map((c) => c.call<LoadReport>('load', plan)));
    running.catch(() => {}); // awaited below; a failure while sampling must not be an unhandled rejection
    await sleep(plan.t0 - epochMs());
    await gw.metrics(); // resets the event-loop histogram: the first sample covers the first interval
    const samples: Sample[] = [];
    let rssAfterWarmup = NaN;
    let cpuPrev = gw.pid ? cpuSecondsOf(gw.pid) : NaN;
    let tPrev = epochMs();
    const end = plan.t0 + durationMs;
    while (epochMs() + sampleMs <= end + 50) {
      await sleep(plan.t0 + (samples.length + 1) * sampleMs - epochMs());
      const healthWorkerMs = healthPort ? await timeGet(`http://127.0.0.1:${healthPort}/healthz`) : NaN;
      const healthMainMs = await timeGet(`${gw.url}/healthz`);
      const m = await gw.metrics();
      const now = epochMs();
      const cpu = gw.pid ? cpuSecondsOf(gw.pid) : NaN;
      samples.push({
        t: (now - plan.t0) / 1000,
        rss: await gw.rss(),
        heapUsed: m.get('nodejs_heap_size_used_bytes') ?? NaN,
        eldP99Ms: (m.get('nodejs_eventloop_lag_p99_seconds') ?? NaN) * 1000,
        eldMaxMs: (m.get('nodejs_eventloop_lag_max_seconds') ?? NaN) * 1000,
        cpuPercent: ((cpu - cpuPrev) / ((now - tPrev) / 1000)) * 100,
        healthWorkerMs,
        healthMainMs,
      });
      cpuPrev = cpu;
      tPrev = now;
      if (Number.isNaN(rssAfterWarmup) && now - plan.t0 >= warmupMs) {
        await gw.gc();
        rssAfterWarmup = await gw.rss();
      }
      const last = samples[samples.length - 1];
      progress.update(5 + last.t, `${fmt(mib(last.rss))} MiB RSS, ELD p99 ${fmt(last.eldP99Ms)} ms`);
    }
    const reports = await running;
    await gw.gc();
    const rssEnd = await gw.rss();
    progress.finish(`${samples.length} samples`);

    const sum = (f: (x: LoadReport) => number) => reports.reduce((a, x) => a + f(x), 0);
    const chatSent = sum((x) => x.sent.chat);
    const chatReceived = sum((x) => x.received.chat);
    const syncSent = sum((x) => x.sent.sync);
    const syncReceived = sum((x) => x.received.sync);
    const closes: Record<string, number> = {};
    for (const x of reports) for (const [k, n] of Object.entries(x.closes ?? {})) closes[k] = (closes[k] ?? 0) + n;
    const errors: Record<string, number> = {};
    for (const x of reports) for (const [k, n] of Object.entries(x.errors)) errors[k] = (errors[k] ?? 0) + n;
    const sync = summarize(mergeHists(reports.map((x) => x.hist.sync)));
    const chat = summarize(mergeHists(reports.map((x) => x.hist.chat)));
    const growth = (rssEnd - rssAfterWarmup) / rssAfterWarmup;
    const afterWarmup = samples.filter((s) => s.t * 1000 >= warmupMs);
    const eldWorst = Math.max(...samples.map((s) => s.eldP99Ms));
    const eldMedian = [...samples.map((s) => s.eldP99Ms)].sort((a, b) => a - b)[Math.floor(samples.length / 2)];

    r.checks.push(
      { scenario: r.name, name: 'soak sessions established', ok: arrived.active === S, detail: `${arrived.active} of ${S}` },
      {
        scenario: r.name,
        name: 'every chat message sent during the soak was delivered',
        ok: chatReceived >= chatSent,
        detail: `${chatReceived} of ${chatSent}${Object.keys(errors).length ? `; error frames: ${JSON.stringify(errors)}` : ''}`,
      },
    );
    latencyFigures(r, 'gateway', 'soak sync one-way', sync);
    latencyFigures(r, 'gateway', 'soak chat one-way', chat);
    fig(r, 'gateway', {
      'soak sessions': [S, 'sessions'],
      'soak duration': [opts.minutes, 'min'],
      'soak warm-up': [warmupMs / 60_000, 'min'],
      'soak RSS idle (forced GC)': [mib(rssIdle), 'MiB'],
      'soak RSS with sessions established (forced GC)': [mib(rssEstablished), 'MiB'],
      'soak RSS after warm-up (forced GC)': [mib(rssAfterWarmup), 'MiB'],
      'soak RSS at the end (forced GC)': [mib(rssEnd), 'MiB'],
      'soak RSS growth after warm-up': [growth * 100, '%'],
      'soak raw RSS max after warm-up': [mib(Math.max(...afterWarmup.map((s) => s.rss))), 'MiB'],
      'soak event-loop delay p99, median interval': [eldMedian, 'ms'],
      'soak event-loop delay p99, worst interval': [eldWorst, 'ms'],
      'soak sync frames delivered / sent': [syncReceived / Math.max(1, syncSent), 'fraction'],
      'soak chat messages delivered': [chatReceived, 'messages'],
      'soak sockets closed by the gateway': [Object.values(closes).reduce((a, n) => a + n, 0), 'sockets'],
      'soak /healthz on the health port, median sample': [median(samples.map((x) => x.healthWorkerMs)), 'ms'],
      'soak /healthz on the health port, worst sample': [Math.max(...samples.map((x) => x.healthWorkerMs)), 'ms'],
      'soak /healthz on the main port, median sample': [median(samples.map((x) => x.healthMainMs)), 'ms'],
      'soak /healthz on the main port, worst sample': [Math.max(...samples.map((x) => x.healthMainMs)), 'ms'],
    });
    r.ratios.push({ scenario: r.name, name: 'soak RSS at the end / after warm-up (forced GC both)', value: rssEnd / rssAfterWarmup, unit: 'x', goal: `< ${1 + GOAL_GROWTH} (RSS growth < 5% after warm-up)`, met: growth < GOAL_GROWTH });
    r.series.push(
      { scenario: r.name, name: 'gateway RSS (MiB, one point per sample)', unit: 'MiB', points: samples.map((s) => mib(s.rss)) },
      { scenario: r.name, name: 'gateway event-loop delay p99 (ms, one point per sample)', unit: 'ms', points: samples.map((s) => s.eldP99Ms) },
    );
    // At most about 12 rows: every k-th sample, and always the last.
    const step = Math.max(1, Math.ceil(samples.length / 12));
    const rows = samples.filter((_, i) => i % step === 0 || i === samples.length - 1);
    r.tables.push({
      title: `Soak: ${S} sessions, sync ${opts.soakSyncHz} Hz visitor → agent, chat ${opts.soakChatRate}/s per party, ${fmt(opts.minutes)} min (gateway process, raw samples every ${fmt(sampleMs / 1000)} s)`,
      headers: ['minute', 'RSS (MiB)', 'V8 heap used (MiB)', 'event-loop delay p99 / max (ms)', 'gateway CPU (% of one core)', '/healthz health port / main port (ms)'],
      rows: rows.map((s) => [fmt(s.t / 60), fmt(mib(s.rss)), fmt(mib(s.heapUsed)), `${fmt(s.eldP99Ms)} / ${fmt(s.eldMaxMs)}`, fmt(s.cpuPercent), `${fmt(s.healthWorkerMs)} / ${fmt(s.healthMainMs)}`]),
    });
    r.tables.push({
      title: `Soak summary (RSS after a forced full GC; warm-up = first ${fmt(warmupMs / 60_000)} min)`,
      headers: ['RSS idle → established → after warm-up → end (MiB)', 'growth after warm-up', 'goal', 'sync p50 / p99 (ms)', 'chat delivered / sent', 'ELD p99 median / worst interval (ms)'],
      rows: [
        [
          `${fmt(mib(rssIdle))} → ${fmt(mib(rssEstablished))} → ${fmt(mib(rssAfterWarmup))} → ${fmt(mib(rssEnd))}`,
          `${growth >= 0 ? '+' : ''}${fmt(growth * 100)}%`,
          `< 5%: ${growth < GOAL_GROWTH ? 'met' : 'not met'}`,
          `${fmt(sync.p50)} / ${fmt(sync.p99)}`,
          `${chatReceived} / ${chatSent}`,
          `${fmt(eldMedian)} / ${fmt(eldWorst)}`,
        ],
      ],
    });
    r.notes.push(
      'Event-loop delay is the p99 of monitorEventLoopDelay (prom-client, 10 ms resolution: an idle process reads about 10 ms) over each sample interval.',
      `Closes by the gateway during the soak (code and reason → count): ${JSON.stringify(closes)}.`,
    );
    logNotes(r, gw.logIssues());
  } finally {
    await Promise.all(clients.map((c) => c.call('close').catch(() => {})));
    await Promise.all(clients.map((c) => c.stop()));
    await gw.stop();
  }
  return r;
}
