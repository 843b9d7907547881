// The cluster's routing commit is linearizable: three ClusterRouting instances on a real
// redis-server apply random commands at the same time; ordering every committed command by the
// version it became and replaying that order on one fresh pure router gives, command by command,
// the same effects each instance carried out, and at the end the very snapshot Redis holds. So the
// pure router's invariants (none double-assigned, capacity, FIFO), proven by the unit properties,
// hold for the cluster too: it behaves as one router fed one command at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import pino from 'pino';
import { createRouter } from '../../gateway/routing/router.ts';
import type { Command, Effect, RoutingConfig } from '../../gateway/routing/types.ts';
import { ReplicaRouter } from '../../gateway/cluster/replica-router.ts';
import { ClusterRouting, ROUTING_KEY } from '../../gateway/cluster/cluster-routing.ts';
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

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const c of conns) c.disconnect();
  await redis?.close();
});

describe('cluster routing commit', () => {
  it('is linearizable: replaying committed commands in version order reproduces effects and state', async () => {
    let conflicts = 0;
    let commits = 0;
    const admin = new Redis(redis.url);
    conns.push(admin);
    await fc.assert(
      fc.asyncProperty(runArb, async (rounds) => {
        await admin.flushall();
        let now = 1_000_000;
        const clock = () => now;
        const instances: ClusterRouting[] = [];
        for (let i = 0; i < 3; i++) {
          const cmd = new Redis(redis.url);
          const sub = new Redis(redis.url);
          conns.push(cmd, sub);
          const r = new ClusterRouting(cmd, new ReplicaRouter(config, clock), `i${i}`, log);
          await r.start(sub, { remoteEffects() {}, replicaChanged() {}, due() {} });
          instances.push(r);
        }
        const committed: { version: number; cmd: Command; effects: Effect[]; at: number }[] = [];
        for (const round of rounds) {
          now += round.advanceMs;
          await Promise.all(
            instances.map(async (inst, i) => {
              for (const cmd of round.perInstance[i]) {
                const r = await inst.commit(cmd);
                if (r.version !== null) committed.push({ version: r.version, cmd, effects: r.effects, at: now });
              }
            }),
          );
        }
        committed.sort((x, y) => x.version - y.version);
        // Versions are consecutive: every commit is one step, none lost, none applied twice.
        expect(committed.map((c) => c.version)).toEqual(committed.map((_, i) => i + 1));
        let replayNow = 0;
        const serial = createRouter(config, () => replayNow);
        for (const c of committed) {
          replayNow = c.at;
          expect(serial.apply(c.cmd)).toEqual(c.effects);
        }
        const stored = await admin.get(ROUTING_KEY);
        if (committed.length) expect(JSON.parse(stored!)).toEqual(serial.snapshot());
        for (const inst of instances) {
          conflicts += inst.stats.conflicts;
          commits += inst.stats.commits;
          inst.close();
        }
        for (const c of conns.splice(1)) c.disconnect();
      }),
      { numRuns: 40 },
    );
    // Not vacuous: the instances did race, and lost compare-and-sets were re-run.
    expect(commits).toBeGreaterThan(100);
    expect(conflicts).toBeGreaterThan(10);
  });
});
