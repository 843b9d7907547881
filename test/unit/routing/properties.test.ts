import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../gateway/routing/router.ts';
import type { Command, Effect, RoutingMode } from '../../../gateway/routing/types.ts';
import { Checker, runScenario, scenarioArb } from './property-model.ts';

const RUNS = 2_500;

describe.each<RoutingMode>(['auto', 'manual'])('routing properties (%s mode)', (mode) => {
  it('keeps every invariant after every step of random interleavings', () => {
    let assignments = 0;
    fc.assert(
      fc.property(scenarioArb(mode), (sc) => {
        const checker = new Checker(sc.config, sc.specs);
        runScenario(sc, (router, cmd, fx, now) => {
          checker.effects(cmd, fx, now);
          checker.state(router, now);
        });
        assignments += checker.assignments;
      }),
      { numRuns: RUNS },
    );
    // Guard against a generator that never reaches the interesting states.
    expect(assignments).toBeGreaterThan(RUNS);
  });

  it('is deterministic: the same commands at the same times give the same effects', () => {
    fc.assert(
      fc.property(scenarioArb(mode, 40), (sc) => {
        const first = runScenario(sc);
        let now = 0;
        const replay = createRouter(sc.config, () => now);
        const effects: Effect[][] = [];
        for (const step of first.steps) {
          now = step.at;
          if (step.cmd) effects.push(replay.apply(step.cmd));
        }
        expect(effects).toEqual(first.effects);
        expect(replay.snapshot()).toEqual(first.router.snapshot());
      }),
      { numRuns: 300 },
    );
  });

  it('restores a JSON snapshot exactly: same state, same future effects', () => {
    fc.assert(
      fc.property(scenarioArb(mode, 40), fc.nat(), (sc, cut) => {
        const first = runScenario(sc);
        const split = cut % (first.steps.length + 1);
        let now = 0;
        const original = createRouter(sc.config, () => now);
        for (const step of first.steps.slice(0, split)) {
          now = step.at;
          if (step.cmd) original.apply(step.cmd);
        }
        const snap = original.snapshot();
        const restored = createRouter(sc.config, () => now, JSON.parse(JSON.stringify(snap)));
        expect(restored.snapshot()).toEqual(snap);
        expect(restored.nextDeadline()).toBe(original.nextDeadline());
        for (const step of first.steps.slice(split)) {
          now = step.at;
          if (!step.cmd) continue;
          expect(restored.apply(step.cmd)).toEqual(original.apply(step.cmd));
        }
        expect(restored.snapshot()).toEqual(original.snapshot());
        expect(restored.queue()).toEqual(original.queue());
        for (const q of original.queue()) expect(restored.position(q.sessionId)).toBe(original.position(q.sessionId));
      }),
      { numRuns: 300 },
    );
  });
});

// The once-seen flake (model [] router ["v3"]), found again with seed 34 in manual mode: a join
// arriving exactly when the joiner's agent's grace and the joiner's own grace end. The deadlines
// fired before the join requeue and then remove the visitor, and the join queues them anew; the
// model had settled the join at the `requeued` and lost the new entry. The router was right.
describe('the property model', () => {
  it('follows a join whose own earlier deadlines requeue and remove the joiner', () => {
    const config = { mode: 'manual' as const, ringTimeoutMs: 1000, agentGraceMs: 3000, visitorGraceMs: 2000, maxQueueWaitMs: 0, defaultCapacity: 2, maxMissedOffers: 0, departmentFallback: false };
    const specs = [{ agentId: 'a3', departments: [], capacity: 1 }];
    const checker = new Checker(config, specs);
    let now = 1_000_000;
    const router = createRouter(config, () => now);
    const steps: [number, Command][] = [
      [0, { type: 'agent.connect', agent: specs[0]! }],
      [0, { type: 'visitor.join', sessionId: 'v2', department: null, priority: 0 }],
      [0, { type: 'accept', agentId: 'a3', sessionId: 'v2' }],
      [0, { type: 'agent.disconnect', agentId: 'a3' }],
      [1000, { type: 'visitor.disconnect', sessionId: 'v2' }],
      [3000, { type: 'visitor.join', sessionId: 'v2', department: null, priority: 0 }],
    ];
    let last: Effect[] = [];
    for (const [dt, cmd] of steps) {
      now = 1_000_000 + dt;
      last = router.apply(cmd);
      checker.effects(cmd, last, now);
      checker.state(router, now);
    }
    expect(last.map((e) => e.type)).toEqual(['requeued', 'agent.status', 'visitor.removed', 'visitor.overflow', 'queue.changed']);
    expect(router.queue().map((q) => q.sessionId)).toEqual(['v2']);
    expect([...checker.queued]).toEqual(['v2']);
  });
});
