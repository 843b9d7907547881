// Differential test: the indexed router against the reference model (reference/, the whole-queue
// router of main at 8e09204), driven by the same random commands at the same clock readings. Every
// effect, view, position, deadline and snapshot must be identical, so the guarantees the reference
// proves (properties.test.ts) carry over, and a snapshot written by either restores in the other.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../gateway/routing/router.ts';
import type { AgentStatus, Command, Router, RoutingConfig, RoutingMode } from '../../../gateway/routing/types.ts';
import { createRouter as createReference } from './reference/router.ts';
import type { Router as ReferenceRouter } from './reference/types.ts';

const SESSIONS = Array.from({ length: 24 }, (_, i) => `v${i}`);
const AGENTS = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5'];
const DEPARTMENTS = [null, 'sales', 'support', 'billing', 'x"y'] as const;

type Op =
  | { k: 'join'; s: number; dept: number; priority: number }
  | { k: 'leave' | 'vdisc' | 'vrec' | 'end'; s: number }
  | { k: 'acceptHolder' | 'declineHolder'; s: number }
  | { k: 'aconn'; a: number; depts: string[]; capacity: number }
  | { k: 'adisc'; a: number }
  | { k: 'astatus'; a: number; status: AgentStatus }
  | { k: 'accept' | 'decline'; a: number; s: number }
  | { k: 'transfer'; s: number; to: number | null; dept: number }
  | { k: 'advance'; ms: number; tick: boolean };

const s = fc.nat({ max: SESSIONS.length - 1 });
const a = fc.nat({ max: AGENTS.length - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ k: fc.constant('join' as const), s, dept: fc.nat({ max: DEPARTMENTS.length - 1 }), priority: fc.constantFrom(0, 0, 0, 1, 5) }), weight: 8 },
  { arbitrary: fc.record({ k: fc.constantFrom('leave' as const, 'vdisc' as const, 'vrec' as const, 'end' as const), s }), weight: 4 },
  { arbitrary: fc.record({ k: fc.constantFrom('acceptHolder' as const, 'declineHolder' as const), s }), weight: 6 },
  {
    arbitrary: fc.record({
      k: fc.constant('aconn' as const),
      a,
      depts: fc.subarray(['support', 'sales', 'x"y']),
      capacity: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(0)),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ k: fc.constant('adisc' as const), a }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('astatus' as const), a, status: fc.constantFrom<AgentStatus>('online', 'away', 'offline') }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constantFrom('accept' as const, 'decline' as const), a, s }), weight: 3 },
  { arbitrary: fc.record({ k: fc.constant('transfer' as const), s, to: fc.option(a, { freq: 2 }), dept: fc.nat({ max: DEPARTMENTS.length - 1 }) }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('advance' as const), ms: fc.oneof(fc.constantFrom(0, 1, 999, 1_000, 2_000, 3_000), fc.nat({ max: 6_000 })), tick: fc.boolean() }), weight: 4 },
);

const configArb = (mode: RoutingMode): fc.Arbitrary<RoutingConfig> =>
  fc.record({
    mode: fc.constant(mode),
    ringTimeoutMs: fc.constantFrom(0, 1_000),
    agentGraceMs: fc.constantFrom(0, 3_000),
    visitorGraceMs: fc.constantFrom(0, 2_000),
    maxQueueWaitMs: fc.constantFrom(0, 4_000),
    defaultCapacity: fc.constant(2),
    maxMissedOffers: fc.constantFrom(0, 2, 3),
    departmentFallback: fc.boolean(),
  });

function resolve(op: Op, ref: ReferenceRouter): Command | null {
  const sid = 's' in op ? SESSIONS[op.s]! : '';
  switch (op.k) {
    case 'join':
      return { type: 'visitor.join', sessionId: sid, department: DEPARTMENTS[op.dept]!, priority: op.priority };
    case 'leave':
      return { type: 'visitor.leave', sessionId: sid };
    case 'vdisc':
      return { type: 'visitor.disconnect', sessionId: sid };
    case 'vrec':
      return { type: 'visitor.reconnect', sessionId: sid };
    case 'end':
      return { type: 'session.end', sessionId: sid };
    case 'acceptHolder':
    case 'declineHolder': {
      const queue = ref.queue();
      if (queue.length === 0) return { type: 'accept', agentId: 'a0', sessionId: sid };
      const q = queue[op.s % queue.length]!;
      const holder = q.offeredTo ?? AGENTS.find((id) => ref.canAccept(id, q.sessionId)) ?? 'a0';
      return { type: op.k === 'acceptHolder' ? 'accept' : 'decline', agentId: holder, sessionId: q.sessionId };
    }
    case 'aconn':
      return { type: 'agent.connect', agent: { agentId: AGENTS[op.a]!, departments: [...op.depts], capacity: op.capacity } };
    case 'adisc':
      return { type: 'agent.disconnect', agentId: AGENTS[op.a]! };
    case 'astatus':
      return { type: 'agent.status', agentId: AGENTS[op.a]!, status: op.status };
    case 'accept':
    case 'decline':
      return { type: op.k, agentId: AGENTS[op.a]!, sessionId: sid };
    case 'transfer': {
      const active = SESSIONS.filter((id) => ref.agentOf(id) !== null);
      const target = active.length > 0 ? active[op.s % active.length]! : sid;
      return {
        type: 'transfer',
        sessionId: target,
        fromAgentId: ref.agentOf(target) ?? 'a0',
        toAgentId: op.to === null ? null : AGENTS[op.to]!,
        toDepartment: op.to === null ? DEPARTMENTS[op.dept]! : null,
      };
    }
    case 'advance':
      return op.tick ? { type: 'tick' } : null;
  }
}

/** Everything the shell can read, compared between the two routers. */
function sameViews(router: Router, ref: ReferenceRouter, where: string): void {
  const queue = ref.queue();
  assert.deepEqual(router.queue(), queue, `queue ${where}`);
  assert.equal(router.queueSize(), queue.length, `queueSize ${where}`);
  assert.equal(router.nextDeadline(), ref.nextDeadline(), `nextDeadline ${where}`);
  const all = router.positions();
  for (const id of SESSIONS) {
    const p = ref.position(id);
    assert.equal(router.position(id), p, `position(${id}) ${where}`);
    assert.equal(all.get(id) ?? null, p, `positions().get(${id}) ${where}`);
    assert.equal(router.agentOf(id), ref.agentOf(id), `agentOf(${id}) ${where}`);
  }
  for (const agentId of [...AGENTS, 'ghost']) {
    const list = ref.queueFor(agentId);
    assert.deepEqual(router.queueFor(agentId), list, `queueFor(${agentId}) ${where}`);
    // The window: the first 3, then this agent's offers further down (it must see what rings for it).
    const head = list.slice(0, 3);
    const offersBeyond = queue.filter((q) => q.offeredTo === agentId && !head.some((h) => h.sessionId === q.sessionId));
    assert.deepEqual(router.queueWindow(agentId, 3), { total: list.length, entries: [...head, ...offersBeyond] }, `queueWindow(${agentId}) ${where}`);
    assert.deepEqual(router.agent(agentId), ref.agent(agentId), `agent(${agentId}) ${where}`);
    for (const q of queue) assert.equal(router.canAccept(agentId, q.sessionId), ref.canAccept(agentId, q.sessionId), `canAccept(${agentId}, ${q.sessionId}) ${where}`);
  }
  for (const d of DEPARTMENTS) assert.equal(router.eligibleAgentCount(d), ref.eligibleAgentCount(d), `eligibleAgentCount(${d}) ${where}`);
}

describe.each<RoutingMode>(['auto', 'manual'])('indexed router = reference router (%s mode)', (mode) => {
  it('gives the same effects, views and snapshots for the same random commands', () => {
    let offers = 0;
    fc.assert(
      fc.property(configArb(mode), fc.array(opArb, { minLength: 1, maxLength: 150, size: 'max' }), fc.nat(), (config, ops, cut) => {
        let now = 1_000_000;
        const ref = createReference(config, () => now);
        let router = createRouter(config, () => now);
        const split = cut % (ops.length + 1);
        ops.forEach((op, i) => {
          if (i === split) {
            // Restart mid-run from the reference's JSON snapshot: the format main writes must restore.
            const snap = JSON.parse(JSON.stringify(ref.snapshot()));
            router = createRouter(config, () => now, snap);
            assert.deepEqual(router.snapshot(), ref.snapshot(), 'snapshot after restore');
          }
          if (op.k === 'advance') now += op.ms;
          const cmd = resolve(op, ref);
          if (cmd === null) return;
          const expected = ref.apply(cmd);
          const actual = router.apply(cmd);
          assert.deepEqual(actual, expected, `effects of step ${i} ${JSON.stringify(cmd)}`);
          offers += expected.filter((e) => e.type === 'offered').length;
          sameViews(router, ref, `after step ${i} ${JSON.stringify(cmd)}`);
        });
        assert.deepEqual(router.snapshot(), ref.snapshot(), 'final snapshot');
        // And the other way: the reference restores the indexed router's snapshot to the same state.
        const back = createReference(config, () => now, JSON.parse(JSON.stringify(router.snapshot())));
        assert.deepEqual(back.snapshot(), ref.snapshot(), 'reference restores the new snapshot');
      }),
      { numRuns: 400 },
    );
    if (mode === 'auto') expect(offers).toBeGreaterThan(400);
  });
});
