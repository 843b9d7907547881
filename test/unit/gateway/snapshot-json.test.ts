// The routing snapshot written in slices (cluster compaction) is the very text JSON.stringify writes
// in one go, and no slice runs long, for a state of several thousand sessions.
import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../gateway/routing/router.ts';
import { stringifySnapshot } from '../../../gateway/cluster/snapshot-json.ts';
import { compareIds } from '../../../gateway/cluster/stream-id.ts';

describe('stringifySnapshot', () => {
  it('writes the same text as JSON.stringify, a few milliseconds at a time', async () => {
    let now = 1_000;
    const r = createRouter({ mode: 'auto', ringTimeoutMs: 15_000, agentGraceMs: 30_000, visitorGraceMs: 60_000, maxQueueWaitMs: 0, defaultCapacity: 5, maxMissedOffers: 2, departmentFallback: true }, () => now);
    for (let a = 0; a < 20; a++) r.apply({ type: 'agent.connect', agent: { agentId: `a${a}`, departments: a % 2 ? ['sales'] : [], capacity: 5 } });
    for (let i = 0; i < 3000; i++) {
      now++;
      r.apply({ type: 'visitor.join', sessionId: `s${i}`, department: i % 3 ? null : 'sales', priority: i % 2 });
    }
    for (const q of r.queue().filter((q) => q.offeredTo).slice(0, 50)) r.apply({ type: 'accept', agentId: q.offeredTo!, sessionId: q.sessionId });
    const snap = r.snapshot();
    const slices: number[] = [];
    const json = await stringifySnapshot(snap, (ms) => slices.push(ms));
    expect(json).toBe(JSON.stringify(snap));
    expect(slices.length).toBeGreaterThan(1);
    // Empty collections and a snapshot with nothing in it come out the same too.
    const empty = createRouter({ mode: 'manual', ringTimeoutMs: 1, agentGraceMs: 1, visitorGraceMs: 1, maxQueueWaitMs: 0, defaultCapacity: 1, maxMissedOffers: 1, departmentFallback: false }, () => 0).snapshot();
    expect(await stringifySnapshot(empty)).toBe(JSON.stringify(empty));
  });

  it('compares stream ids as numbers', () => {
    expect(compareIds('10-0', '9-5')).toBeGreaterThan(0);
    expect(compareIds('9-10', '9-9')).toBeGreaterThan(0);
    expect(compareIds('9-9', '9-9')).toBe(0);
    expect(compareIds('0-0', '1-0')).toBeLessThan(0);
  });
});
