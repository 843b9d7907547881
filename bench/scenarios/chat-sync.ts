// Scenario 2, chat and sync: S sessions, each visitor sending sync frames (pointer/scroll) at 30 Hz
// and chat at 1/s, each agent chatting back at 1/s per session. One-way latency from the send time
// carried in each frame; delivered messages per second; the relay's RSS per session, CPU and
// event-loop delay. The same client load (same frames, rates and number of client processes) runs
// against two peers: a minimal `ws` relay (the common Node stack) and a bare uWebSockets.js publish
// relay (the limit of our stack).
//
// A fourth subject is the gateway as a cluster: two instances over Redis, visitors on the first and
// agents on the second, so every frame crosses the Redis hop; it is reported beside the one-instance
// run with the latency that hop costs (skipped, with a note, when redis-server is not installed or
// with --target).
//
// All relays are set up first, then measured in interleaved rounds (gateway, ws, uWS, cluster, gateway…)
// so that a noisy neighbour on a shared machine spreads over all of them instead of skewing one.
import type { BenchContext } from '../lib/context.ts';
import { chunk, forkPartyClients } from '../lib/context.ts';
import type { Child } from '../lib/rpc.ts';
import type { GatewayHandle } from '../lib/gateway-process.ts';
import { epochMs, mergeHists, summarize, type LatencySummary } from '../lib/hdr.ts';
import { collectGarbage } from '../lib/inspector-gc.ts';
import { busyPercent, cpuSecondsOf, machineCpu, rssOf, sleep } from '../lib/proc-stats.ts';
import { clusterUnavailable, startGatewayCluster, type ClusterHandle } from '../lib/gateway-cluster.ts';
import { emptyResult, fig, fmt, latencyFigures, logNotes, mib, type ScenarioResult } from '../lib/results.ts';
import type { LoadPlan, RecorderReport } from '../clients/traffic.ts';

export type LoadReport = RecorderReport & { sockets: number; closes?: Record<string, number> };

/** A relay under test with its clients connected and its sessions established. */
export interface Setup {
  subject: string;
  /** Processes whose CPU is the relay's (one gateway; two gateways and their redis-server). */
  pids: number[];
  clients: Child[];
  established: number;
  rssIdle: number;
  rssEstablished: number;
  eldIdleMs: number;
  rss(): Promise<number>;
  gc(): Promise<void>;
  /** Event-loop delay p99 since the previous call, seconds (prom-client also resets on each scrape). */
  eventLoopP99(): Promise<number>;
  /** Ends the sessions and closes the client sockets (processes stay up). */
  closeSessions(): Promise<void>;
  teardown(): Promise<void>;
  logIssues?: () => Map<string, number>;
}

export interface Window {
  reports: LoadReport[];
  cpuSeconds: number;
  /** CPU seconds of each load-client process (Setup.clients order) during the window. */
  clientCpuSeconds: number[];
  eldMs: number;
  /** All CPUs of the machine, busy share during the window (the relay, its clients and anything else). */
  machineBusy: number;
}

/** Subject name of the two-instance run. */
const CLUSTER = 'gateway-2-instances-redis';

/** Visitors end their sessions (as the shell's "End chat" does) so the gateway drops them, then agents leave. */
async function endSessions(visitors: Child, agents: Child[]): Promise<void> {
  await visitors.call('close', { end: true });
  await sleep(500);
  await Promise.all(agents.map((a) => a.call('close')));
}

// Forced GC makes RSS readings comparable; --quick (10 sessions: RSS is noise anyway) skips it.
const gcUnlessQuick = (x: { gc(): Promise<void> }, quick: boolean) => (quick ? Promise.resolve() : x.gc());

/** Idle baseline, taken before any session exists: GC'd RSS and event-loop delay. */
async function idleBaseline(s: Pick<Setup, 'rss' | 'gc' | 'eventLoopP99'>, quick: boolean, idleMs: number) {
  await gcUnlessQuick(s, quick);
  const rss = await s.rss();
  await s.eventLoopP99();
  await sleep(idleMs);
  return { rssIdle: rss, eldIdleMs: (await s.eventLoopP99()) * 1000 };
}

/** One gateway instance as the chat-and-sync subject; `grow` adds sessions, so a sweep can ramp on one gateway. */
export interface GatewaySubject extends Setup {
  /** `count` more visitors arrive at `rate`/s and are taken by the auto-accepting agents; resolves with the sessions established in all. */
  grow(count: number, rate: number): Promise<number>;
}

/**
 * Starts one gateway with `chatAgents` auto-accepting agents (in `procs` processes) and a visitor
 * process, takes the idle baseline; no session yet (see `grow`). Used by this scenario and by the
 * capacity sweep (scenarios/capacity.ts).
 */
export async function gatewaySubject(ctx: BenchContext, p: { chatAgents: number; procs: number; quick: boolean; idleMs: number }): Promise<GatewaySubject> {
  // The gateway and its client processes start together (each takes a second or more to load).
  const starting = ctx.gateway(p.chatAgents);
  starting.catch(() => {}); // awaited below
  const clients: Child[] = [];
  let started: GatewayHandle | null = null;
  const teardown = async () => {
    await Promise.all(clients.map((c) => c.stop()));
    await (started ?? (await starting.catch(() => null)))?.stop();
  };
  try {
    const parties = forkPartyClients(ctx, 'chat', Math.min(p.procs, p.chatAgents), starting.then((g) => ({ groups: chunk(g.agents, p.procs), agentUrl: g.url })), clients);
    parties.catch(() => {}); // awaited below
    const gw = (started = await starting);
    const { visitors, agents } = await parties;
    const relay = {
      rss: () => gw.rss(),
      gc: () => gw.gc(),
      eventLoopP99: async () => (await gw.metrics()).get('nodejs_eventloop_lag_p99_seconds') ?? NaN,
    };
    const base = await idleBaseline(relay, p.quick, p.idleMs);
    const subject: GatewaySubject = {
      subject: 'gateway',
      pids: gw.pid ? [gw.pid] : [],
      clients,
      established: 0,
      ...base,
      rssEstablished: base.rssIdle,
      ...relay,
      logIssues: () => gw.logIssues(),
      closeSessions: () => endSessions(visitors, agents),
      teardown,
      async grow(count, rate) {
        const arrived = await visitors.call<{ active: number }>('arrive', { url: gw.url, count, rate, entryUrl: 'https://shop.example.com/', timeoutMs: 30_000 });
        subject.established += arrived.active;
        // The agents learn of their sessions by their own frames: wait until they hold them all.
        for (let i = 0; i < 30; i++) {
          const views = await Promise.all(agents.map((a) => a.call<{ byAgent: Record<string, string[]> }>('sessions')));
          if (views.reduce((n, v) => n + Object.values(v.byAgent).flat().length, 0) >= subject.established) break;
          await sleep(100);
        }
        if (!p.quick) await gw.gc();
        subject.rssEstablished = await gw.rss();
        return subject.established;
      },
    };
    return subject;
  } catch (err) {
    await teardown();
    throw err;
  }
}

export interface LoadShape {
  warmupMs: number;
  windowMs: number;
  drainMs: number;
  syncHz: number;
  chatRate: number;
}

/** One measured window on one relay: all its client processes run the same plan. */
export async function driveLoad(s: Setup, shape: LoadShape, onTick: (sec: number) => void): Promise<Window> {
  await s.eventLoopP99(); // reset: the next reading covers this window only
  const p: LoadPlan = { t0: epochMs() + 300, warmupMs: shape.warmupMs, durationMs: shape.windowMs, syncHz: shape.syncHz, chatPerSec: shape.chatRate, drainMs: shape.drainMs };
  const running = Promise.all(s.clients.map((c) => c.call<LoadReport>('load', p)));
  const from = p.t0 + p.warmupMs;
  const to = from + p.durationMs;
  const tick = setInterval(() => onTick((epochMs() - p.t0) / 1000), 200);
  await sleep(from - epochMs());
  const cpuOf = () => (s.pids.length ? s.pids.reduce((n, pid) => n + cpuSecondsOf(pid), 0) : NaN);
  const cpu0 = cpuOf();
  const clients0 = s.clients.map((c) => cpuSecondsOf(c.pid));
  const m0 = machineCpu();
  await sleep(to - epochMs());
  const cpu1 = cpuOf();
  const clients1 = s.clients.map((c) => cpuSecondsOf(c.pid));
  const machineBusy = busyPercent(m0, machineCpu());
  const eld = await s.eventLoopP99();
  const reports = await running;
  clearInterval(tick);
  return { reports, cpuSeconds: cpu1 - cpu0, clientCpuSeconds: clients1.map((c, i) => c - clients0[i]), eldMs: eld * 1000, machineBusy };
}

/** Latencies and counts of some windows' client reports, pooled. */
export function pooledReports(reports: LoadReport[]) {
  const sum = (f: (x: LoadReport) => number) => reports.reduce((a, x) => a + f(x), 0);
  const errors: Record<string, number> = {};
  for (const x of reports) for (const [k, n] of Object.entries(x.errors)) errors[k] = (errors[k] ?? 0) + n;
  const closes: Record<string, number> = {};
  for (const x of reports) for (const [k, n] of Object.entries(x.closes ?? {})) closes[k] = (closes[k] ?? 0) + n;
  return {
    sync: summarize(mergeHists(reports.map((x) => x.hist.sync))) as LatencySummary,
    chat: summarize(mergeHists(reports.map((x) => x.hist.chat))) as LatencySummary,
    sent: sum((x) => x.sent.sync + x.sent.chat),
    received: sum((x) => x.received.sync + x.received.chat),
    chatSent: sum((x) => x.sent.chat),
    chatReceived: sum((x) => x.received.chat),
    errors,
    closes,
    closed: Object.values(closes).reduce((a, n) => a + n, 0),
  };
}

export async function runChatSync(ctx: BenchContext): Promise<ScenarioResult> {
  const { opts, progress } = ctx;
  const S = opts.sessions;
  const r = emptyResult('chat', 'Chat and sync');
  const procs = Math.min(opts.agentProcs, opts.chatAgents);
  const rounds = opts.quick ? 1 : 3;
  const windowMs = (opts.duration * 1000) / rounds;
  const drainMs = opts.quick ? 500 : 750;
  const idleMs = opts.quick ? 100 : 1000;
  const gc = (x: { gc(): Promise<void> }) => gcUnlessQuick(x, opts.quick);
  const setups: Setup[] = [];

  const baseline = (x: Pick<Setup, 'rss' | 'gc' | 'eventLoopP99'>) => idleBaseline(x, opts.quick, idleMs);

  async function setupGateway(): Promise<Setup> {
    const gw = await gatewaySubject(ctx, { chatAgents: opts.chatAgents, procs, quick: opts.quick, idleMs });
    try {
      await gw.grow(S, opts.quick ? 100 : 200);
      return gw;
    } catch (err) {
      await gw.teardown();
      throw err;
    }
  }

  async function setupPeer(file: string, subject: string): Promise<Setup> {
    const agentRooms = chunk(Array.from({ length: S }, (_, i) => i), procs);
    // The relay and its client processes start together (each takes a second or so to load); the
    // idle baseline is taken once all are up, before any client connects.
    const clients: Child[] = [];
    let peer: Child | null = null;
    const fork = (rel: string, name: string) => ctx.fork(rel, name).then((c) => (clients.push(c), c));
    const teardown = async () => {
      await Promise.all([...clients.map((c) => c.stop()), peer?.stop()]);
    };
    try {
      const [p, ...pairs] = await Promise.all([
        ctx.fork(file, subject, [], { inspect: true }).then((c) => (peer = c)),
        fork('clients/pair-client.ts', `${subject}-visitors`),
        ...agentRooms.map((_, k) => fork('clients/pair-client.ts', `${subject}-agents-${k + 1}`)),
      ]);
      // In the order the load expects: the visitors, then each agent process.
      clients.splice(0, clients.length, ...pairs);
      const url = `ws://127.0.0.1:${await p.call<number>('port')}`;
      const relay = {
        rss: async () => rssOf(p.pid),
        gc: () => collectGarbage(p.inspectorUrl),
        eventLoopP99: () => p.call<number>('eventLoopP99'),
      };
      const base = await baseline(relay);
      await clients[0].call('connect', { url, role: 'visitor', from: 0, to: S });
      // Each agent process takes a contiguous range of rooms, as many as chunk() dealt it.
      let from = 0;
      await Promise.all(
        agentRooms.map((g, k) => {
          const range = { url, role: 'agent', from, to: from + g.length };
          from += g.length;
          return clients[k + 1].call('connect', range);
        }),
      );
      await gc(relay);
      const closeSessions = async () => {
        await Promise.all(clients.map((c) => c.call('close')));
      };
      return { subject, pids: [p.pid], clients, established: S, ...base, rssEstablished: await relay.rss(), ...relay, closeSessions, teardown };
    } catch (err) {
      await teardown();
      throw err;
    }
  }

  /**
   * The gateway as a two-instance cluster over Redis: visitors arrive on instance 1, agents work on
   * instance 2, so every sync frame and chat message crosses Redis. Same clients and load as above.
   */
  async function setupCluster(): Promise<Setup> {
    // The cluster and its client processes start together (each takes a second or more to load).
    const starting = startGatewayCluster({ instances: 2, agents: opts.chatAgents });
    starting.catch(() => {}); // awaited below
    const clients: Child[] = [];
    let started: ClusterHandle | null = null;
    const teardown = async () => {
      await Promise.all(clients.map((c) => c.stop()));
      await (started ?? (await starting.catch(() => null)))?.stop();
    };
    try {
      const parties = forkPartyClients(ctx, 'cluster', Math.min(procs, opts.chatAgents), starting.then((c) => ({ groups: chunk(c.agents, procs), agentUrl: c.urls[1] })), clients);
      parties.catch(() => {}); // awaited below
      const cl = (started = await starting);
      const [visitorUrl] = cl.urls;
      const { visitors, agents } = await parties;
      const relay = {
        rss: () => cl.rss(),
        gc: () => cl.gc(),
        // The worse of the two instances.
        eventLoopP99: async () => Math.max(...(await Promise.all(cl.urls.map((_, i) => cl.metrics(i)))).map((m) => m.get('nodejs_eventloop_lag_p99_seconds') ?? NaN)),
      };
      const base = await baseline(relay);
      const arrived = await visitors.call<{ active: number }>('arrive', { url: visitorUrl, count: S, rate: opts.quick ? 100 : 200, entryUrl: 'https://shop.example.com/', timeoutMs: 30_000 });
      for (let i = 0; i < 30; i++) {
        const views = await Promise.all(agents.map((a) => a.call<{ byAgent: Record<string, string[]> }>('sessions')));
        if (views.reduce((n, v) => n + Object.values(v.byAgent).flat().length, 0) >= arrived.active) break;
        await sleep(100);
      }
      if (!opts.quick) await cl.gc();
      return {
        subject: CLUSTER,
        pids: [...cl.pids, ...(cl.redisPid ? [cl.redisPid] : [])],
        clients,
        established: arrived.active,
        ...base,
        rssEstablished: await cl.rss(),
        ...relay,
        logIssues: () => cl.logIssues(),
        closeSessions: () => endSessions(visitors, agents),
        teardown,
      };
    } catch (err) {
      await teardown();
      throw err;
    }
  }

  const drive = (s: Setup, warmupMs: number, onTick: (sec: number) => void) =>
    driveLoad(s, { warmupMs, windowMs, drainMs, syncHz: opts.syncHz, chatRate: opts.chatRate }, onTick);

  // The two-instance run needs a redis-server of its own and gateways we start ourselves.
  const noCluster = opts.target ? 'a gateway given with --target (the bench starts the cluster itself)' : opts.skipCluster ? 'asked with --skip-cluster' : clusterUnavailable();
  if (noCluster) r.notes.push(`The two-instance run over Redis was skipped: ${noCluster}.`);
  try {
    progress.start(`chat+sync: ${S} sessions on the gateway${noCluster ? '' : ', on two gateways over Redis'}, a ws relay and a bare uWS relay`, noCluster ? 3 : 4);
    if (opts.quick) {
      // --quick checks the harness, not speed: set them all up at once (idle baselines overlap).
      const all = await Promise.allSettled([
        setupGateway(),
        setupPeer('peers/ws-relay.ts', 'ws-relay'),
        setupPeer('peers/uws-relay.ts', 'uws-relay'),
        ...(noCluster ? [] : [setupCluster()]),
      ]);
      for (const x of all) if (x.status === 'fulfilled') setups.push(x.value);
      const failed = all.find((x) => x.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
    } else {
      // One after the other, so each idle baseline is taken on a quiet machine.
      setups.push(await setupGateway());
      progress.update(1, 'gateway ready');
      setups.push(await setupPeer('peers/ws-relay.ts', 'ws-relay'));
      progress.update(2, 'ws relay ready');
      setups.push(await setupPeer('peers/uws-relay.ts', 'uws-relay'));
      if (!noCluster) {
        progress.update(3, 'uWS relay ready');
        setups.push(await setupCluster());
      }
    }
    progress.finish(`${setups.map((s) => `${s.subject} ${s.established}`).join(', ')} sessions`);

    const perWindowSec = (opts.warmup * 1000 + windowMs + drainMs + 300) / 1000;
    const windows = new Map<string, Window[]>(setups.map((s) => [s.subject, []]));
    if (opts.quick) {
      // --quick checks the harness, not speed: one window on every relay at once.
      progress.start(`chat+sync: one ${fmt(windowMs / 1000)} s window on every relay at once, ${opts.syncHz} Hz sync, ${opts.chatRate}/s chat`, perWindowSec);
      const ws = await Promise.all(setups.map((s) => drive(s, opts.warmup * 1000, (sec) => progress.update(sec, 'all relays'))));
      setups.forEach((s, i) => windows.get(s.subject)!.push(ws[i]));
    } else {
      progress.start(`chat+sync: ${rounds} interleaved round(s) of ${fmt(windowMs / 1000)} s per relay, ${opts.syncHz} Hz sync, ${opts.chatRate}/s chat`, rounds * setups.length * perWindowSec);
      let done = 0;
      for (let round = 0; round < rounds; round++) {
        for (const s of setups) {
          // The first window of each relay warms it up fully; later ones only re-prime the sockets.
          const warm = round === 0 ? opts.warmup * 1000 : Math.min(opts.warmup * 1000, 300);
          windows.get(s.subject)!.push(await drive(s, warm, (sec) => progress.update(done + sec, `round ${round + 1}: ${s.subject}`)));
          done += perWindowSec;
        }
      }
    }
    progress.finish();

    // Memory per session: RSS with the sessions after the load, then after they are closed, both
    // after a forced GC and both long after start-up (whose garbage V8 returns lazily).
    const measured = await Promise.all(
      setups.map(async (s) => {
        await gc(s);
        const rssLoaded = await s.rss();
        await s.closeSessions();
        await sleep(300);
        await gc(s);
        return { s, rssLoaded, rssClosed: await s.rss(), ws: windows.get(s.subject)! };
      }),
    );
    for (const s of setups) if (s.logIssues) logNotes(r, s.logIssues());
    report(r, measured);
  } finally {
    await Promise.all(setups.map((s) => s.teardown()));
  }
  return r;

  function report(r: ScenarioResult, measured: { s: Setup; rssLoaded: number; rssClosed: number; ws: Window[] }[]) {
    const durSec = opts.duration;
    const rows = measured.map(({ s, rssLoaded, rssClosed, ws }) => {
      const reports = ws.flatMap((w) => w.reports);
      const timeline = ws.flatMap((w) => {
        const t: number[] = [];
        for (const x of w.reports) x.timeline.forEach((n, i) => (t[i] = (t[i] ?? 0) + n));
        return t;
      });
      const pooled = pooledReports(reports);
      const received = pooled.received;
      return {
        s,
        sockets: reports.reduce((a, x) => a + x.sockets, 0) / ws.length,
        ...pooled,
        deliveredPerSec: received / durSec,
        cpuPercent: (ws.reduce((a, w) => a + w.cpuSeconds, 0) / durSec) * 100,
        eldLoadedMs: Math.max(...ws.map((w) => w.eldMs)),
        rssLoaded,
        rssClosed,
        perSessionKiB: (s.rssEstablished - s.rssIdle) / S / 1024,
        machineBusy: ws.reduce((a, w) => a + w.machineBusy, 0) / ws.length,
        // Relay CPU per delivered message: robust to a noisy machine where p99 is not, and what
        // capacity follows from (every session at this load delivers about syncHz + 2 × chatRate/s).
        // p99 of each round on its own: shows how much a transient neighbour moved the tail.
        syncP99PerRound: ws.map((w) => summarize(mergeHists(w.reports.map((x) => x.hist.sync))).p99),
        cpuUsPerMessage: (ws.reduce((a, w) => a + w.cpuSeconds, 0) * 1e6) / Math.max(1, received),
        timeline,
      };
    });
    const [gw, wsR, uws] = rows;
    const cl = rows.find((m) => m.s.subject === CLUSTER) ?? null;
    function sessionsPerCore(m: (typeof rows)[0]): number {
      return m.cpuPercent > 0 ? (S * 100) / m.cpuPercent : NaN;
    }

    // ---- correctness (the gateway, one instance or two: the peers are references)
    r.checks.push(
      { scenario: r.name, name: 'chat sessions established', ok: gw.s.established === S, detail: `${gw.s.established} of ${S}` },
      {
        scenario: r.name,
        name: 'every chat message sent in the window was delivered',
        ok: gw.chatReceived >= gw.chatSent,
        detail: `${gw.chatReceived} of ${gw.chatSent}${Object.keys(gw.errors).length ? `; error frames: ${JSON.stringify(gw.errors)}` : ''}${gw.closed ? `; sockets closed by the gateway (clients resumed): ${JSON.stringify(gw.closes)}` : ''}`,
      },
    );
    if (cl) {
      r.checks.push(
        { scenario: r.name, name: 'two instances: chat sessions established', ok: cl.s.established === S, detail: `${cl.s.established} of ${S}` },
        {
          scenario: r.name,
          name: 'two instances: every chat message sent in the window was delivered',
          ok: cl.chatReceived >= cl.chatSent,
          detail: `${cl.chatReceived} of ${cl.chatSent}${Object.keys(cl.errors).length ? `; error frames: ${JSON.stringify(cl.errors)}` : ''}${cl.closed ? `; sockets closed by the gateway (clients resumed): ${JSON.stringify(cl.closes)}` : ''}`,
        },
      );
    }

    for (const m of rows) {
      latencyFigures(r, m.s.subject, 'sync one-way', m.sync);
      latencyFigures(r, m.s.subject, 'chat one-way', m.chat);
      fig(r, m.s.subject, {
        sessions: [S, 'sessions'],
        sockets: [m.sockets, 'sockets'],
        'sync rate per visitor': [opts.syncHz, 'Hz'],
        'chat rate per party': [opts.chatRate, 'messages/s'],
        'measured duration': [durSec, 's'],
        rounds: [rounds, 'rounds'],
        'messages sent in window': [m.sent, 'messages'],
        'messages delivered in window': [m.received, 'messages'],
        'delivered messages per second': [m.deliveredPerSec, 'messages/s'],
        'sync one-way p99, best round': [Math.min(...m.syncP99PerRound), 'ms'],
        'sync one-way p99, worst round': [Math.max(...m.syncP99PerRound), 'ms'],
        'delivered / sent': [m.received / Math.max(1, m.sent), 'fraction'],
        'sockets closed by the relay during load': [m.closed, 'sockets'],
        'RSS idle': [mib(m.s.rssIdle), 'MiB'],
        'RSS with sessions established': [mib(m.s.rssEstablished), 'MiB'],
        'RSS after load': [mib(m.rssLoaded), 'MiB'],
        'RSS after sessions closed': [mib(m.rssClosed), 'MiB'],
        'RSS per session': [m.perSessionKiB, 'KiB'],
        'CPU during window': [m.cpuPercent, '% of one core'],
        'machine CPU busy during window (all cores)': [m.machineBusy, '%'],
        'relay CPU per delivered message': [m.cpuUsPerMessage, 'µs'],
        'sessions per core at this load (CPU-bound estimate)': [sessionsPerCore(m), 'sessions'],
        'event-loop delay p99 idle': [m.s.eldIdleMs, 'ms'],
        'event-loop delay p99 loaded (worst window)': [m.eldLoadedMs, 'ms'],
      });
      r.series.push({ scenario: r.name, name: `${m.s.subject} delivered`, unit: 'messages/s', points: m.timeline });
    }
    const ratio = (name: string, v: number, goal?: [string, boolean]) => r.ratios.push({ scenario: r.name, name, value: v, unit: 'x', ...(goal ? { goal: goal[0], met: goal[1] } : {}) });
    const syncVsUws = gw.sync.p99 / uws.sync.p99;
    // The issue's target is stated for 200 sessions at 30 Hz; at other sizes the ratio is shown without it.
    ratio('sync p99: gateway / bare uWS', syncVsUws, S === 200 && opts.syncHz === 30 ? ['<= 1.5 (200 sessions, 30 Hz)', syncVsUws <= 1.5] : undefined);
    // Each relay's quietest round: less exposed to a neighbour's burst than the pooled p99.
    ratio('sync p99, best round each: gateway / bare uWS', Math.min(...gw.syncP99PerRound) / Math.min(...uws.syncP99PerRound));
    ratio('sync p99: gateway / ws relay', gw.sync.p99 / wsR.sync.p99);
    ratio('chat p99: gateway / bare uWS', gw.chat.p99 / uws.chat.p99);
    ratio('delivered/s: gateway / bare uWS', gw.deliveredPerSec / uws.deliveredPerSec);
    ratio('CPU per delivered message: gateway / bare uWS', gw.cpuUsPerMessage / uws.cpuUsPerMessage);
    ratio('CPU per delivered message: gateway / ws relay', gw.cpuUsPerMessage / wsR.cpuUsPerMessage);
    ratio('RSS per session: gateway / bare uWS', gw.perSessionKiB / uws.perSessionKiB);

    if (cl) {
      ratio('sync p99: two instances over Redis / one instance', cl.sync.p99 / gw.sync.p99);
      ratio('chat p99: two instances over Redis / one instance', cl.chat.p99 / gw.chat.p99);
      ratio('CPU per delivered message: two instances + Redis / one instance', cl.cpuUsPerMessage / gw.cpuUsPerMessage);
      fig(r, 'redis hop', {
        'sync one-way p50 added': [cl.sync.p50 - gw.sync.p50, 'ms'],
        'sync one-way p99 added': [cl.sync.p99 - gw.sync.p99, 'ms'],
        'chat one-way p50 added': [cl.chat.p50 - gw.chat.p50, 'ms'],
        'chat one-way p99 added': [cl.chat.p99 - gw.chat.p99, 'ms'],
      });
      const diff = (a: number, b: number) => `${a - b >= 0 ? '+' : '−'}${fmt(Math.abs(a - b))}`;
      const line = (label: string, f: (m: (typeof rows)[0]) => string, d: string) => [label, f(gw), f(cl), d];
      r.tables.push({
        title: `Chat and sync on one gateway and on two gateways over Redis (visitors on instance 1, agents on instance 2): ${S} sessions, same load, ${opts.quick ? 'one window, measured at once' : 'interleaved rounds'}`,
        headers: ['', 'one instance', 'two instances over Redis', 'cost of the Redis hop'],
        rows: [
          line('sync one-way p50 / p99 (ms)', (m) => `${fmt(m.sync.p50)} / ${fmt(m.sync.p99)}`, `${diff(cl.sync.p50, gw.sync.p50)} / ${diff(cl.sync.p99, gw.sync.p99)} ms`),
          line('sync one-way p95 / max (ms)', (m) => `${fmt(m.sync.p95)} / ${fmt(m.sync.max)}`, `${diff(cl.sync.p95, gw.sync.p95)} / ${diff(cl.sync.max, gw.sync.max)} ms`),
          line('chat one-way p50 / p99 (ms)', (m) => `${fmt(m.chat.p50)} / ${fmt(m.chat.p99)}`, `${diff(cl.chat.p50, gw.chat.p50)} / ${diff(cl.chat.p99, gw.chat.p99)} ms`),
          line('sync p99 of each round (ms)', (m) => m.syncP99PerRound.map((v) => fmt(v)).join(' / '), ''),
          line('delivered messages/s', (m) => fmt(m.deliveredPerSec), `${fmt(cl.deliveredPerSec / gw.deliveredPerSec)}x`),
          line('delivered / sent', (m) => `${m.received} / ${m.sent}`, ''),
          line('CPU during window (% of one core)', (m) => fmt(m.cpuPercent), `${fmt(cl.cpuPercent / gw.cpuPercent)}x`),
          line('CPU per delivered message (µs)', (m) => fmt(m.cpuUsPerMessage), `${fmt(cl.cpuUsPerMessage / gw.cpuUsPerMessage)}x`),
          line('RSS per session (KiB)', (m) => fmt(m.perSessionKiB), ''),
          line('event-loop delay p99 idle / loaded (ms)', (m) => `${fmt(m.s.eldIdleMs)} / ${fmt(m.eldLoadedMs)}`, ''),
        ],
      });
      r.notes.push(
        `Two instances over Redis: visitors connect to instance 1 and agents to instance 2, so every frame goes gateway → Redis PUBLISH → the other gateway; chat events are also appended to Redis (sequence number and stream) before they are acknowledged. CPU in that column is both gateways${cl.s.pids.length > 2 ? ' plus redis-server' : ' (redis-server not found in /proc: not counted)'}, RSS both gateways (not Redis); event-loop delay is the worse instance. The added latency is the difference of the percentiles, not a percentile of differences.`,
      );
    }

    const cell = (f: (m: (typeof rows)[0]) => string) => rows.map(f);
    r.notes.push(
      `"Sessions per core" = 1 core / (relay CPU per session-second at this load), i.e. ${S} / (CPU share during the windows): a linear estimate from measured CPU that ignores the latency growth near saturation — read it as an upper bound.`,
    );
    r.tables.push({
      title: `Chat and sync: ${S} sessions, visitor → agent sync at ${opts.syncHz} Hz, chat ${opts.chatRate}/s per party; ${durSec} s measured per relay ${opts.quick ? 'in one window, every relay at once' : `in ${rounds} interleaved round(s)`}`,
      headers: ['', 'gateway', 'ws relay (peer)', 'bare uWS relay (peer)', ...(cl ? ['gateway, two instances over Redis'] : [])],
      rows: [
        ['sockets', ...cell((m) => String(m.sockets))],
        ['sync one-way p50 / p95 / p99 (ms)', ...cell((m) => `${fmt(m.sync.p50)} / ${fmt(m.sync.p95)} / ${fmt(m.sync.p99)}`)],
        ['sync p99 of each round (ms)', ...cell((m) => m.syncP99PerRound.map((v) => fmt(v)).join(' / '))],
        ['chat one-way p50 / p95 / p99 (ms)', ...cell((m) => `${fmt(m.chat.p50)} / ${fmt(m.chat.p95)} / ${fmt(m.chat.p99)}`)],
        ['delivered messages/s', ...cell((m) => fmt(m.deliveredPerSec))],
        ['delivered / sent', ...cell((m) => `${m.received} / ${m.sent}`)],
        ['sockets closed by the relay during load', ...cell((m) => String(m.closed))],
        ['relay CPU during window (% of one core)', ...cell((m) => fmt(m.cpuPercent))],
        ['relay CPU per delivered message (µs)', ...cell((m) => fmt(m.cpuUsPerMessage))],
        ['sessions per core at this load (CPU-bound estimate)', ...cell((m) => fmt(sessionsPerCore(m)))],
        ['machine CPU busy during window (% of all cores)', ...cell((m) => fmt(m.machineBusy))],
        ['RSS idle → sessions → after load → sessions closed (MiB)', ...cell((m) => `${fmt(mib(m.s.rssIdle))} → ${fmt(mib(m.s.rssEstablished))} → ${fmt(mib(m.rssLoaded))} → ${fmt(mib(m.rssClosed))}`)],
        ['RSS per session (KiB)', ...cell((m) => fmt(m.perSessionKiB))],
        ['event-loop delay p99 idle / loaded (ms)', ...cell((m) => `${fmt(m.s.eldIdleMs)} / ${fmt(m.eldLoadedMs)}`)],
      ],
    });
    r.latency.push(
      { scenario: r.name, title: 'Sync frame one-way latency (visitor → agent)', groups: rows.map((m) => ({ subject: m.s.subject, summary: m.sync })) },
      { scenario: r.name, title: 'Chat one-way latency (both directions)', groups: rows.map((m) => ({ subject: m.s.subject, summary: m.chat })) },
    );
    r.notes.push(
      "The gateway multiplexes an agent's sessions on one socket (agents carry up to 100 sessions here), while the peers use two sockets per room, as a minimal relay does; frames, rates and client processes are the same.",
      'RSS is read after a forced full GC (through the inspector) each time, so garbage does not count. RSS per session = (RSS with the sessions established − RSS idle) / sessions, both before any traffic; the readings after the load and after closing the sessions show what the traffic left behind.',
      "Event-loop delay is the p99 of monitorEventLoopDelay at 10 ms resolution (prom-client's default for nodejs_eventloop_lag_p99_seconds, reproduced in the peers), so an idle process reads about 10 ms; 'loaded' is the worst measured window.",
    );
    for (const m of rows) if (Object.keys(m.errors).length) r.notes.push(`${m.s.subject}: error frames during the load: ${JSON.stringify(m.errors)}`);
    for (const m of rows) if (m.closed) r.notes.push(`${m.s.subject}: sockets closed by the relay during the load (close code and reason → count): ${JSON.stringify(m.closes)}; the clients reconnected and resumed.`);
  }
}
