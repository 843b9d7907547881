import { describe, expect, it } from 'vitest';
import { createRouter } from '../../../gateway/routing/router.ts';
import { TEST_CONFIG, accept, connect, decline, harness, join, ofType } from './harness.ts';

describe('manual mode', () => {
  const manual = () => harness({ mode: 'manual' });

  it('makes no reservations; every eligible agent sees the queue', () => {
    const h = manual();
    h.apply(connect('a1', ['sales']));
    h.apply(connect('a2', ['sales']));
    h.apply(connect('x1', ['support']));
    const fx = h.apply(join('v1', 'sales'));
    expect(ofType(fx, 'offered')).toEqual([]);
    expect(h.router.nextDeadline()).toBeNull();
    expect(h.router.queueFor('a1').map((q) => q.sessionId)).toEqual(['v1']);
    expect(h.router.queueFor('a2').map((q) => q.sessionId)).toEqual(['v1']);
    expect(h.router.queueFor('x1')).toEqual([]);
    expect(h.router.canAccept('a1', 'v1')).toBe(true);
    expect(h.router.canAccept('x1', 'v1')).toBe(false);
  });

  it('first accept wins', () => {
    const h = manual();
    h.apply(connect('a1'));
    h.apply(connect('a2'));
    h.apply(join('v1'));
    expect(h.apply(accept('a2', 'v1'))).toEqual([
      { type: 'assigned', agentId: 'a2', sessionId: 'v1', previousAgentId: null },
      { type: 'queue.changed' },
    ]);
    expect(h.apply(accept('a1', 'v1'))).toEqual([{ type: 'rejected', agentId: 'a1', sessionId: 'v1', code: 'CB_ERR_ALREADY_TAKEN' }]);
  });

  it('any visitor may be picked, not only the head', () => {
    const h = manual();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    h.apply(join('v2'));
    expect(ofType(h.apply(accept('a1', 'v2')), 'assigned')).toHaveLength(1);
    expect(h.router.position('v1')).toBe(1);
  });

  it('refuses an agent at capacity, away, disconnected or outside the department', () => {
    const h = harness({ mode: 'manual', departmentFallback: false });
    h.apply(connect('a1', [], 1));
    h.apply(connect('s1', ['sales'], 1));
    h.apply(join('v1'));
    h.apply(join('v2'));
    h.apply(join('v3', 'support'));
    h.apply(accept('a1', 'v1'));
    const atCapacity = (agentId: string, sessionId: string) => [{ type: 'rejected', agentId, sessionId, code: 'CB_ERR_AT_CAPACITY' }];
    expect(h.router.canAccept('a1', 'v2')).toBe(false);
    expect(h.apply(accept('a1', 'v2'))).toEqual(atCapacity('a1', 'v2'));
    expect(h.apply(accept('s1', 'v3'))).toEqual(atCapacity('s1', 'v3'));
    expect(h.apply(accept('ghost', 'v2'))).toEqual(atCapacity('ghost', 'v2'));
    h.apply({ type: 'agent.status', agentId: 's1', status: 'away' });
    expect(h.apply(accept('s1', 'v2'))).toEqual(atCapacity('s1', 'v2'));
    h.apply({ type: 'agent.status', agentId: 's1', status: 'online' });
    h.apply({ type: 'agent.disconnect', agentId: 's1' });
    expect(h.apply(accept('s1', 'v2'))).toEqual(atCapacity('s1', 'v2'));
  });

  it('does not hand out a disconnected visitor', () => {
    const h = manual();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    h.apply({ type: 'visitor.disconnect', sessionId: 'v1' });
    expect(h.router.canAccept('a1', 'v1')).toBe(false);
    expect(h.apply(accept('a1', 'v1'))).toEqual([{ type: 'rejected', agentId: 'a1', sessionId: 'v1', code: 'CB_ERR_NOT_OFFERED' }]);
    h.apply({ type: 'visitor.reconnect', sessionId: 'v1' });
    expect(h.router.canAccept('a1', 'v1')).toBe(true);
  });

  it('has nothing to decline', () => {
    const h = manual();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    expect(h.apply(decline('a1', 'v1'))).toEqual([{ type: 'rejected', agentId: 'a1', sessionId: 'v1', code: 'CB_ERR_NOT_OFFERED' }]);
    expect(h.router.agent('a1')?.missedOffers).toBe(0);
  });

  it('restoring an auto snapshot in manual mode drops the reservations', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    const r = createRouter({ ...TEST_CONFIG, mode: 'manual' }, h.now, h.router.snapshot());
    expect(r.queue()[0]?.offeredTo).toBeNull();
    expect(r.canAccept('a1', 'v1')).toBe(true);
  });
});
