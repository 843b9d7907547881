// Scenario 1, queue storm: N visitors click "Talk to a live agent" at R per second while M agents
// (in their own processes) accept whatever they are offered, at once. Measures click → agent joined,
// the longest queue, and checks the routing invariant: every visitor ends up in exactly one active
// session with exactly one agent, and no two agents were given the same session.
import type { BenchContext } from '../lib/context.ts';
import { chunk } from '../lib/context.ts';
import { mergeHists, summarize } from '../lib/hdr.ts';
import { emptyResult, fig, fmt, latencyFigures, logNotes, mib, type ScenarioResult } from '../lib/results.ts';
import { busyPercent, cpuSecondsOf, machineCpu, sleep, systemCpuSecondsOf } from '../lib/proc-stats.ts';

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
  framesIn: number;
  bytesIn: number;
  open: number;
}

export async function runQueueStorm(ctx: BenchContext): Promise<ScenarioResult> {
  const { opts, progress } = ctx;
  const N = opts.visitors;
  const r = emptyResult('queue', 'Queue storm');
  progress.start(`queue storm: ${N} visitors at ${opts.rate}/s, ${opts.agents} agents`, N);

  // The gateway and the client processes start together (each takes a second or so to load).
  const [gw, visitorProc, ...agentProcs] = await Promise.all([
    ctx.gateway(opts.agents),
    ctx.fork('clients/visitor-client.ts', 'visitors'),
    ...Array.from({ length: Math.min(opts.agentProcs, opts.agents) }, (_, k) => ctx.fork('clients/agent-client.ts', `agents-${k + 1}`)),
  ]);
  try {
    await Promise.all(chunk(gw.agents, opts.agentProcs).map((creds, k) => agentProcs[k].call('connect', { url: gw.url, creds, autoAccept: true })));
    const agentFrames = async () => (await Promise.all(agentProcs.map((p) => p.call<AgentView>('sessions')))).reduce((a, v) => ({ frames: a.frames + v.framesIn, bytes: a.bytes + v.bytesIn }), { frames: 0, bytes: 0 });
    if (opts.queueWarmup > 0) {
      // Served first and kept (they hold agent capacity): V8 has compiled the hot paths before the
      // measured storm starts. Without it, a 400-visitor run measures mostly unoptimised code.
      progress.update(0, `warm-up: ${opts.queueWarmup} visitors`);
      const w = await visitorProc.call<ArriveResult>('arrive', {
        url: gw.url,
        count: opts.queueWarmup,
        rate: opts.rate * 4,
        entryUrl: 'https://shop.example.com/checkout?step=delivery',
        timeoutMs: (opts.queueWarmup / (opts.rate * 4)) * 1000 + 30_000,
      });
      if (w.active !== opts.queueWarmup) r.notes.push(`Warm-up: only ${w.active} of ${opts.queueWarmup} visitors got an agent.`);
    }
    if (!opts.quick) await gw.gc();
    const rssBefore = await gw.rss();
    const gwCpu = () => (gw.pid ? cpuSecondsOf(gw.pid) : NaN);
    const clientCpu = () => [visitorProc, ...agentProcs].reduce((a, p) => a + cpuSecondsOf(p.pid), 0);

    // Queue length as the gateway reports it, sampled from /metrics (which also gives us a fresh
    // event-loop delay p99 per sample window). Each sample also reads the gateway's CPU, so the
    // figure can be split: the idle baseline (agents connected, nobody arriving, this sampler
    // scraping /metrics), the first and the second half of the arrivals (cold against warm code).
    const queueSamples: { t: number; q: number }[] = [];
    const cpuSamples: { t: number; cpu: number }[] = [];
    let worstEld = 0;
    let tBase = Date.now();
    let sampling = true;
    let measuring = false;
    const sampler = (async () => {
      while (sampling) {
        try {
          const m = await gw.metrics();
          const t = (Date.now() - tBase) / 1000;
          cpuSamples.push({ t, cpu: gwCpu() });
          if (measuring) {
            queueSamples.push({ t, q: m.get('cobrowse_queue_length') ?? NaN });
            worstEld = Math.max(worstEld, m.get('nodejs_eventloop_lag_p99_seconds') ?? 0);
          }
        } catch {
          /* a missed sample is not a failure */
        }
        await sleep(250);
      }
    })();
    // Idle baseline: what the gateway spends with the agents connected and nobody arriving.
    const idleSec = opts.quick ? 0.5 : 2;
    const idle0 = gwCpu();
    await sleep(idleSec * 1000);
    const idleCpuPerSec = (gwCpu() - idle0) / idleSec;
    measuring = true;
    const frames0 = await agentFrames();
    const cpu0 = gwCpu();
    const sys0 = gw.pid ? systemCpuSecondsOf(gw.pid) : NaN;
    const client0 = clientCpu();
    const m0 = machineCpu();
    const t0 = Date.now();
    tBase = t0;
    cpuSamples.length = 0;

    visitorProc.onEvent((_e, d: { active: number; waiting: number; failed: number }) =>
      progress.update(d.active + d.failed, `${d.active}/${N} with an agent, ${d.waiting} waiting`),
    );
    const arrivalMs = (N / opts.rate) * 1000;
    const res = await visitorProc.call<ArriveResult>('arrive', {
      url: gw.url,
      count: N,
      rate: opts.rate,
      entryUrl: 'https://shop.example.com/checkout?step=delivery',
      timeoutMs: arrivalMs + (opts.quick ? 10_000 : 30_000),
    });
    sampling = false;
    await sampler;
    const elapsedSec = (Date.now() - t0) / 1000;
    const cpuSeconds = gwCpu() - cpu0;
    const sysSeconds = (gw.pid ? systemCpuSecondsOf(gw.pid) : NaN) - sys0;
    const clientSeconds = clientCpu() - client0;
    const cpuPercent = (cpuSeconds / elapsedSec) * 100;
    const machineBusy = busyPercent(m0, machineCpu());
    const served = Math.max(1, res.started);
    const perVisitorMs = (cpuSeconds * 1000) / served;
    // Net of the idle baseline over the storm's length: what the visitors cost, not the clock.
    const netPerVisitorMs = ((cpuSeconds - idleCpuPerSec * elapsedSec) * 1000) / served;
    // Warm: from the middle of the arrivals to the end, over the visitors that arrived in it (the
    // first half pays for V8 compiling the code paths; at 400 visitors that is a large share).
    const half = arrivalMs / 2000;
    const mid = cpuSamples.find((c) => c.t >= half);
    const warmPerVisitorMs = mid ? ((cpu0 + cpuSeconds - mid.cpu) * 1000) / Math.max(1, res.started - Math.round(mid.t * opts.rate)) : NaN;
    const coldPerVisitorMs = mid ? ((mid.cpu - cpu0) * 1000) / Math.max(1, Math.round(mid.t * opts.rate)) : NaN;

    // Agents learn of their sessions by their own frames; give the last ones a moment to land.
    const activeSids = new Set(res.visitors.filter((v) => !v.error).map((v) => v.sid!));
    let views: AgentView[] = [];
    for (let i = 0; i < 20; i++) {
      views = await Promise.all(agentProcs.map((p) => p.call<AgentView>('sessions')));
      const claimed = new Set(views.flatMap((v) => Object.values(v.byAgent).flat()));
      if ([...activeSids].every((s) => claimed.has(s))) break;
      await sleep(150);
    }
    const frames1 = await agentFrames();
    const framesPerVisitor = (frames1.frames - frames0.frames) / Math.max(1, res.started);
    const kbPerVisitor = (frames1.bytes - frames0.bytes) / 1024 / Math.max(1, res.started);
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
    r.checks.push(
      { scenario: r.name, name: 'visitors lost', ok: lost.length === 0, detail: lost.length ? `${lost.length}: ${[...lostReasons].map(([k, n]) => `${n}× ${k}`).join('; ')}` : `0 of ${N}` },
      { scenario: r.name, name: 'visitors double-assigned', ok: double.length === 0, detail: `${double.length} of ${N}` },
      { scenario: r.name, name: 'visitor and agent disagree on the assignment', ok: mismatched.length === 0, detail: `${mismatched.length} of ${N}` },
    );

    // ---- figures
    const lat = summarize(mergeHists([res.hist]));
    const maxQueue = Math.max(0, ...queueSamples.map((s) => s.q).filter(Number.isFinite));
    const refusals = Object.entries(views.reduce<Record<string, number>>((acc, v) => {
      for (const [k, n] of Object.entries(v.refusals)) acc[k] = (acc[k] ?? 0) + n;
      return acc;
    }, {}));
    const accepts = views.reduce((a, v) => a + v.acceptsSent, 0);
    const firstActive = res.activePerSec.findIndex((n) => n > 0);
    const joinsPerSec = res.active / Math.max(1e-9, res.activePerSec.length - Math.max(0, firstActive));
    latencyFigures(r, 'gateway', 'click → agent joined', lat);
    fig(r, 'gateway', {
      'visitors arrived': [res.started, 'visitors'],
      'arrival rate': [opts.rate, 'visitors/s'],
      agents: [opts.agents, 'agents'],
      'agent processes': [agentProcs.length, 'processes'],
      'visitors with an agent': [res.active, 'visitors'],
      'visitors lost': [lost.length, 'visitors'],
      'visitors double-assigned': [double.length, 'visitors'],
      'assignment mismatches': [mismatched.length, 'visitors'],
      'max queue length (/metrics)': [maxQueue, 'visitors'],
      'max visitors waiting (client count)': [res.maxWaiting, 'visitors'],
      'agent joins per second': [joinsPerSec, 'sessions/s'],
      'accepts sent': [accepts, 'frames'],
      'accepts refused': [refusals.reduce((a, [, n]) => a + n, 0), 'frames'],
      'RSS before': [mib(rssBefore), 'MiB'],
      'RSS after': [mib(rssAfter), 'MiB'],
      'gateway CPU during the storm': [cpuPercent, '% of one core'],
      'gateway CPU per visitor (start, queue, offer, accept, join)': [perVisitorMs, 'ms'],
      'gateway idle CPU (agents connected, nobody arriving)': [idleCpuPerSec * 1000, 'ms/s'],
      'gateway system (kernel) CPU per visitor': [(sysSeconds * 1000) / served, 'ms'],
      'gateway CPU per visitor, net of the idle baseline': [netPerVisitorMs, 'ms'],
      'gateway CPU per visitor, first half of the arrivals': [coldPerVisitorMs, 'ms'],
      'gateway CPU per visitor, second half of the arrivals (warm)': [warmPerVisitorMs, 'ms'],
      'load clients CPU per visitor (visitors + agents processes)': [(clientSeconds * 1000) / served, 'ms'],
      'load clients CPU during the storm': [(clientSeconds / elapsedSec) * 100, '% of one core'],
      'frames to agents per visitor': [framesPerVisitor, 'frames'],
      'bytes to agents per visitor': [kbPerVisitor, 'KiB'],
      'machine CPU busy during the storm': [machineBusy, '% of all cores'],
      'event-loop delay p99 (worst 250 ms window)': [worstEld * 1000, 'ms'],
      'elapsed': [elapsedSec, 's'],
    });
    r.latency.push({ scenario: r.name, title: 'Click → agent joined', groups: [{ subject: `gateway, ${N} visitors at ${opts.rate}/s, ${opts.agents} agents`, summary: lat }] });
    r.series.push(
      { scenario: r.name, name: 'visitors arriving', unit: 'visitors/s', points: res.startedPerSec },
      { scenario: r.name, name: 'visitors getting an agent', unit: 'visitors/s', points: res.activePerSec },
      { scenario: r.name, name: 'queue length (max per second)', unit: 'visitors', points: perSecondMax(queueSamples) },
    );
    r.tables.push({
      title: `Queue storm: ${N} visitors arriving at ${opts.rate}/s, ${opts.agents} auto-accepting agents in ${agentProcs.length} processes`,
      headers: ['figure', 'value'],
      rows: [
        ['click → agent joined p50 / p95 / p99 / max', `${fmt(lat.p50)} / ${fmt(lat.p95)} / ${fmt(lat.p99)} / ${fmt(lat.max)} ms`],
        ['visitors with an agent', `${res.active} of ${N}`],
        ['lost / double-assigned / mismatched', `${lost.length} / ${double.length} / ${mismatched.length}`],
        ['max queue length (/metrics, 250 ms samples) / max waiting (client)', `${fmt(maxQueue)} / ${res.maxWaiting}`],
        ['agent joins per second', fmt(joinsPerSec)],
        ['accepts sent / refused', `${accepts} / ${refusals.length ? refusals.map(([k, n]) => `${n} ${k}`).join(', ') : 0}`],
        ['gateway RSS before → after (after forced GC)', `${fmt(mib(rssBefore))} → ${fmt(mib(rssAfter))} MiB`],
        ['gateway CPU / machine busy during the storm', `${fmt(cpuPercent)} % of one core / ${fmt(machineBusy)} % of all cores`],
        ['gateway CPU per visitor (start → queued → offered → accepted → joined), whole storm', `${fmt(perVisitorMs)} ms`],
        ['… of which system (kernel: syscalls, wake-ups)', `${fmt((sysSeconds * 1000) / served)} ms`],
        ['… net of the idle baseline (' + fmt(idleCpuPerSec * 1000) + ' ms/s × ' + fmt(elapsedSec) + ' s)', `${fmt(netPerVisitorMs)} ms`],
        ['… first half of the arrivals (cold code) / second half (warm)', `${fmt(coldPerVisitorMs)} / ${fmt(warmPerVisitorMs)} ms`],
        ['load clients CPU (visitor + agent processes) per visitor / share of one core', `${fmt((clientSeconds * 1000) / served)} ms / ${fmt((clientSeconds / elapsedSec) * 100)} %`],
        ['frames / KiB to the agents per visitor (all agents)', `${fmt(framesPerVisitor)} / ${fmt(kbPerVisitor)}`],
        ['gateway event-loop delay p99 (worst 250 ms window)', `${fmt(worstEld * 1000)} ms`],
      ],
    });
    if (refusals.length) r.notes.push(`Accept refusals (not errors: an offer can move on between snapshot and accept): ${refusals.map(([k, n]) => `${n}× ${k}`).join(', ')}.`);
    progress.finish(`p99 ${fmt(lat.p99)} ms, ${res.active}/${N} served, lost ${lost.length}, double ${double.length}`);
    await visitorProc.call('close', { end: !!opts.target });
    await Promise.all(agentProcs.map((p) => p.call('close')));
    logNotes(r, gw.logIssues());
    return r;
  } finally {
    await Promise.all([visitorProc.stop(), ...agentProcs.map((p) => p.stop())]);
    await gw.stop();
  }
}

function perSecondMax(samples: { t: number; q: number }[]): number[] {
  const out: number[] = [];
  for (const s of samples) {
    const i = Math.floor(s.t);
    if (Number.isFinite(s.q)) out[i] = Math.max(out[i] ?? 0, s.q);
  }
  return Array.from(out, (v) => v ?? 0);
}

