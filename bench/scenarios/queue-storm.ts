// Scenario 1, queue storm: N visitors click "Talk to a live agent" at R per second while M agents
// (in their own processes) accept whatever they are offered, at once. Measures click → agent joined,
// the longest queue, and checks the routing invariant: every visitor ends up in exactly one active
// session with exactly one agent, and no two agents were given the same session.
import type { BenchContext } from '../lib/context.ts';
import { chunk } from '../lib/context.ts';
import { mergeHists, summarize, type LatencySummary } from '../lib/hdr.ts';
import type { GatewayHandle } from '../lib/gateway-process.ts';
import { emptyResult, fig, fmt, latencyFigures, logNotes, mib, type ScenarioResult } from '../lib/results.ts';
import { busyPercent, cpuSecondsOf, machineCpu, sleep } from '../lib/proc-stats.ts';

interface ArriveResult {
  started: number;
  active: number;
  hist: string;
  maxWaiting: number;
  startedPerSec: number[];
  activePerSec: number[];
  visitors: { sid: string | null; agentIds: string[]; error: string | null }[];
}
interface AgentView {
  byAgent: Record<string, string[]>;
  refusals: Record<string, number>;
  acceptsSent: number;
  open: number;
}

/** What one storm measured: latency, the routing invariant's counts, gateway and client cost. */
export interface StormRun {
  visitors: number;
  rate: number;
  agents: number;
  agentProcs: number;
  res: Omit<ArriveResult, 'visitors'>;
  lat: LatencySummary;
  lost: number;
  /** Reason → count of the visitors lost ('no agent before timeout', or an error). */
  lostReasons: Map<string, number>;
  double: number;
  mismatched: number;
  maxQueue: number;
  queueSamples: { t: number; q: number }[];
  refusals: [string, number][];
  accepts: number;
  joinsPerSec: number;
  rssBefore: number;
  rssAfter: number;
  cpuSeconds: number;
  /** CPU seconds of the load-client processes (the visitors, then each agent process) during the storm. */
  clientCpuSeconds: number[];
  cpuPercent: number;
  machineBusy: number;
  worstEldMs: number;
  elapsedSec: number;
  logIssues: Map<string, number>;
}

/**
 * One storm on a fresh gateway (`gateway()`, ctx.gateway by default): `visitors` arrive at `rate`/s
 * while `agents` auto-accept; gateway and clients are stopped before it resolves. Used by this
 * scenario and by the capacity sweep over arrival rates (scenarios/capacity.ts).
 */
export async function stormRun(
  ctx: BenchContext,
  p: { visitors: number; rate: number; agents: number; agentProcs: number; gateway?: () => Promise<GatewayHandle>; onProgress?: (d: { active: number; waiting: number; failed: number }) => void },
): Promise<StormRun> {
  const { opts } = ctx;
  const N = p.visitors;
  // The gateway and the client processes start together (each takes a second or so to load).
  const [gw, visitorProc, ...agentProcs] = await Promise.all([
    p.gateway ? p.gateway() : ctx.gateway(p.agents),
    ctx.fork('clients/visitor-client.ts', 'visitors'),
    ...Array.from({ length: Math.min(p.agentProcs, p.agents) }, (_, k) => ctx.fork('clients/agent-client.ts', `agents-${k + 1}`)),
  ]);
  const clientPids = [visitorProc, ...agentProcs].map((c) => c.pid);
  try {
    await Promise.all(chunk(gw.agents, p.agentProcs).map((creds, k) => agentProcs[k].call('connect', { url: gw.url, creds, autoAccept: true })));
    if (!opts.quick) await gw.gc();
    const rssBefore = await gw.rss();
    const cpu0 = gw.pid ? cpuSecondsOf(gw.pid) : NaN;
    const clients0 = clientPids.map(cpuSecondsOf);
    const m0 = machineCpu();

    // Queue length as the gateway reports it, sampled from /metrics (which also gives us a fresh
    // event-loop delay p99 per sample window).
    const queueSamples: { t: number; q: number }[] = [];
    let worstEld = 0;
    const t0 = Date.now();
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        try {
          const m = await gw.metrics();
          queueSamples.push({ t: (Date.now() - t0) / 1000, q: m.get('cobrowse_queue_length') ?? NaN });
          worstEld = Math.max(worstEld, m.get('nodejs_eventloop_lag_p99_seconds') ?? 0);
        } catch {
          /* a missed sample is not a failure */
        }
        await sleep(250);
      }
    })();

    if (p.onProgress) visitorProc.onEvent((_e, d: { active: number; waiting: number; failed: number }) => p.onProgress!(d));
    const arrivalMs = (N / p.rate) * 1000;
    const res = await visitorProc.call<ArriveResult>('arrive', {
      url: gw.url,
      count: N,
      rate: p.rate,
      entryUrl: 'https://shop.example.com/checkout?step=delivery',
      timeoutMs: arrivalMs + (opts.quick ? 10_000 : 30_000),
    });
    sampling = false;
    await sampler;
    const elapsedSec = (Date.now() - t0) / 1000;
    const cpuSeconds = gw.pid ? cpuSecondsOf(gw.pid) - cpu0 : NaN;
    const clientCpuSeconds = clientPids.map((pid, i) => cpuSecondsOf(pid) - clients0[i]);
    const cpuPercent = (cpuSeconds / elapsedSec) * 100;
    const machineBusy = busyPercent(m0, machineCpu());

    // Agents learn of their sessions by their own frames; give the last ones a moment to land.
    const activeSids = new Set(res.visitors.filter((v) => !v.error).map((v) => v.sid!));
    let views: AgentView[] = [];
    for (let i = 0; i < 20; i++) {
      views = await Promise.all(agentProcs.map((a) => a.call<AgentView>('sessions')));
      const claimed = new Set(views.flatMap((v) => Object.values(v.byAgent).flat()));
      if ([...activeSids].every((s) => claimed.has(s))) break;
      await sleep(150);
    }
    if (!opts.quick) await gw.gc();
    const rssAfter = await gw.rss();

    // ---- correctness
    const owners = new Map<string, string[]>();
    for (const v of views) for (const [agentId, sids] of Object.entries(v.byAgent)) for (const sid of sids) owners.set(sid, [...(owners.get(sid) ?? []), agentId]);
    const lost = res.visitors.filter((v) => v.error);
    const double = res.visitors.filter((v) => !v.error && (v.agentIds.length > 1 || (owners.get(v.sid!)?.length ?? 0) > 1));
    const mismatched = res.visitors.filter((v) => !v.error && v.agentIds.length === 1 && (owners.get(v.sid!)?.length ?? 0) <= 1 && owners.get(v.sid!)?.[0] !== v.agentIds[0]);
    const lostReasons = new Map<string, number>();
    for (const v of lost) lostReasons.set(v.error!, (lostReasons.get(v.error!) ?? 0) + 1);

    const refusals = Object.entries(views.reduce<Record<string, number>>((acc, v) => {
      for (const [k, n] of Object.entries(v.refusals)) acc[k] = (acc[k] ?? 0) + n;
      return acc;
    }, {}));
    const firstActive = res.activePerSec.findIndex((n) => n > 0);
    await visitorProc.call('close', { end: !!opts.target });
    await Promise.all(agentProcs.map((a) => a.call('close')));
    const { visitors: _all, ...counts } = res;
    return {
      visitors: N,
      rate: p.rate,
      agents: p.agents,
      agentProcs: agentProcs.length,
      res: counts,
      lat: summarize(mergeHists([res.hist])),
      lost: lost.length,
      lostReasons,
      double: double.length,
      mismatched: mismatched.length,
      maxQueue: Math.max(0, ...queueSamples.map((x) => x.q).filter(Number.isFinite)),
      queueSamples,
      refusals,
      accepts: views.reduce((a, v) => a + v.acceptsSent, 0),
      joinsPerSec: res.active / Math.max(1e-9, res.activePerSec.length - Math.max(0, firstActive)),
      rssBefore,
      rssAfter,
      cpuSeconds,
      clientCpuSeconds,
      cpuPercent,
      machineBusy,
      worstEldMs: worstEld * 1000,
      elapsedSec,
      logIssues: gw.logIssues(),
    };
  } finally {
    await Promise.all([visitorProc.stop(), ...agentProcs.map((a) => a.stop())]);
    await gw.stop();
  }
}

export async function runQueueStorm(ctx: BenchContext): Promise<ScenarioResult> {
  const { opts, progress } = ctx;
  const N = opts.visitors;
  const r = emptyResult('queue', 'Queue storm');
  progress.start(`queue storm: ${N} visitors at ${opts.rate}/s, ${opts.agents} agents`, N);
  const s = await stormRun(ctx, {
    visitors: N,
    rate: opts.rate,
    agents: opts.agents,
    agentProcs: opts.agentProcs,
    onProgress: (d) => progress.update(d.active + d.failed, `${d.active}/${N} with an agent, ${d.waiting} waiting`),
  });
  const { res, lat, lost, double, mismatched, maxQueue, refusals, accepts, joinsPerSec, rssBefore, rssAfter, cpuSeconds, cpuPercent, machineBusy, elapsedSec } = s;
  r.checks.push(
    { scenario: r.name, name: 'visitors lost', ok: lost === 0, detail: lost ? `${lost}: ${[...s.lostReasons].map(([k, n]) => `${n}× ${k}`).join('; ')}` : `0 of ${N}` },
    { scenario: r.name, name: 'visitors double-assigned', ok: double === 0, detail: `${double} of ${N}` },
    { scenario: r.name, name: 'visitor and agent disagree on the assignment', ok: mismatched === 0, detail: `${mismatched} of ${N}` },
  );

  // ---- figures
  latencyFigures(r, 'gateway', 'click → agent joined', lat);
  fig(r, 'gateway', {
    'visitors arrived': [res.started, 'visitors'],
    'arrival rate': [opts.rate, 'visitors/s'],
    agents: [opts.agents, 'agents'],
    'agent processes': [s.agentProcs, 'processes'],
    'visitors with an agent': [res.active, 'visitors'],
    'visitors lost': [lost, 'visitors'],
    'visitors double-assigned': [double, 'visitors'],
    'assignment mismatches': [mismatched, 'visitors'],
    'max queue length (/metrics)': [maxQueue, 'visitors'],
    'max visitors waiting (client count)': [res.maxWaiting, 'visitors'],
    'agent joins per second': [joinsPerSec, 'sessions/s'],
    'accepts sent': [accepts, 'frames'],
    'accepts refused': [refusals.reduce((a, [, n]) => a + n, 0), 'frames'],
    'RSS before': [mib(rssBefore), 'MiB'],
    'RSS after': [mib(rssAfter), 'MiB'],
    'gateway CPU during the storm': [cpuPercent, '% of one core'],
    'gateway CPU per visitor (start, queue, offer, accept, join)': [(cpuSeconds * 1000) / Math.max(1, res.started), 'ms'],
    'machine CPU busy during the storm': [machineBusy, '% of all cores'],
    'event-loop delay p99 (worst 250 ms window)': [s.worstEldMs, 'ms'],
    'elapsed': [elapsedSec, 's'],
  });
  r.latency.push({ scenario: r.name, title: 'Click → agent joined', groups: [{ subject: `gateway, ${N} visitors at ${opts.rate}/s, ${opts.agents} agents`, summary: lat }] });
  r.series.push(
    { scenario: r.name, name: 'visitors arriving', unit: 'visitors/s', points: res.startedPerSec },
    { scenario: r.name, name: 'visitors getting an agent', unit: 'visitors/s', points: res.activePerSec },
    { scenario: r.name, name: 'queue length (max per second)', unit: 'visitors', points: perSecondMax(s.queueSamples) },
  );
  r.tables.push({
    title: `Queue storm: ${N} visitors arriving at ${opts.rate}/s, ${opts.agents} auto-accepting agents in ${s.agentProcs} processes`,
    headers: ['figure', 'value'],
    rows: [
      ['click → agent joined p50 / p95 / p99 / max', `${fmt(lat.p50)} / ${fmt(lat.p95)} / ${fmt(lat.p99)} / ${fmt(lat.max)} ms`],
      ['visitors with an agent', `${res.active} of ${N}`],
      ['lost / double-assigned / mismatched', `${lost} / ${double} / ${mismatched}`],
      ['max queue length (/metrics, 250 ms samples) / max waiting (client)', `${fmt(maxQueue)} / ${res.maxWaiting}`],
      ['agent joins per second', fmt(joinsPerSec)],
      ['accepts sent / refused', `${accepts} / ${refusals.length ? refusals.map(([k, n]) => `${n} ${k}`).join(', ') : 0}`],
      ['gateway RSS before → after (after forced GC)', `${fmt(mib(rssBefore))} → ${fmt(mib(rssAfter))} MiB`],
      ['gateway CPU / machine busy during the storm', `${fmt(cpuPercent)} % of one core / ${fmt(machineBusy)} % of all cores`],
      ['gateway CPU per visitor (start → queued → offered → accepted → joined)', `${fmt((cpuSeconds * 1000) / Math.max(1, res.started))} ms`],
      ['gateway event-loop delay p99 (worst 250 ms window)', `${fmt(s.worstEldMs)} ms`],
    ],
  });
  if (refusals.length) r.notes.push(`Accept refusals (not errors: an offer can move on between snapshot and accept): ${refusals.map(([k, n]) => `${n}× ${k}`).join(', ')}.`);
  progress.finish(`p99 ${fmt(lat.p99)} ms, ${res.active}/${N} served, lost ${lost}, double ${double}`);
  logNotes(r, s.logIssues);
  return r;
}

function perSecondMax(samples: { t: number; q: number }[]): number[] {
  const out: number[] = [];
  for (const s of samples) {
    const i = Math.floor(s.t);
    if (Number.isFinite(s.q)) out[i] = Math.max(out[i] ?? 0, s.q);
  }
  return Array.from(out, (v) => v ?? 0);
}

