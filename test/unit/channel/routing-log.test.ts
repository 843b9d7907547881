// The routing command log (gateway/channel/routing-log.ts) on a real in-memory SQLite store: the
// state a restart loads (last snapshot + the rows after it, replayed at their recorded clock
// readings) is exactly the live router's, after random commands, random turn boundaries and
// compactions by size, by age and by hand; a turn not yet written is all a crash can lose.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../gateway/routing/router.ts';
import type { Command, RoutingMode } from '../../../gateway/routing/types.ts';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.ts';
import { SessionWriter } from '../../../gateway/channel/session-writer.ts';
import { loadRouting, ROUTING_KV, RoutingLog } from '../../../gateway/channel/routing-log.ts';
import { createLogger } from '../../../gateway/log.ts';
import { runScenario, scenarioArb, SESSIONS } from '../routing/property-model.ts';

const silent = createLogger('silent');

/** A scheduler whose queued tasks run when the test ends a "turn". */
function turns() {
  const queued: (() => void)[] = [];
  return {
    schedule: (run: () => void) => void queued.push(run),
    end() {
      while (queued.length) queued.shift()!();
    },
  };
}

describe.each<RoutingMode>(['auto', 'manual'])('routing log (%s mode)', (mode) => {
  it('restores exactly the live router from snapshot + log, after random commands, turns and compactions', () => {
    let compactions = 0;
    let replayedRows = 0;
    fc.assert(
      fc.property(
        scenarioArb(mode, 60),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 60, maxLength: 60 }),
        fc.integer({ min: 1, max: 12 }),
        (sc, dice, minEntries) => {
          const first = runScenario(sc);
          const store = openSqliteStore(':memory:');
          const writer = new SessionWriter(silent);
          let now = 0;
          const live = createRouter(sc.config, () => now);
          const t = turns();
          const log = new RoutingLog(store, writer, live, { snapshot: null, logSeq: 0, replayed: 0 }, { minEntries, entriesPerSession: 1, maxAgeMs: Infinity, schedule: t.schedule, stringify: JSON.stringify });
          const check = () => {
            const loaded = loadRouting(store, sc.config) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
            expect(loaded.gapAt).toBeNull();
            replayedRows += loaded.replayed > 0 ? 1 : 0;
            const restored = loaded.snapshot ? createRouter(sc.config, () => now, JSON.parse(JSON.stringify(loaded.snapshot))) : createRouter(sc.config, () => now);
            expect(restored.snapshot()).toEqual(live.snapshot());
            expect(restored.nextDeadline()).toBe(live.nextDeadline());
          };
          let i = 0;
          let lastWritten = live.snapshot();
          for (const step of first.steps) {
            now = step.at;
            if (step.cmd) {
              live.apply(step.cmd);
              log.record(step.cmd);
            }
            const d = dice[i++ % dice.length]!;
            if (d <= 3) {
              // End of a turn: its commands are written (and maybe compacted); a restart now gets them all.
              t.end();
              lastWritten = live.snapshot();
              check();
            } else if (d === 4) {
              // A crash before the turn's flush: a restart gets the state of the last written turn.
              const loaded = loadRouting(store, sc.config) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
              expect(loaded.snapshot ?? createRouter(sc.config, () => now).snapshot()).toEqual(lastWritten);
            } else if (d === 5) {
              log.compact();
              lastWritten = live.snapshot();
              check();
            }
          }
          t.end();
          check();
          compactions += log.stats.compactions;
          // After a turn the log holds fewer commands than the threshold (at most SESSIONS.length
          // sessions x 1 per session, or minEntries), and no more rows than commands.
          expect(log.sinceSnapshot).toBeLessThan(Math.max(minEntries, SESSIONS.length));
          expect(store.routingLogAfter(0).length).toBeLessThanOrEqual(log.sinceSnapshot);
          log.close();
          t.end();
          expect(store.routingLogAfter(0)).toEqual([]);
          const afterClose = loadRouting(store, sc.config) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
          expect(afterClose.replayed).toBe(0);
          expect(afterClose.snapshot).toEqual(live.snapshot());
          store.close();
        },
      ),
      { numRuns: 300 },
    );
    // Guard against a run that never compacts or never replays.
    expect(compactions).toBeGreaterThan(300);
    expect(replayedRows).toBeGreaterThan(300);
  });
});

describe('routing log', () => {
  const config = { mode: 'auto' as const, ringTimeoutMs: 1000, agentGraceMs: 3000, visitorGraceMs: 2000, maxQueueWaitMs: 0, defaultCapacity: 2, maxMissedOffers: 0, departmentFallback: false };

  it('writes one row per turn, and compacts by size with a threshold that grows with the state (amortised O(1) per command)', () => {
    const store = openSqliteStore(':memory:');
    const t = turns();
    let now = 1000;
    const router = createRouter(config, () => now);
    const log = new RoutingLog(store, new SessionWriter(silent), router, { snapshot: null, logSeq: 0, replayed: 0 }, { minEntries: 100, entriesPerSession: 2, maxAgeMs: Infinity, schedule: t.schedule, stringify: JSON.stringify });
    for (let i = 0; i < 1000; i++) {
      now += 10;
      router.apply({ type: 'visitor.join', sessionId: `v${i}`, department: null, priority: 0 });
      log.record({ type: 'visitor.join', sessionId: `v${i}`, department: null, priority: 0 });
      if (i % 10 === 9) t.end(); // ten commands a turn
    }
    t.end();
    expect(log.stats.rows).toBe(100);
    expect(log.stats.commands).toBe(1000);
    // Thresholds 100, 200, 400, ...: O(log) compactions for a growing queue, each O(state).
    expect(log.stats.compactions).toBeGreaterThanOrEqual(3);
    expect(log.stats.compactions).toBeLessThanOrEqual(5);
    const loaded = loadRouting(store, config) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
    expect(loaded.snapshot).toEqual(router.snapshot());
    expect(loaded.replayed).toBe(log.sinceSnapshot);
    store.close();
  });

  it('compacts by age: T ms after the first command the snapshot does not hold', async () => {
    const store = openSqliteStore(':memory:');
    const router = createRouter(config, Date.now);
    const log = new RoutingLog(store, new SessionWriter(silent), router, { snapshot: null, logSeq: 0, replayed: 0 }, { minEntries: 1_000_000, maxAgeMs: 150 });
    router.apply({ type: 'visitor.join', sessionId: 'v1', department: null, priority: 0 });
    log.record({ type: 'visitor.join', sessionId: 'v1', department: null, priority: 0 });
    expect(store.routingLogAfter(0)).toHaveLength(0); // gathered for flushEveryMs (20 ms) first
    await new Promise((r) => setTimeout(r, 60));
    expect(store.routingLogAfter(0)).toHaveLength(1);
    expect(log.stats.compactions).toBe(0);
    await new Promise((r) => setTimeout(r, 250));
    expect(log.stats.compactions).toBe(1);
    expect(store.routingLogAfter(0)).toEqual([]);
    expect(JSON.parse(store.getKv(ROUTING_KV)!)).toEqual({ logSeq: 1, snapshot: router.snapshot() });
    log.close();
    store.close();
  });

  it('compacts in the background with the sliced serialisation; rows appended meanwhile follow it; close supersedes one in flight', async () => {
    const store = openSqliteStore(':memory:');
    let now = 1000;
    const router = createRouter(config, () => now);
    const log = new RoutingLog(store, new SessionWriter(silent), router, { snapshot: null, logSeq: 0, replayed: 0 }, { minEntries: 3000, entriesPerSession: 0, maxAgeMs: Infinity, flushEveryMs: 0 });
    const join = (sid: string) => {
      now += 1;
      router.apply({ type: 'visitor.join', sessionId: sid, department: null, priority: 0 });
      log.record({ type: 'visitor.join', sessionId: sid, department: null, priority: 0 });
    };
    for (let i = 0; i < 3000; i++) join(`v${i}`); // one turn (flushEveryMs 0): one row of 3000, then a compaction after it
    await new Promise((r) => setImmediate(r));
    join('late'); // while the compaction's serialisation may still be running
    await new Promise((r) => setTimeout(r, 200));
    // Whether 'late' made it into the snapshot depends on the turn the compaction ran in; either
    // way the log holds exactly the rows after it, and snapshot + rows is the live state.
    expect(log.stats.compactions).toBe(1);
    const saved = JSON.parse(store.getKv(ROUTING_KV)!);
    expect([1, 2]).toContain(saved.logSeq);
    expect(saved.snapshot.queue.length).toBeGreaterThanOrEqual(3000);
    expect(store.routingLogAfter(0).map((r) => r.seq)).toEqual(saved.logSeq === 1 ? [2] : []);
    expect((loadRouting(store, config) as { snapshot: unknown }).snapshot).toEqual(router.snapshot());

    // A background compaction in flight when the gateway stops: close's own (newer) one wins.
    for (let i = 0; i < 3000; i++) join(`w${i}`);
    await new Promise((r) => setImmediate(r)); // flushed, background compaction started
    join('last');
    log.close();
    await new Promise((r) => setTimeout(r, 200));
    expect(store.routingLogAfter(0)).toEqual([]);
    const final = loadRouting(store, config) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
    expect(final.replayed).toBe(0);
    expect(final.snapshot).toEqual(router.snapshot());
    store.close();
  });

  it('replays the log under the config it ran with, whatever config the restart has', () => {
    const store = openSqliteStore(':memory:');
    const t = turns();
    let now = 1000;
    const router = createRouter(config, () => now);
    const log = new RoutingLog(store, new SessionWriter(silent), router, { snapshot: null, logSeq: 0, replayed: 0 }, { schedule: t.schedule, stringify: JSON.stringify, config });
    log.compact(); // as localEngine does at every start
    const cmds: Command[] = [
      { type: 'agent.connect', agent: { agentId: 'a', departments: [], capacity: 1 } },
      { type: 'visitor.join', sessionId: 'v', department: null, priority: 0 },
    ];
    for (const c of cmds) {
      now += 10;
      router.apply(c);
      log.record(c);
    }
    t.end();
    // The restart rings for 5 s instead of 1 s: the offer already out keeps the 1 s it was made with.
    const loaded = loadRouting(store, { ...config, ringTimeoutMs: 5000 }) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
    expect(loaded.replayed).toBe(2);
    expect(loaded.snapshot).toEqual(router.snapshot());
    expect(loaded.snapshot!.queue[0]!.offerExpiresAt).toBe(1020 + 1000);
    store.close();
  });

  it('continues numbering after a restart, and counts the replayed commands towards the next compaction', () => {
    const store = openSqliteStore(':memory:');
    const t = turns();
    let now = 1000;
    const r1 = createRouter(config, () => now);
    const log1 = new RoutingLog(store, new SessionWriter(silent), r1, { snapshot: null, logSeq: 0, replayed: 0 }, { minEntries: 5, maxAgeMs: Infinity, schedule: t.schedule, stringify: JSON.stringify });
    for (const sid of ['a', 'b', 'c']) {
      now += 100;
      r1.apply({ type: 'visitor.join', sessionId: sid, department: null, priority: 0 });
      log1.record({ type: 'visitor.join', sessionId: sid, department: null, priority: 0 });
      t.end();
    }
    // "Crash": log1 is dropped without close. The next run loads 3 rows and goes on from seq 3.
    const loaded = loadRouting(store, config) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
    expect(loaded).toMatchObject({ logSeq: 3, replayed: 3, gapAt: null, legacy: false });
    const r2 = createRouter(config, () => now, loaded.snapshot!);
    const log2 = new RoutingLog(store, new SessionWriter(silent), r2, loaded, { minEntries: 5, entriesPerSession: 1, maxAgeMs: Infinity, schedule: t.schedule, stringify: JSON.stringify });
    for (const sid of ['d', 'e']) {
      now += 100;
      r2.apply({ type: 'visitor.join', sessionId: sid, department: null, priority: 0 });
      log2.record({ type: 'visitor.join', sessionId: sid, department: null, priority: 0 });
      t.end();
    }
    // 3 replayed + 2 new = 5: compacted, through seq 5.
    expect(log2.stats.compactions).toBe(1);
    expect(JSON.parse(store.getKv(ROUTING_KV)!).logSeq).toBe(5);
    expect(store.routingLogAfter(0)).toEqual([]);
    expect((loadRouting(store, config) as { snapshot: unknown }).snapshot).toEqual(r2.snapshot());
    store.close();
  });

  it('stops the replay at a lost row (a state that existed), and reads an older gateway\'s bare snapshot as legacy', () => {
    const store = openSqliteStore(':memory:');
    let now = 1000;
    const r = createRouter(config, () => now);
    r.apply({ type: 'visitor.join', sessionId: 'a', department: null, priority: 0 });
    const afterA = r.snapshot();
    store.appendRoutingLog(1, JSON.stringify([[1000, { type: 'visitor.join', sessionId: 'a', department: null, priority: 0 }]]));
    store.appendRoutingLog(3, JSON.stringify([[1200, { type: 'visitor.join', sessionId: 'c', department: null, priority: 0 }]]));
    const loaded = loadRouting(store, config) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
    expect(loaded).toMatchObject({ logSeq: 1, replayed: 1, gapAt: 2 });
    expect(loaded.snapshot).toEqual(afterA);

    const bare = openSqliteStore(':memory:');
    now = 5000;
    bare.setKv(ROUTING_KV, JSON.stringify(afterA));
    const old = loadRouting(bare, config) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
    expect(old).toMatchObject({ logSeq: 0, replayed: 0, legacy: true, snapshot: afterA });
    store.close();
    bare.close();
  });
});
