import { describe, expect, it } from 'vitest';
import { T0, accept, connect, decline, harness, join, offers, ofType } from './harness.ts';

describe('auto mode: offers', () => {
  it('offers the head visitor as a reservation that rings for ringTimeoutMs', () => {
    const h = harness();
    h.apply(connect('a1'));
    const fx = h.apply(join('v1'));
    expect(fx).toEqual([{ type: 'offered', agentId: 'a1', sessionId: 'v1', expiresAt: T0 + 1_000 }, { type: 'queue.changed' }]);
    expect(h.router.queue()[0]).toMatchObject({ sessionId: 'v1', offeredTo: 'a1', offerExpiresAt: T0 + 1_000 });
  });

  it('flags a visitor who joins with no agent online as overflow no-agents, and keeps them queued', () => {
    const h = harness();
    const fx = h.apply(join('v1'));
    expect(ofType(fx, 'visitor.overflow')).toEqual([{ type: 'visitor.overflow', sessionId: 'v1', reason: 'no-agents' }]);
    expect(h.router.position('v1')).toBe(1);
    const later = h.apply(connect('a1'));
    expect(ofType(later, 'offered')).toHaveLength(1);
  });

  it('serves higher priority first, then oldest', () => {
    const h = harness();
    h.apply(join('low-old', null, 0));
    h.advance(10);
    h.apply(join('high', null, 5));
    h.advance(10);
    h.apply(join('low-new', null, 0));
    expect(h.router.queue().map((q) => q.sessionId)).toEqual(['high', 'low-old', 'low-new']);
    expect(h.router.position('low-new')).toBe(3);
    const fx = h.apply(connect('a1', [], 1));
    expect(ofType(fx, 'offered').map((o) => o.sessionId)).toEqual(['high']);
  });

  it('chooses the least loaded agent, then the longest idle, then by agentId', () => {
    const h = harness();
    h.apply(connect('b'));
    h.apply(connect('a'));
    h.apply(join('v1'));
    expect(offers(h.router)).toEqual({ v1: 'a' }); // tie on load and idle time: agentId
    h.apply(join('v2'));
    expect(offers(h.router)).toEqual({ v1: 'a', v2: 'b' }); // a holds a reservation
    h.apply(accept('a', 'v1'));
    h.advance(5);
    h.apply(accept('b', 'v2'));
    h.apply(join('v3'));
    expect(offers(h.router)).toEqual({ v3: 'a' }); // both have one session; a has been idle longer
    h.apply({ type: 'session.end', sessionId: 'v2' });
    h.apply(join('v4'));
    expect(offers(h.router)).toEqual({ v3: 'a', v4: 'b' });
  });

  it('counts reservations against capacity', () => {
    const h = harness();
    h.apply(connect('a1', [], 1));
    h.apply(join('v1'));
    const fx = h.apply(join('v2'));
    expect(ofType(fx, 'offered')).toEqual([]);
    expect(h.router.queue()[1]).toMatchObject({ sessionId: 'v2', offeredTo: null });
  });

  it('accept by the holder assigns and removes from the queue; others are refused', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(connect('a2', [], 1));
    h.apply(join('v1'));
    expect(offers(h.router)).toEqual({ v1: 'a1' });
    expect(h.apply(accept('a2', 'v1'))).toEqual([{ type: 'rejected', agentId: 'a2', sessionId: 'v1', code: 'CB_ERR_NOT_OFFERED' }]);
    expect(h.router.canAccept('a2', 'v1')).toBe(false);
    expect(h.router.canAccept('a1', 'v1')).toBe(true);
    expect(h.apply(accept('a1', 'v1'))).toEqual([
      { type: 'assigned', agentId: 'a1', sessionId: 'v1', previousAgentId: null },
      { type: 'queue.changed' },
    ]);
    expect(h.router.queue()).toEqual([]);
    expect(h.router.agentOf('v1')).toBe('a1');
    expect(h.router.position('v1')).toBeNull();
    expect(h.apply(accept('a2', 'v1'))).toEqual([{ type: 'rejected', agentId: 'a2', sessionId: 'v1', code: 'CB_ERR_ALREADY_TAKEN' }]);
    expect(h.apply(accept('a1', 'nope'))).toEqual([{ type: 'rejected', agentId: 'a1', sessionId: 'nope', code: 'CB_ERR_SESSION_UNKNOWN' }]);
  });

  it('an accept after the ring expired is refused even if the shell timer has not fired yet', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(connect('a2'));
    h.apply(join('v1'));
    h.advance(1_000);
    const fx = h.apply(accept('a1', 'v1'));
    expect(fx).toContainEqual({ type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v1', reason: 'timeout' });
    expect(fx).toContainEqual({ type: 'rejected', agentId: 'a1', sessionId: 'v1', code: 'CB_ERR_NOT_OFFERED' });
    expect(offers(h.router)).toEqual({ v1: 'a2' });
  });
});

describe('auto mode: decline, timeout, missed offers', () => {
  it('decline withdraws and offers to a different agent', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(connect('a2'));
    h.apply(join('v1'));
    const fx = h.apply(decline('a1', 'v1'));
    expect(fx).toEqual([
      { type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v1', reason: 'declined' },
      { type: 'offered', agentId: 'a2', sessionId: 'v1', expiresAt: T0 + 1_000 },
      { type: 'queue.changed' },
    ]);
  });

  it('re-offers to the same agent when no one else is eligible', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    const fx = h.apply(decline('a1', 'v1'));
    expect(ofType(fx, 'offered')).toEqual([{ type: 'offered', agentId: 'a1', sessionId: 'v1', expiresAt: T0 + 1_000 }]);
  });

  it('prefers agents who have not passed on the visitor this round', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(connect('a2'));
    h.apply(connect('a3'));
    h.apply(join('v1'));
    h.apply(decline('a1', 'v1'));
    expect(offers(h.router)).toEqual({ v1: 'a2' });
    h.tickAfter(1_000);
    expect(offers(h.router)).toEqual({ v1: 'a3' }); // a1 is least loaded too, but already passed
    h.apply(decline('a3', 'v1'));
    expect(offers(h.router)).toEqual({ v1: 'a1' }); // everyone passed: a new round
    h.apply(decline('a1', 'v1'));
    expect(offers(h.router)).toEqual({ v1: 'a2' }); // in the new round only a1 has passed
  });

  it('ring timeout on tick withdraws and moves on', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(connect('a2'));
    h.apply(join('v1'));
    expect(h.router.nextDeadline()).toBe(T0 + 1_000);
    expect(h.tickAfter(999)).toEqual([]);
    const fx = h.tickAfter(1);
    expect(fx).toEqual([
      { type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v1', reason: 'timeout' },
      { type: 'offered', agentId: 'a2', sessionId: 'v1', expiresAt: T0 + 2_000 },
      { type: 'queue.changed' },
    ]);
    expect(h.router.agent('a1')?.missedOffers).toBe(1);
  });

  it('sets an agent away after maxMissedOffers in a row, counting declines and timeouts', () => {
    const h = harness({ maxMissedOffers: 3 });
    h.apply(connect('a1'));
    h.apply(join('v1'));
    h.apply(decline('a1', 'v1'));
    h.tickAfter(1_000);
    expect(h.router.agent('a1')).toMatchObject({ status: 'online', missedOffers: 2 });
    const fx = h.apply(decline('a1', 'v1'));
    expect(fx).toEqual([
      { type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v1', reason: 'declined' },
      { type: 'agent.status', agentId: 'a1', status: 'away', reason: 'missed-offers' },
      { type: 'queue.changed' },
    ]);
    expect(offers(h.router)).toEqual({});
    expect(ofType(h.apply(join('v2')), 'offered')).toEqual([]);
    // Coming back online resets the count and resumes offers.
    const back = h.apply({ type: 'agent.status', agentId: 'a1', status: 'online' });
    expect(back[0]).toEqual({ type: 'agent.status', agentId: 'a1', status: 'online', reason: 'set' });
    expect(ofType(back, 'offered')).toHaveLength(2);
    expect(h.router.agent('a1')?.missedOffers).toBe(0);
  });

  it('an accept resets the missed-offer count', () => {
    const h = harness({ maxMissedOffers: 2 });
    h.apply(connect('a1', [], 3));
    h.apply(join('v1'));
    h.apply(decline('a1', 'v1'));
    expect(h.router.agent('a1')?.missedOffers).toBe(1);
    h.apply(accept('a1', 'v1'));
    expect(h.router.agent('a1')?.missedOffers).toBe(0);
    h.apply(join('v2'));
    h.apply(decline('a1', 'v2'));
    expect(h.router.agent('a1')?.status).toBe('online');
  });

  it('refuses a decline of a visitor not offered to that agent', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    expect(h.apply(decline('a2', 'v1'))).toEqual([{ type: 'rejected', agentId: 'a2', sessionId: 'v1', code: 'CB_ERR_NOT_OFFERED' }]);
    expect(h.apply(decline('a1', 'zz'))).toEqual([{ type: 'rejected', agentId: 'a1', sessionId: 'zz', code: 'CB_ERR_SESSION_UNKNOWN' }]);
  });

  it('maxMissedOffers 0 never sets anyone away', () => {
    const h = harness({ maxMissedOffers: 0 });
    h.apply(connect('a1'));
    h.apply(join('v1'));
    for (let i = 0; i < 5; i++) h.apply(decline('a1', 'v1'));
    expect(h.router.agent('a1')?.status).toBe('online');
  });
});

describe('auto mode: departments', () => {
  it('offers a department visitor only to agents of that department', () => {
    const h = harness();
    h.apply(connect('s1', ['sales']));
    h.apply(connect('x1', ['support']));
    h.apply(join('v1', 'support'));
    expect(offers(h.router)).toEqual({ v1: 'x1' });
    expect(h.router.eligibleAgentCount('support')).toBe(1);
    expect(h.router.eligibleAgentCount(null)).toBe(2);
  });

  it('falls back to any agent when nobody of the department is online', () => {
    const h = harness({ departmentFallback: true });
    h.apply(connect('s1', ['sales']));
    h.apply(join('v1', 'billing'));
    expect(offers(h.router)).toEqual({ v1: 's1' });
    expect(h.router.eligibleAgentCount('billing')).toBe(1);
  });

  it('does not fall back while the department is staffed but busy', () => {
    const h = harness();
    h.apply(connect('s1', ['sales']));
    h.apply(connect('x1', ['support'], 1));
    h.apply(join('v1', 'support'));
    h.apply(join('v2', 'support'));
    expect(offers(h.router)).toEqual({ v1: 'x1' });
  });

  it('without fallback a visitor of an unstaffed department waits', () => {
    const h = harness({ departmentFallback: false });
    h.apply(connect('s1', ['sales']));
    const fx = h.apply(join('v1', 'billing'));
    expect(ofType(fx, 'visitor.overflow')).toEqual([{ type: 'visitor.overflow', sessionId: 'v1', reason: 'no-agents' }]);
    expect(offers(h.router)).toEqual({});
    expect(ofType(h.apply(connect('b1', ['billing'])), 'offered')).toEqual([
      { type: 'offered', agentId: 'b1', sessionId: 'v1', expiresAt: T0 + 1_000 },
    ]);
  });

  it('counts positions among visitors competing for the same agents', () => {
    const h = harness({ departmentFallback: false });
    h.apply(connect('s1', ['sales'], 0));
    h.apply(connect('x1', ['support'], 0));
    h.apply(join('s-a', 'sales'));
    h.apply(join('x-a', 'support'));
    h.apply(join('s-b', 'sales'));
    h.apply(join('g', null));
    expect(['s-a', 'x-a', 's-b', 'g'].map((id) => h.router.position(id))).toEqual([1, 1, 2, 4]);
    expect(h.router.queueFor('s1').map((q) => q.sessionId)).toEqual(['s-a', 's-b', 'g']);
    expect(h.router.queueFor('nobody')).toEqual([]);
  });

  it('withdraws offers an agent can no longer honour after updating departments or capacity', () => {
    const h = harness({ departmentFallback: false });
    h.apply(connect('a1', ['sales'], 2));
    h.apply(connect('a2', ['support'], 2));
    h.apply(join('v1', 'sales'));
    h.apply(join('v2', 'sales'));
    expect(offers(h.router)).toEqual({ v1: 'a1', v2: 'a1' });
    const fx = h.apply(connect('a1', ['sales'], 1));
    expect(ofType(fx, 'offer.withdrawn')).toEqual([{ type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v2', reason: 'agent-unavailable' }]);
    const fx2 = h.apply(connect('a1', ['billing'], 1));
    expect(ofType(fx2, 'offer.withdrawn')).toEqual([{ type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v1', reason: 'agent-unavailable' }]);
    expect(offers(h.router)).toEqual({});
  });

  it('with fallback, an agent leaving the last staffed department keeps serving it', () => {
    const h = harness({ departmentFallback: true });
    h.apply(connect('a1', ['sales'], 1));
    h.apply(connect('a2', ['support'], 2));
    h.apply(join('v1', 'sales'));
    h.apply(join('v2', 'sales'));
    expect(offers(h.router)).toEqual({ v1: 'a1' });
    const fx = h.apply(connect('a1', ['billing'], 1));
    expect(ofType(fx, 'offer.withdrawn')).toEqual([]);
    expect(offers(h.router)).toEqual({ v1: 'a1', v2: 'a2' });
  });
});
