// The capacity scenario's verdicts (bench/scenarios/capacity.ts): which step counts, what the knee is,
// and who is named as the limit, from the figures a sweep measured.
import { describe, expect, it } from 'vitest';
import { kneeOf, limitOf, otherCores, sessionsPerCore } from '../../../bench/scenarios/capacity.ts';

describe('sessionsPerCore', () => {
  it('divides the largest passing step by the gateway cores used there', () => {
    const steps = [
      { sessions: 100, pass: true, gatewayCores: 0.1 },
      { sessions: 400, pass: true, gatewayCores: 0.5 },
      { sessions: 700, pass: false, gatewayCores: 0.9 },
    ];
    expect(sessionsPerCore(steps)).toEqual({ best: 400, perCore: 800 });
  });

  it('ignores a pass after the first failure (only --quick runs past it)', () => {
    const steps = [
      { sessions: 10, pass: true, gatewayCores: 0.02 },
      { sessions: 5, pass: false, gatewayCores: 0.01 },
      { sessions: 20, pass: true, gatewayCores: 0.04 },
    ];
    expect(sessionsPerCore(steps).best).toBe(null);
  });

  it('has no figure when no step passed', () => {
    const r = sessionsPerCore([{ sessions: 100, pass: false, gatewayCores: 1 }]);
    expect(r.best).toBe(null);
    expect(r.perCore).toBeNaN();
  });
});

describe('kneeOf', () => {
  it('is the first rate whose p99 passes 100 ms', () => {
    expect(kneeOf([{ rate: 1000, p99: 140 }, { rate: 250, p99: 20 }, { rate: 500, p99: 60 }])).toBe(1000);
  });
  it('is null when every rate stayed within the limit, and a rate with no sample counts as past it', () => {
    expect(kneeOf([{ rate: 250, p99: 20 }, { rate: 500, p99: 100 }])).toBe(null);
    expect(kneeOf([{ rate: 250, p99: NaN }])).toBe(250);
  });
});

describe('limitOf', () => {
  it('names the saturated processes and the machine', () => {
    expect(limitOf(0.95, [{ name: 'visitors', cores: 0.3 }], 50)).toBe('gateway');
    expect(limitOf(0.5, [{ name: 'visitors', cores: 0.97 }, { name: 'agents-1', cores: 0.2 }], 95)).toBe('load clients (visitors 0.97 core) + machine (all cores busy)');
    expect(limitOf(0.2, [{ name: 'visitors', cores: 0.2 }], 30)).toBe('none saturated');
    expect(limitOf(0.6, [{ name: 'visitors', cores: 0.4 }], 80, 197)).toBe('gateway event-loop stalls (delay p99 197 ms, no process saturated)');
    expect(limitOf(0.9, [], 80, 197)).toBe('gateway');
  });
});

describe('otherCores', () => {
  it("is the machine's busy cores minus the bench's own, never negative", () => {
    expect(otherCores(100, 2, [0.25, 0.2, 0.15])).toBeCloseTo(1.4);
    expect(otherCores(10, 2, [0.3])).toBe(0);
  });
});
