// The cluster's routing is linearizable: three ClusterRouting instances on a real redis-server
// apply random commands at the same time; replaying the command stream, in its order, on one fresh
// pure router gives, entry by entry, the same effects the appending instance carried out, and at the
// end every replica holds that router's very snapshot. So the pure router's invariants (none
// double-assigned, capacity, FIFO), proven by the unit properties, hold for the cluster too: it
// behaves as one router fed one command at a time. Also: a new instance starting from a compacted
// snapshot plus the stream after it, and a re-seed after Redis lost everything, reach the same state.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createRouter } from '../../gateway/routing/router.ts';
import type { Command, Effect, RoutingConfig } from '../../gateway/routing/types.ts';
import { ClusterRouting, LOG_KEY } from '../../gateway/cluster/cluster-routing.ts';
import { netEffects } from '../../gateway/channel/net-effects.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';

const SESSIONS = ['v0', 'v1', 'v2', 'v3', 'v4', 'v5'];
const AGENTS = ['a0', 'a1', 'a2'];
const config: RoutingConfig = {
  mode: 'auto',
  ringTimeoutMs: 1000,
  agentGraceMs: 3000,
  visitorGraceMs: 2000,
  maxQueueWaitMs: 4000,
  defaultCapacity: 2,
  maxMissedOffers: 2,
  departmentFallback: true,
};

const sid = fc.constantFrom(...SESSIONS);
const aid = fc.constantFrom(...AGENTS);
const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('visitor.join' as const), sessionId: sid, department: fc.constantFrom(null, 'sales'), priority: fc.nat({ max: 1 }) }), weight: 4 },
  { arbitrary: fc.record({ type: fc.constantFrom('visitor.disconnect' as const, 'visitor.reconnect' as const, 'visitor.leave' as const, 'session.end' as const), sessionId: sid }), weight: 3 },
  { arbitrary: fc.record({ type: fc.constant('agent.connect' as const), agent: fc.record({ agentId: aid, departments: fc.constantFrom<string[]>([], ['sales']), capacity: fc.constantFrom(1, 2) }) }), weight: 2 },
  { arbitrary: fc.record({ type: fc.constant('agent.disconnect' as const), agentId: aid }), weight: 1 },
  { arbitrary: fc.record({ type: fc.constantFrom('accept' as const, 'decline' as const), agentId: aid, sessionId: sid }), weight: 5 },
  { arbitrary: fc.constant({ type: 'tick' as const }), weight: 1 },
);
/** Rounds of concurrent commands per instance; the clock moves only between rounds. */
const runArb = fc.array(fc.record({ advanceMs: fc.constantFrom(0, 500, 1000, 2500), perInstance: fc.array(fc.array(commandArb, { maxLength: 6 }), { minLength: 3, maxLength: 3 }) }), { minLength: 2, maxLength: 8 });

let redis: TestRedis;
const conns: Redis[] = [];
const log = pino({ level: 'silent' });
const noop = { remoteEffects() {}, replicaChanged() {} };

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of conns) c.disconnect();
  await redis?.close();
});

async function instance(id: string, clock: () => number): Promise<ClusterRouting> {
  const cmd = new Redis(redis.url);
  conns.push(cmd);
  const r = new ClusterRouting(cmd, config, clock, id, log);
  await r.start(noop);
  return r;
}

/** Replays the whole stream on a fresh router (each entry at its clock reading, never going back). */
async function replayStream(admin: Redis) {
  let now = 0;
  const serial = createRouter(config, () => now);
  const byVersion = new Map<number, Effect[]>();
  const rows = (await admin.xrange(LOG_KEY, '-', '+')) as [string, string[]][];
  for (const [id, f] of rows) {
    now = Math.max(now, Number(f[f.indexOf('t') + 1]));
    const cmds = JSON.parse(f[f.indexOf('c') + 1]) as Command[];
    const [ms, seq] = id.split('-').map(Number);
    byVersion.set(ms * 1000 + seq, netEffects(cmds.flatMap((c) => serial.apply(c))));
  }
  return { serial, byVersion, entries: rows.length, last: rows.at(-1)?.[0] };
}

async function caughtUp(instances: ClusterRouting[], last: string | undefined) {
  if (!last) return;
  const [ms, seq] = last.split('-').map(Number);
  for (let i = 0; i < 200 && instances.some((r) => r.version < ms * 1000 + seq); i++) await new Promise((r) => setTimeout(r, 10));
}

describe('cluster routing on a command stream', () => {
  it('is linearizable: replaying the stream reproduces every effect and every replica', async () => {
    let appended = 0;
    const admin = new Redis(redis.url);
    conns.push(admin);
    await fc.assert(
      fc.asyncProperty(runArb, async (rounds) => {
        await admin.flushall();
        let now = 1_000_000;
        const clock = () => now;
        const instances: ClusterRouting[] = [];
        for (let i = 0; i < 3; i++) instances.push(await instance(`i${i}`, clock));
        const committed: { version: number; effects: Effect[] }[] = [];
        for (const [k, round] of rounds.entries()) {
          // A compaction mid-run: the late instance below starts from it and the stream after it.
          if (k === 1) await instances[0].snapshotNow();
          now += round.advanceMs;
          await Promise.all(
            instances.map(async (inst, i) => {
              for (const cmd of round.perInstance[i]) {
                const r = await inst.commit(cmd);
                if (r.version !== null) committed.push({ version: r.version, effects: r.effects });
              }
            }),
          );
        }
        const { serial, byVersion, entries, last } = await replayStream(admin);
        // Every commit is one entry: none lost, none applied twice.
        expect(entries).toBe(committed.length);
        for (const c of committed) expect(c.effects).toEqual(byVersion.get(c.version));
        await caughtUp(instances, last);
        for (const inst of instances) expect(inst.router.snapshot()).toEqual(serial.snapshot());
        const late = await instance('late', clock);
        expect(late.router.snapshot()).toEqual(serial.snapshot());
        instances.push(late);
        appended += committed.length;
        for (const inst of instances) inst.close();
        for (const c of conns.splice(1)) c.disconnect();
      }),
      { numRuns: 40 },
    );
    // Not vacuous: the instances did append, concurrently, many commands.
    expect(appended).toBeGreaterThan(100);
  });

  it('a new instance loads the compacted snapshot and the stream after it; a Redis that lost everything is re-seeded from a replica', async () => {
    const admin = new Redis(redis.url);
    conns.push(admin);
    await admin.flushall();
    let now = 2_000_000;
    const clock = () => now;
    const a = await instance('a', clock);
    const b = await instance('b', clock);
    await a.apply({ type: 'agent.connect', agent: { agentId: 'a0', departments: [], capacity: 2 } });
    for (let i = 0; i < 4; i++) await (i % 2 ? a : b).apply({ type: 'visitor.join', sessionId: `v${i}`, department: null, priority: 0 });
    expect(await a.snapshotNow()).toBe(true);
    now += 500;
    await b.apply({ type: 'accept', agentId: 'a0', sessionId: 'v0' });
    await a.apply({ type: 'visitor.join', sessionId: 'v9', department: null, priority: 1 });
    const c = await instance('c', clock);
    await caughtUp([a, b, c], (await replayStream(admin)).last);
    expect(c.router.snapshot()).toEqual(a.router.snapshot());
    expect(b.router.snapshot()).toEqual(a.router.snapshot());
    const before = a.router.snapshot();

    await admin.flushall();
    now += 100;
    await b.apply({ type: 'visitor.join', sessionId: 'v10', department: null, priority: 0 });
    const expected = createRouter(config, () => now, before);
    expected.apply({ type: 'visitor.join', sessionId: 'v10', department: null, priority: 0 });
    for (let i = 0; i < 300 && [a, c].some((r) => JSON.stringify(r.router.snapshot()) !== JSON.stringify(b.router.snapshot())); i++) await new Promise((r) => setTimeout(r, 10));
    expect(b.router.snapshot()).toEqual(expected.snapshot());
    expect(a.router.snapshot()).toEqual(expected.snapshot());
    expect(c.router.snapshot()).toEqual(expected.snapshot());
    expect(b.stats.conflicts).toBeGreaterThan(0);
    for (const r of [a, b, c]) r.close();
  });
});
