// Capacity: the two figures the README's Performance section publishes (issue 12), each from a sweep
// on ONE gateway instance, with the load clients' CPU beside the gateway's so a client-bound step on a
// 2-core machine shows as such instead of being taken for the gateway's limit.
//
// 1. Sessions per core at 30 Hz: the chat-and-sync load (sync 30 Hz + chat 1/s each way, the
//    scenario's own clients: scenarios/chat-sync.ts gatewaySubject + driveLoad) on one gateway,
//    ramped step by step (sessions are added between steps, the same sockets stay). A step passes when
//    every session was established and sync p99 < 50 ms; the sweep stops after the first that fails.
//    Sessions per core = the largest passing step's sessions / the gateway's cores used at that step.
// 2. The storm's knee: the queue storm (scenarios/queue-storm.ts stormRun) of --capacity-visitors at
//    increasing arrival rates, a fresh gateway each (a storm fills every agent), until click → joined
//    p99 passes 100 ms; the knee is that rate.
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { BenchContext } from '../lib/context.ts';
import type { LatencySummary } from '../lib/hdr.ts';
import { AGENT_CAPACITY, createAgentStore, startGateway } from '../lib/gateway-process.ts';
import { emptyResult, fig, fmt, latencyFigures, logNotes, type ScenarioResult } from '../lib/results.ts';
import { driveLoad, gatewaySubject, pooledReports, type LoadShape } from './chat-sync.ts';
import { stormRun, type StormRun } from './queue-storm.ts';

const SYNC_HZ = 30;
const CHAT_RATE = 1;
/** A sweep step passes below this sync one-way p99 (issue 12: "sessions per core at 30 Hz with p99 < 50 ms"). */
export const SYNC_P99_LIMIT_MS = 50;
/** The storm's knee: the first arrival rate whose click → joined p99 passes this. */
export const STORM_P99_LIMIT_MS = 100;
/** A process using this share of a core or more is taken as saturated (one Node event loop). */
const SATURATED_CORES = 0.85;
/** The machine is taken as saturated at this busy share of all its cores. */
const MACHINE_BUSY_PERCENT = 90;
const TIMEOUT_REASON = 'no agent before timeout';

interface SessionStep {
  sessions: number;
  established: number;
  sync: LatencySummary;
  chat: LatencySummary;
  sent: number;
  received: number;
  chatSent: number;
  chatReceived: number;
  closed: number;
  errors: Record<string, number>;
  gatewayCores: number;
  visitorCores: number;
  /** Each agent process, cores. */
  agentCores: number[];
  eldMs: number;
  machineBusy: number;
  pass: boolean;
  /** Sync p99 of both windows when the step was measured twice (it failed on latency the first time). */
  retriedP99: [number, number] | null;
}

/** Event-loop delay p99 from which an unsaturated gateway's latency is put down to its own stalls. */
const STALL_MS = 50;

/**
 * What bounded a step: the gateway's event loop, a load client's, or the whole machine; with none of
 * them saturated, the gateway's event-loop stalls when its delay p99 says so (or nothing).
 */
export function limitOf(gatewayCores: number, clients: { name: string; cores: number }[], machineBusy: number, eldMs = 0): string {
  const out: string[] = [];
  if (gatewayCores >= SATURATED_CORES) out.push('gateway');
  const busy = clients.filter((c) => c.cores >= SATURATED_CORES);
  if (busy.length) out.push(`load clients (${busy.map((c) => `${c.name} ${fmt(c.cores)} core`).join(', ')})`);
  if (machineBusy >= MACHINE_BUSY_PERCENT) out.push('machine (all cores busy)');
  if (!out.length && eldMs >= STALL_MS) return `gateway event-loop stalls (delay p99 ${fmt(eldMs)} ms, no process saturated)`;
  return out.length ? out.join(' + ') : 'none saturated';
}

/**
 * Sessions per core from the steps of a sweep: the largest step passing with every smaller one
 * (a pass after a failure, which only --quick runs to, does not count) over the gateway's cores there.
 */
export function sessionsPerCore(steps: Pick<SessionStep, 'sessions' | 'pass' | 'gatewayCores'>[]): { best: number | null; perCore: number } {
  const sorted = [...steps].sort((a, b) => a.sessions - b.sessions);
  const firstFail = sorted.findIndex((s) => !s.pass);
  const passed = firstFail < 0 ? sorted : sorted.slice(0, firstFail);
  const best = passed.length ? passed[passed.length - 1] : null;
  return { best: best?.sessions ?? null, perCore: best && best.gatewayCores > 0 ? best.sessions / best.gatewayCores : NaN };
}

/** The first arrival rate whose click → joined p99 passes the limit, or null (above every rate tried). */
export function kneeOf(runs: { rate: number; p99: number }[]): number | null {
  return [...runs].sort((a, b) => a.rate - b.rate).find((x) => !(x.p99 <= STORM_P99_LIMIT_MS))?.rate ?? null;
}

/**
 * Cores that processes outside the bench used during a window: the machine's busy cores minus the
 * gateway's and the load clients'. On a shared machine this is the neighbours' share.
 */
export function otherCores(machineBusyPercent: number, cpus: number, ours: number[]): number {
  return Math.max(0, (machineBusyPercent / 100) * cpus - ours.reduce((a, c) => a + c, 0));
}
const CPUS = availableParallelism();

export async function runCapacity(ctx: BenchContext): Promise<ScenarioResult> {
  const r = emptyResult('capacity', 'Capacity');
  await sessionsSweep(ctx, r);
  await stormSweep(ctx, r);
  return r;
}

async function sessionsSweep(ctx: BenchContext, r: ScenarioResult): Promise<void> {
  const { opts, progress } = ctx;
  const targets = opts.capacitySessions;
  const chatAgents = Math.ceil(targets[targets.length - 1] / AGENT_CAPACITY);
  const procs = Math.min(opts.agentProcs, chatAgents);
  const shape: LoadShape = { warmupMs: opts.quick ? 200 : 2000, windowMs: opts.capacityDuration * 1000, drainMs: opts.quick ? 300 : 750, syncHz: SYNC_HZ, chatRate: CHAT_RATE };
  // Arrivals between steps, while no load runs: fast, so the ramp costs little time.
  const arriveRate = opts.quick ? 100 : 400;
  const windowSec = shape.windowMs / 1000;
  const stepSec = (shape.warmupMs + shape.windowMs + shape.drainMs + 300) / 1000;
  progress.start(`capacity: ${SYNC_HZ} Hz sync + chat ${CHAT_RATE}/s on one gateway, ${targets.join(' → ')} sessions (stops after the first step with p99 ≥ ${SYNC_P99_LIMIT_MS} ms)`, targets.length * stepSec);
  const steps: SessionStep[] = [];
  const subject = await gatewaySubject(ctx, { chatAgents, procs, quick: opts.quick, idleMs: 100 });
  try {
    let requested = 0;
    for (const [k, S] of targets.entries()) {
      progress.update(k * stepSec, `${S} sessions: arriving`);
      await subject.grow(S - requested, arriveRate);
      requested = S;
      const measure = async (): Promise<SessionStep> => {
        const w = await driveLoad(subject, shape, (sec) => progress.update(k * stepSec + sec, `${S} sessions: load`));
        const p = pooledReports(w.reports);
        const [visitorCpu, ...agentCpu] = w.clientCpuSeconds;
        return {
          sessions: S,
          established: subject.established,
          ...p,
          gatewayCores: w.cpuSeconds / windowSec,
          visitorCores: visitorCpu / windowSec,
          agentCores: agentCpu.map((c) => c / windowSec),
          eldMs: w.eldMs,
          machineBusy: w.machineBusy,
          pass: subject.established >= S && p.sync.count > 0 && p.sync.p99 < SYNC_P99_LIMIT_MS,
          retriedP99: null,
        };
      };
      let step = await measure();
      // A step failing on latency alone is measured once more before it stops the sweep: on a shared
      // machine a neighbour's burst lands in one window. The better window counts; both p99s are shown.
      if (!step.pass && step.established >= S && !opts.quick) {
        const again = await measure();
        const first = step.sync.p99;
        step = again.sync.p99 < first ? again : step;
        step.retriedP99 = [first, again.sync.p99];
      }
      steps.push(step);
      // --quick checks the harness, not speed: it runs every step (its machine is busy with the others).
      if (!step.pass && !opts.quick) break;
    }
  } finally {
    logNotes(r, subject.logIssues?.() ?? new Map());
    await subject.teardown();
  }
  const { best, perCore } = sessionsPerCore(steps);
  const failed = [...steps].sort((a, b) => a.sessions - b.sessions).find((s) => !s.pass);
  progress.finish(best === null ? `no step passed (p99 ${fmt(steps[0]?.sync.p99)} ms at ${steps[0]?.sessions})` : `${best} sessions with p99 < ${SYNC_P99_LIMIT_MS} ms, ${fmt(perCore)} sessions per core`);

  const othersOf = (s: SessionStep) => otherCores(s.machineBusy, CPUS, [s.gatewayCores, s.visitorCores, ...s.agentCores]);
  const clientsOf = (s: SessionStep) => [{ name: 'visitors', cores: s.visitorCores }, ...s.agentCores.map((c, i) => ({ name: `agents-${i + 1}`, cores: c }))];
  for (const s of steps) {
    const subj = `gateway, ${s.sessions} sessions`;
    latencyFigures(r, subj, 'sync one-way', s.sync);
    latencyFigures(r, subj, 'chat one-way', s.chat);
    fig(r, subj, {
      'sessions established': [s.established, 'sessions'],
      'gateway CPU': [s.gatewayCores, 'cores'],
      'visitor client CPU': [s.visitorCores, 'cores'],
      'agent clients CPU': [s.agentCores.reduce((a, c) => a + c, 0), 'cores'],
      'machine CPU busy (all cores)': [s.machineBusy, '%'],
      'other processes CPU': [othersOf(s), 'cores'],
      'event-loop delay p99': [s.eldMs, 'ms'],
      'delivered / sent': [s.received / Math.max(1, s.sent), 'fraction'],
      'sockets closed by the gateway': [s.closed, 'sockets'],
      passed: [s.pass ? 1 : 0, 'boolean'],
    });
    // A chat lost is a bug at any load the gateway is said to carry; past that (the failing step)
    // a slow drain can leave chats in flight when the window closes: reported, not failed.
    if (s.pass) {
      r.checks.push({
        scenario: r.name,
        name: `${s.sessions} sessions at ${SYNC_HZ} Hz: every chat sent in the window was delivered`,
        ok: s.chatReceived >= s.chatSent,
        detail: `${s.chatReceived} of ${s.chatSent}${Object.keys(s.errors).length ? `; error frames: ${JSON.stringify(s.errors)}` : ''}`,
      });
    }
  }
  fig(r, 'gateway', {
    [`largest sessions at ${SYNC_HZ} Hz with sync p99 < ${SYNC_P99_LIMIT_MS} ms (steps tried)`]: [best ?? NaN, 'sessions'],
    [`sessions per core at ${SYNC_HZ} Hz with sync p99 < ${SYNC_P99_LIMIT_MS} ms`]: [perCore, 'sessions/core'],
  });
  r.ratios.push({ scenario: r.name, name: `sessions per core at ${SYNC_HZ} Hz (sync p99 < ${SYNC_P99_LIMIT_MS} ms) / 1,000`, value: perCore / 1000, unit: 'x', goal: '>= 1 (1,000 sessions per core)', met: perCore >= 1000 });
  r.tables.push({
    title: `Capacity, sessions: one gateway, sync ${SYNC_HZ} Hz + chat ${CHAT_RATE}/s each way, ${fmt(windowSec)} s measured per step after ${fmt(shape.warmupMs / 1000)} s warm-up; a step passes with every session established and sync p99 < ${SYNC_P99_LIMIT_MS} ms`,
    headers: ['sessions', 'established', 'sync p50 / p99 (ms)', 'chat p99 (ms)', 'gateway CPU (cores)', 'sessions / gateway core', 'load clients CPU: visitors / agents (cores)', 'other processes CPU (cores)', 'machine busy (%)', 'event-loop delay p99 (ms)', 'delivered / sent', 'limit', 'passed'],
    rows: steps.map((s) => [
      String(s.sessions),
      String(s.established),
      `${fmt(s.sync.p50)} / ${fmt(s.sync.p99)}${s.retriedP99 ? ` (windows: ${s.retriedP99.map((v) => fmt(v)).join(', ')})` : ''}`,
      fmt(s.chat.p99),
      fmt(s.gatewayCores),
      fmt(s.sessions / s.gatewayCores),
      `${fmt(s.visitorCores)} / ${s.agentCores.map((c) => fmt(c)).join(' + ')}`,
      fmt(othersOf(s)),
      fmt(s.machineBusy),
      fmt(s.eldMs),
      `${s.received} / ${s.sent}${s.closed ? ` (${s.closed} sockets closed)` : ''}`,
      limitOf(s.gatewayCores, clientsOf(s), s.machineBusy, s.eldMs),
      s.pass ? 'yes' : 'no',
    ]),
  });
  const last = failed ?? steps[steps.length - 1];
  r.tables.push({
    title: `Capacity, sessions: result`,
    headers: ['figure', 'value'],
    rows: [
      [
        `largest sessions with sync p99 < ${SYNC_P99_LIMIT_MS} ms, every session established`,
        best === null ? `none (the first step, ${steps[0]?.sessions}, failed)` : failed ? String(best) : `${best} (every step passed: at least this)`,
      ],
      [`sessions per core at ${SYNC_HZ} Hz (that count / gateway cores used there; goal ≥ 1,000)`, fmt(perCore)],
      ['first failing step', failed ? `${failed.sessions}: ${failed.established < failed.sessions ? `${failed.established} of ${failed.sessions} established, ` : ''}sync p99 ${fmt(failed.sync.p99)} ms, limit: ${limitOf(failed.gatewayCores, clientsOf(failed), failed.machineBusy, failed.eldMs)}` : 'none'],
    ],
  });
  // Say who the limit was at the step that stopped the sweep (or the last one tried).
  if (last) {
    const clients = clientsOf(last).filter((c) => c.cores >= SATURATED_CORES);
    if (clients.length && last.gatewayCores < SATURATED_CORES) {
      r.notes.push(
        `At ${last.sessions} sessions the load clients, not the gateway, were the limit: ${clients.map((c) => `${c.name} at ${fmt(c.cores)} core`).join(', ')} against the gateway's ${fmt(last.gatewayCores)} (machine ${fmt(last.machineBusy)} % busy). The clients share the machine's cores with the gateway, and a saturated client's late timers and slow reads show up as latency, so the passing count is a floor for the gateway's capacity, not its limit.`,
      );
    } else if (last.machineBusy >= MACHINE_BUSY_PERCENT && last.gatewayCores < SATURATED_CORES) {
      r.notes.push(
        `At ${last.sessions} sessions the machine was ${fmt(last.machineBusy)} % busy while the gateway used ${fmt(last.gatewayCores)} core: the gateway, its load clients (${fmt(last.visitorCores + last.agentCores.reduce((a, c) => a + c, 0))} cores) and processes outside the bench (${fmt(othersOf(last))} cores) competed for ${CPUS} cores, so the machine, not the gateway's own cost, set this limit.`,
      );
    }
  }
  r.notes.push(
    `Sessions per core = the largest passing step's sessions / the gateway's CPU there (cores from /proc/<pid>/stat over the measured window): the capacity one core gives at this latency if the gateway's cost stays linear. The sweep ramps on one gateway (sessions are added between steps, ${arriveRate}/s) and stops after the first failing step (one failing on latency alone is measured a second time first, and the better window counts); each step warms up for ${fmt(shape.warmupMs / 1000)} s before its window.`,
    `"other processes" = the machine's busy cores (/proc/stat) minus the gateway's and the load clients': what neighbours on a shared machine took during the window${ctx.opts.quick ? ' (with --quick, also the other scenarios running beside this one)' : ''}.`,
    `"limit" says which process was saturated (≥ ${SATURATED_CORES} core: one Node event loop) or whether the machine was (≥ ${MACHINE_BUSY_PERCENT} % of all cores busy). The load clients are one visitor process (every visitor socket) and ${procs} agent process(es), as in the chat scenario.`,
  );
  r.latency.push({ scenario: r.name, title: `Sync one-way latency by sessions (${SYNC_HZ} Hz, one gateway)`, groups: steps.map((s) => ({ subject: `${s.sessions} sessions`, summary: s.sync })) });
}

async function stormSweep(ctx: BenchContext, r: ScenarioResult): Promise<void> {
  const { opts, progress } = ctx;
  const V = opts.capacityVisitors;
  const rates = opts.capacityRates;
  // Just enough agents at full capacity (100 each): the issue's storm is 10,000 visitors, 100 agents.
  const agents = Math.max(2, Math.ceil(V / AGENT_CAPACITY));
  const agentProcs = Math.min(opts.agentProcs, agents);
  progress.start(`capacity: queue storm of ${V} visitors, ${agents} agents, at ${rates.join(' → ')}/s (stops after the first p99 > ${STORM_P99_LIMIT_MS} ms)`, rates.length * V);
  // Agents are created once (100 take seconds) and each storm gets a fresh copy of the store.
  const template = await createAgentStore({ agents });
  const runs: StormRun[] = [];
  try {
    for (const [k, rate] of rates.entries()) {
      const run = await stormRun(ctx, {
        visitors: V,
        rate,
        agents,
        agentProcs,
        gateway: () => startGateway({ agents, template }),
        onProgress: (d) => progress.update(k * V + d.active + d.failed, `${rate}/s: ${d.active}/${V} with an agent, ${d.waiting} waiting`),
      });
      runs.push(run);
      logNotes(r, run.logIssues);
      if (!(run.lat.p99 <= STORM_P99_LIMIT_MS) && !opts.quick) break;
    }
  } finally {
    rmSync(template.dir, { recursive: true, force: true });
  }
  const knee = kneeOf(runs.map((x) => ({ rate: x.rate, p99: x.lat.p99 })));
  const highest = runs[runs.length - 1]?.rate;
  progress.finish(knee === null ? `knee above ${highest}/s (p99 ≤ ${STORM_P99_LIMIT_MS} ms at every rate tried)` : `knee at ${knee}/s`);

  const cpuMsPerVisitor = (x: StormRun) => (x.cpuSeconds * 1000) / Math.max(1, x.res.started);
  const clientMsPerVisitor = (x: StormRun) => (x.clientCpuSeconds.reduce((a, c) => a + c, 0) * 1000) / Math.max(1, x.res.started);
  for (const x of runs) {
    const subj = `gateway, storm at ${x.rate}/s`;
    latencyFigures(r, subj, 'click → agent joined', x.lat);
    fig(r, subj, {
      'visitors arrived': [x.res.started, 'visitors'],
      'visitors with an agent': [x.res.active, 'visitors'],
      'visitors lost': [x.lost, 'visitors'],
      'visitors double-assigned': [x.double, 'visitors'],
      'assignment mismatches': [x.mismatched, 'visitors'],
      'agent joins per second': [x.joinsPerSec, 'sessions/s'],
      'gateway CPU per visitor': [cpuMsPerVisitor(x), 'ms'],
      'load clients CPU per visitor': [clientMsPerVisitor(x), 'ms'],
      'gateway CPU': [x.cpuSeconds / x.elapsedSec, 'cores'],
      'machine CPU busy (all cores)': [x.machineBusy, '%'],
      'event-loop delay p99 (worst 250 ms window)': [x.worstEldMs, 'ms'],
    });
    // Double or mismatched assignments break the router's guarantee at any rate; so does a visitor
    // lost to an error. One not served before the timeout past the knee is the overload itself.
    const pastKnee = knee !== null && x.rate >= knee;
    const lostCounted = pastKnee ? x.lost - (x.lostReasons.get(TIMEOUT_REASON) ?? 0) : x.lost;
    r.checks.push(
      { scenario: r.name, name: `storm at ${x.rate}/s: visitors lost${pastKnee ? ' (other than by timeout, past the knee)' : ''}`, ok: lostCounted === 0, detail: x.lost ? `${x.lost}: ${[...x.lostReasons].map(([k, n]) => `${n}× ${k}`).join('; ')}` : `0 of ${V}` },
      { scenario: r.name, name: `storm at ${x.rate}/s: visitors double-assigned or mismatched`, ok: x.double + x.mismatched === 0, detail: `${x.double} double, ${x.mismatched} mismatched of ${V}` },
    );
  }
  fig(r, 'gateway', {
    [`storm knee: first arrival rate with click → joined p99 > ${STORM_P99_LIMIT_MS} ms`]: [knee ?? NaN, 'visitors/s'],
    'storm: highest arrival rate tried': [highest ?? NaN, 'visitors/s'],
  });
  r.tables.push({
    title: `Capacity, queue storm: ${V} visitors, ${agents} auto-accepting agents (${agentProcs} processes), a fresh gateway per rate; knee = the first rate with click → joined p99 > ${STORM_P99_LIMIT_MS} ms`,
    headers: ['arrival rate (/s)', 'click → joined p50 / p99 (ms)', 'served', 'lost / double / mismatched', 'joins/s', 'gateway CPU per visitor (ms)', 'load clients CPU per visitor (ms)', 'gateway CPU (cores)', 'other processes CPU (cores)', 'machine busy (%)', 'event-loop delay p99 (ms)', 'limit'],
    rows: runs.map((x) => [
      String(x.rate),
      `${fmt(x.lat.p50)} / ${fmt(x.lat.p99)}`,
      `${x.res.active} of ${V}`,
      `${x.lost} / ${x.double} / ${x.mismatched}`,
      fmt(x.joinsPerSec),
      fmt(cpuMsPerVisitor(x)),
      fmt(clientMsPerVisitor(x)),
      fmt(x.cpuSeconds / x.elapsedSec),
      fmt(otherCores(x.machineBusy, CPUS, [x.cpuSeconds, ...x.clientCpuSeconds].map((c) => c / x.elapsedSec))),
      fmt(x.machineBusy),
      fmt(x.worstEldMs),
      limitOf(
        x.cpuSeconds / x.elapsedSec,
        x.clientCpuSeconds.map((c, i) => ({ name: i === 0 ? 'visitors' : `agents-${i}`, cores: c / x.elapsedSec })),
        x.machineBusy,
        x.worstEldMs,
      ),
    ]),
  });
  r.tables.push({
    title: 'Capacity, queue storm: result',
    headers: ['figure', 'value'],
    rows: [
      [
        `storm knee (first rate with click → joined p99 > ${STORM_P99_LIMIT_MS} ms)`,
        knee === null
          ? `above the highest rate tried (${highest}/s)`
          : knee === rates[0]
            ? `at or below ${knee}/s (the lowest rate tried already passed ${STORM_P99_LIMIT_MS} ms: try lower ones with --capacity-rates)`
            : `${knee}/s (p99 ≤ ${STORM_P99_LIMIT_MS} ms at ${runs.filter((x) => x.rate < knee).map((x) => `${x.rate}/s`).join(', ')})`,
      ],
    ],
  });
  r.notes.push(
    `Storm sweep: each rate runs on a fresh gateway (the storm fills every agent to capacity 100) whose store is a copy of one made with the agents beforehand; it stops after the knee. CPU per visitor covers start → queued → offered → accepted → joined, over the storm's elapsed time (arrival plus the last joins). Lost visitors fail the run at every rate, except those not served before the timeout (arrival + 30 s) at or past the knee, which are the overload itself and are only reported.`,
  );
  r.latency.push({ scenario: r.name, title: `Click → agent joined by arrival rate (${V} visitors)`, groups: runs.map((x) => ({ subject: `${x.rate}/s`, summary: x.lat })) });
}
