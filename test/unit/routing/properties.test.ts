import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../gateway/routing/router.ts';
import type { Effect, RoutingMode } from '../../../gateway/routing/types.ts';
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
