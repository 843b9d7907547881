// What persisting the one-process routing state costs (issue 12): the old whole-snapshot blob
// (router.snapshot() + JSON.stringify + setKv, main at ff92f90, every 250 ms while anything changed)
// against the command log (gateway/channel/routing-log.ts: one routing_log row per event-loop turn,
// the snapshot only at compaction), on SQLite and on PostgreSQL over loopback, with N visitors queued.
//
//   node --import tsx bench/routing/persist-bench.ts [--queued 100,10000] [--store sqlite|postgres] [--commands 2000]
//
// Rows: "blob" = one old-style persist at that queue size (on the event loop: snapshot + stringify;
// then the store call). "log, k/turn" = the mean cost per command of recording commands and writing
// one row per turn with k commands per turn through the real SessionWriter and store: on the event
// loop (record, the turn's stringify, SQLite's synchronous insert or pg's send), and then awaiting
// the write (PostgreSQL's round trip, the loop free meanwhile). Compaction (one blob plus a DELETE
// per max(10,000, 2 x sessions) commands) is given amortised from the blob figures. The state: 100
// agents with capacity 3 all busy (300 active sessions) and N visitors queued. Per-command figures for the blob assume the old writer's best case (one blob per
// 250 ms however many commands ran): cost per command = blob / (commands per 250 ms).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createRouter } from '../../gateway/routing/router.ts';
import type { Command, RoutingConfig } from '../../gateway/routing/types.ts';
import { openSqlite, openStore, type OpenedStore } from '../../gateway/store/open-store.ts';
import { RoutingLog } from '../../gateway/channel/routing-log.ts';
import { SessionWriter } from '../../gateway/channel/session-writer.ts';
import { createLogger } from '../../gateway/log.ts';
import { startPostgres } from '../../test/helpers/postgres.ts';

const { values } = parseArgs({ options: { queued: { type: 'string', default: '100,10000' }, store: { type: 'string' }, commands: { type: 'string', default: '2000' } } });
const SIZES = values.queued!.split(',').map(Number);
const COMMANDS = Number(values.commands);

const config: RoutingConfig = { mode: 'auto', ringTimeoutMs: 20_000, agentGraceMs: 30_000, visitorGraceMs: 30_000, maxQueueWaitMs: 600_000, defaultCapacity: 3, maxMissedOffers: 0, departmentFallback: true };
const silent = createLogger('silent');

function queuedRouter(n: number) {
  let t = 1_000_000;
  const r = createRouter(config, () => t);
  // 100 agents, all full (capacity 3): the storm's steady state, visitors wait.
  for (let i = 0; i < 100; i++) r.apply({ type: 'agent.connect', agent: { agentId: `a${i}`, departments: [], capacity: 3 } });
  for (let i = 0; i < 300; i++) {
    t++;
    r.apply({ type: 'visitor.join', sessionId: `busy${i}`, department: null, priority: 0 });
  }
  for (const q of r.queue()) if (q.offeredTo) r.apply({ type: 'accept', agentId: q.offeredTo, sessionId: q.sessionId });
  for (let i = 0; i < n; i++) {
    t++;
    r.apply({ type: 'visitor.join', sessionId: `v${i}`, department: null, priority: 0 });
  }
  return { r, tick: () => ++t };
}

async function blob(store: OpenedStore, n: number, reps: number) {
  const { r } = queuedRouter(n);
  let serialiseUs = 0;
  let callUs = 0;
  let bytes = 0;
  for (let i = 0; i < reps + 2; i++) {
    const t0 = performance.now();
    const json = JSON.stringify(r.snapshot());
    const t1 = performance.now();
    await store.setKv('bench:routing', json);
    const t2 = performance.now();
    if (i < 2) continue; // warm-up
    serialiseUs += (t1 - t0) * 1000;
    callUs += (t2 - t1) * 1000;
    bytes = json.length;
  }
  return { serialiseUs: serialiseUs / reps, callUs: callUs / reps, bytes };
}

async function log(store: OpenedStore, n: number, perTurn: number) {
  const { r, tick } = queuedRouter(n);
  const writer = new SessionWriter(silent);
  // Turns are explicit here, so "k commands per turn" is exact.
  const queuedTasks: (() => void)[] = [];
  const rl = new RoutingLog(store, writer, r, { snapshot: r.snapshot(), logSeq: 0, replayed: 0 }, { schedule: (f) => void queuedTasks.push(f), maxAgeMs: Infinity });
  // Join at the tail, leave the head: the queue stays at n.
  let next = n;
  let head = 0;
  let flip = false;
  const cmd = (): Command => ((flip = !flip) ? { type: 'visitor.join', sessionId: `v${next++}`, department: null, priority: 0 } : { type: 'visitor.leave', sessionId: `v${head++}` });
  let applied = 0;
  // Timed: record() (on the command's path), the turn's flush (stringify + store call) and the
  // wait for the write to land (PostgreSQL's round trip; the event loop is free meanwhile).
  let syncUs = 0;
  let landUs = 0;
  for (let turn = 0; applied < COMMANDS + 200; turn++) {
    const warm = applied < 200;
    for (let k = 0; k < perTurn; k++) {
      const c = cmd();
      tick();
      r.apply(c);
      const a = performance.now();
      rl.record(c);
      if (!warm) syncUs += (performance.now() - a) * 1000;
      applied++;
    }
    const a = performance.now();
    while (queuedTasks.length) queuedTasks.shift()!();
    const b = performance.now();
    await writer.idle();
    if (!warm) {
      syncUs += (b - a) * 1000;
      landUs += (performance.now() - b) * 1000;
    }
  }
  return { syncUs: syncUs / COMMANDS, landUs: landUs / COMMANDS };
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'cb-persist-bench-'));
  const pg = values.store === 'sqlite' ? null : await startPostgres();
  const stores: [string, () => Promise<OpenedStore>][] = [];
  if (values.store !== 'postgres') stores.push(['sqlite', async () => openSqlite({ databasePath: join(dir, 'bench.sqlite'), redisUrl: '' })]);
  if (pg) stores.push(['postgres', () => openStore({ databaseUrl: pg.url, databasePath: join(dir, 'unused.sqlite'), databasePoolSize: 4, databaseStatementTimeoutMs: 10_000, databaseConnectTimeoutMs: 5000, redisUrl: '' })]);
  const out: string[] = ['| store | queued | old blob: serialise µs | old blob: store call µs | blob KiB | log, 1 cmd/turn: µs/cmd on the loop (+ awaiting the write) | log, 10 cmd/turn: µs/cmd (+ awaiting) | compaction amortised µs/cmd |', '|---|---:|---:|---:|---:|---:|---:|---:|'];
  try {
    for (const [name, open] of stores) {
      const s = await open();
      try {
        for (const n of SIZES) {
          const b = await blob(s, n, n >= 5000 ? 20 : 100);
          const l1 = await log(s, n, 1);
          const l10 = await log(s, n, 10);
          // A compaction is one blob (snapshot + stringify + setKv) plus a DELETE, once per
          // max(10,000, 2 x sessions) commands (RoutingLog's defaults; n + 300 sessions here).
          const amortised = (b.serialiseUs + b.callUs) / Math.max(10_000, 2 * (n + 300));
          out.push(`| ${name} | ${n} | ${b.serialiseUs.toFixed(0)} | ${b.callUs.toFixed(0)} | ${(b.bytes / 1024).toFixed(0)} | ${l1.syncUs.toFixed(1)} (+${l1.landUs.toFixed(1)}) | ${l10.syncUs.toFixed(1)} (+${l10.landUs.toFixed(1)}) | ${amortised.toFixed(2)} |`);
          console.error(out[out.length - 1]);
        }
      } finally {
        await s.close();
      }
    }
  } finally {
    await pg?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(out.join('\n'));
}

await main();
