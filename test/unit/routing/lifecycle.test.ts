import { describe, expect, it } from 'vitest';
import { T0, accept, connect, harness, join, offers, ofType } from './harness.ts';

describe('agent connection', () => {
  it('connect registers the agent online and connected', () => {
    const h = harness();
    expect(h.apply(connect('a1', ['sales'], 4))).toEqual([{ type: 'agent.status', agentId: 'a1', status: 'online', reason: 'connected' }]);
    expect(h.router.agent('a1')).toEqual({
      agentId: 'a1',
      status: 'online',
      connected: true,
      departments: ['sales'],
      capacity: 4,
      active: [],
      missedOffers: 0,
      lastAssignedAt: 0,
    });
    expect(h.router.agent('zz')).toBeNull();
  });

  it('an invalid capacity falls back to defaultCapacity', () => {
    const h = harness({ defaultCapacity: 7 });
    h.apply(connect('a1', [], Number.NaN));
    expect(h.router.agent('a1')?.capacity).toBe(7);
  });

  it('disconnect withdraws outstanding offers at once and re-offers them', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(connect('a2'));
    h.apply(join('v1'));
    const fx = h.apply({ type: 'agent.disconnect', agentId: 'a1' });
    expect(fx).toEqual([
      { type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v1', reason: 'agent-unavailable' },
      { type: 'offered', agentId: 'a2', sessionId: 'v1', expiresAt: T0 + 1_000 },
      { type: 'queue.changed' },
    ]);
  });

  it('gives a disconnected agent no offers during grace, and keeps their sessions', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    h.apply({ type: 'agent.disconnect', agentId: 'a1' });
    expect(ofType(h.apply(join('v2')), 'offered')).toEqual([]);
    expect(h.router.agentOf('v1')).toBe('a1');
    expect(h.router.nextDeadline()).toBe(T0 + 5_000);
    expect(h.router.eligibleAgentCount(null)).toBe(0);
  });

  it('reconnecting within grace cancels it', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    h.apply({ type: 'agent.disconnect', agentId: 'a1' });
    h.advance(4_999);
    h.apply(connect('a1'));
    expect(h.router.nextDeadline()).toBeNull();
    expect(h.tickAfter(10_000)).toEqual([]);
    expect(h.router.agentOf('v1')).toBe('a1');
  });

  it('grace expiry re-queues the sessions at the head and sets the agent offline', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    h.apply({ type: 'agent.disconnect', agentId: 'a1' });
    h.apply(join('v2', null, 9)); // higher priority, but v1 was already being served
    h.advance(5_000);
    const fx = h.apply({ type: 'tick' });
    expect(fx).toEqual([
      { type: 'requeued', sessionId: 'v1', fromAgentId: 'a1', reason: 'agent-gone' },
      { type: 'agent.status', agentId: 'a1', status: 'offline', reason: 'grace-expired' },
      { type: 'queue.changed' },
    ]);
    expect(h.router.queue().map((q) => q.sessionId)).toEqual(['v1', 'v2']);
    expect(h.router.agent('a1')).toMatchObject({ status: 'offline', connected: false, active: [] });
    expect(h.router.agentOf('v1')).toBeNull();
    // The next agent gets the re-queued visitor first.
    expect(ofType(h.apply(connect('a2', [], 1)), 'offered').map((o) => o.sessionId)).toEqual(['v1']);
  });

  it('setting away or offline withdraws offers; sessions stay', () => {
    const h = harness();
    h.apply(connect('a1', [], 3));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    h.apply(join('v2'));
    const fx = h.apply({ type: 'agent.status', agentId: 'a1', status: 'away' });
    expect(fx).toEqual([
      { type: 'agent.status', agentId: 'a1', status: 'away', reason: 'set' },
      { type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v2', reason: 'agent-unavailable' },
      { type: 'queue.changed' },
    ]);
    expect(h.router.agentOf('v1')).toBe('a1');
    expect(h.apply({ type: 'agent.status', agentId: 'a1', status: 'away' })).toEqual([]);
    expect(h.apply({ type: 'agent.status', agentId: 'ghost', status: 'online' })).toEqual([]);
  });
});

describe('visitor connection', () => {
  it('a disconnected visitor keeps their place but is not offered', () => {
    const h = harness();
    h.apply(join('v1'));
    h.apply(join('v2'));
    h.apply({ type: 'visitor.disconnect', sessionId: 'v1' });
    expect(h.router.queue()[0]).toMatchObject({ sessionId: 'v1', connected: false });
    expect(h.router.position('v2')).toBe(2);
    expect(ofType(h.apply(connect('a1', [], 1)), 'offered')).toEqual([{ type: 'offered', agentId: 'a1', sessionId: 'v2', expiresAt: T0 + 1_000 }]);
  });

  it('disconnect withdraws an outstanding offer, reconnect within grace restores', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    expect(h.apply({ type: 'visitor.disconnect', sessionId: 'v1' })).toEqual([
      { type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v1', reason: 'visitor-left' },
      { type: 'queue.changed' },
    ]);
    expect(h.apply(accept('a1', 'v1'))).toEqual([{ type: 'rejected', agentId: 'a1', sessionId: 'v1', code: 'CB_ERR_NOT_OFFERED' }]);
    h.advance(2_999);
    const fx = h.apply({ type: 'visitor.reconnect', sessionId: 'v1' });
    expect(ofType(fx, 'offered')).toEqual([{ type: 'offered', agentId: 'a1', sessionId: 'v1', expiresAt: T0 + 3_999 }]);
  });

  it('grace expiry removes the visitor', () => {
    const h = harness();
    h.apply(join('v1'));
    h.apply({ type: 'visitor.disconnect', sessionId: 'v1' });
    expect(h.router.nextDeadline()).toBe(T0 + 3_000);
    expect(h.tickAfter(3_000)).toEqual([{ type: 'visitor.removed', sessionId: 'v1', reason: 'grace-expired' }, { type: 'queue.changed' }]);
    expect(h.router.position('v1')).toBeNull();
    expect(h.apply({ type: 'visitor.reconnect', sessionId: 'v1' })).toEqual([]);
  });

  it('an active visitor who never comes back frees the agent', () => {
    const h = harness();
    h.apply(connect('a1', [], 1));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    h.apply(join('v2'));
    h.apply({ type: 'visitor.disconnect', sessionId: 'v1' });
    const fx = h.tickAfter(3_000);
    expect(fx).toEqual([
      { type: 'visitor.removed', sessionId: 'v1', reason: 'grace-expired' },
      { type: 'offered', agentId: 'a1', sessionId: 'v2', expiresAt: T0 + 4_000 },
      { type: 'queue.changed' },
    ]);
  });

  it('leave removes at once and withdraws the offer', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(join('v1'));
    expect(h.apply({ type: 'visitor.leave', sessionId: 'v1' })).toEqual([
      { type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v1', reason: 'visitor-left' },
      { type: 'visitor.removed', sessionId: 'v1', reason: 'left' },
      { type: 'queue.changed' },
    ]);
    expect(h.apply(accept('a1', 'v1'))).toEqual([{ type: 'rejected', agentId: 'a1', sessionId: 'v1', code: 'CB_ERR_SESSION_UNKNOWN' }]);
    expect(h.apply({ type: 'visitor.leave', sessionId: 'v1' })).toEqual([]);
  });

  it('a duplicate join keeps the original place', () => {
    const h = harness();
    h.apply(join('v1'));
    h.advance(10);
    h.apply(join('v2'));
    expect(h.apply(join('v1', null, 99))).toEqual([]);
    expect(h.router.queue().map((q) => [q.sessionId, q.joinedAt])).toEqual([
      ['v1', T0],
      ['v2', T0 + 10],
    ]);
  });
});

describe('max queue wait', () => {
  it('flags wait-exceeded once and keeps the visitor queued', () => {
    const h = harness({ maxQueueWaitMs: 10_000 });
    h.apply(join('v1'));
    expect(h.router.nextDeadline()).toBe(T0 + 10_000);
    expect(h.tickAfter(9_999)).toEqual([]);
    expect(h.tickAfter(1)).toEqual([{ type: 'visitor.overflow', sessionId: 'v1', reason: 'wait-exceeded' }]);
    expect(h.tickAfter(60_000)).toEqual([]);
    expect(h.router.position('v1')).toBe(1);
    expect(h.router.nextDeadline()).toBeNull();
  });

  it('pauses while the visitor is disconnected and fires on reconnect if already past', () => {
    const h = harness({ maxQueueWaitMs: 2_000, visitorGraceMs: 5_000 });
    h.apply(join('v1'));
    h.advance(1_000);
    h.apply({ type: 'visitor.disconnect', sessionId: 'v1' });
    expect(h.router.nextDeadline()).toBe(T0 + 6_000); // only the grace
    h.advance(2_000);
    expect(ofType(h.apply({ type: 'visitor.reconnect', sessionId: 'v1' }), 'visitor.overflow')).toEqual([
      { type: 'visitor.overflow', sessionId: 'v1', reason: 'wait-exceeded' },
    ]);
  });

  it('an assigned visitor is never flagged', () => {
    const h = harness({ maxQueueWaitMs: 2_000 });
    h.apply(connect('a1'));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    expect(h.tickAfter(5_000)).toEqual([]);
  });
});

describe('session end and transfer', () => {
  it('session.end frees capacity and triggers the next offer', () => {
    const h = harness();
    h.apply(connect('a1', [], 1));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    h.apply(join('v2'));
    expect(h.apply({ type: 'session.end', sessionId: 'v1' })).toEqual([
      { type: 'visitor.removed', sessionId: 'v1', reason: 'ended' },
      { type: 'offered', agentId: 'a1', sessionId: 'v2', expiresAt: T0 + 1_000 },
      { type: 'queue.changed' },
    ]);
    expect(h.router.agent('a1')?.active).toEqual([]);
    expect(h.apply({ type: 'session.end', sessionId: 'v2' })).toEqual([
      { type: 'offer.withdrawn', agentId: 'a1', sessionId: 'v2', reason: 'visitor-left' },
      { type: 'visitor.removed', sessionId: 'v2', reason: 'ended' },
      { type: 'queue.changed' },
    ]);
    expect(h.apply({ type: 'session.end', sessionId: 'v2' })).toEqual([]);
  });

  it('transfers to a specific agent', () => {
    const h = harness();
    h.apply(connect('a1', [], 1));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    h.apply(connect('a2', [], 1));
    h.advance(50);
    const fx = h.apply({ type: 'transfer', sessionId: 'v1', fromAgentId: 'a1', toAgentId: 'a2', toDepartment: null });
    expect(fx).toEqual([{ type: 'assigned', agentId: 'a2', sessionId: 'v1', previousAgentId: 'a1' }]);
    expect(h.router.agentOf('v1')).toBe('a2');
    expect(h.router.agent('a1')?.active).toEqual([]);
    expect(h.router.agent('a2')).toMatchObject({ active: ['v1'], lastAssignedAt: T0 + 50 });
  });

  it('refuses a transfer to an agent at capacity, away or disconnected', () => {
    const h = harness();
    h.apply(connect('a1', [], 2));
    h.apply(connect('a2', [], 1));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    h.apply(join('v2'));
    expect(offers(h.router)).toEqual({ v2: 'a2' }); // a2 is full with the reservation
    const refused = { type: 'rejected', agentId: 'a1', sessionId: 'v1', code: 'CB_ERR_AT_CAPACITY' };
    const to = (toAgentId: string) => ({ type: 'transfer', sessionId: 'v1', fromAgentId: 'a1', toAgentId, toDepartment: null }) as const;
    expect(h.apply(to('a2'))).toEqual([refused]);
    expect(h.apply(to('ghost'))).toEqual([refused]);
    h.apply(connect('a3', [], 1));
    h.apply({ type: 'agent.status', agentId: 'a3', status: 'away' });
    expect(h.apply(to('a3'))).toEqual([refused]);
    h.apply(connect('a4', [], 1));
    h.apply({ type: 'agent.disconnect', agentId: 'a4' });
    expect(h.apply(to('a4'))).toEqual([refused]);
    expect(h.router.agentOf('v1')).toBe('a1');
  });

  it('refuses a transfer by an agent who does not hold the session', () => {
    const h = harness();
    h.apply(connect('a1'));
    h.apply(connect('a2'));
    h.apply(join('v1'));
    h.apply(accept('a1', 'v1'));
    expect(h.apply({ type: 'transfer', sessionId: 'v1', fromAgentId: 'a2', toAgentId: 'a2', toDepartment: null })).toEqual([
      { type: 'rejected', agentId: 'a2', sessionId: 'v1', code: 'CB_ERR_SESSION_UNKNOWN' },
    ]);
  });

  it('transfers to a department: re-queued at the head with that department and routed', () => {
    const h = harness();
    h.apply(connect('s1', ['sales'], 1));
    h.apply(connect('x1', ['support'], 1));
    h.apply(join('v1', 'sales'));
    h.apply(accept('s1', 'v1'));
    h.apply(join('w1', 'support', 5)); // offered to x1, who is then full
    h.apply(join('w2', 'support', 5));
    const fx = h.apply({ type: 'transfer', sessionId: 'v1', fromAgentId: 's1', toAgentId: null, toDepartment: 'support' });
    expect(fx).toEqual([
      { type: 'requeued', sessionId: 'v1', fromAgentId: 's1', reason: 'transfer-to-department' },
      { type: 'queue.changed' },
    ]);
    expect(h.router.queue().map((q) => [q.sessionId, q.department])).toEqual([
      ['v1', 'support'],
      ['w1', 'support'],
      ['w2', 'support'],
    ]);
    h.apply({ type: 'visitor.leave', sessionId: 'w1' });
    expect(offers(h.router)).toEqual({ v1: 'x1' });
  });
});

describe('deadlines', () => {
  it('nextDeadline is the earliest of ring, grace and max-wait deadlines, and tick fires all due', () => {
    const h = harness({ maxQueueWaitMs: 4_000 });
    h.apply(connect('a1', [], 1));
    h.apply(connect('a2', [], 1));
    h.apply(join('v1')); // ring T0+1000
    h.advance(100);
    h.apply(join('v2')); // ring T0+1100
    h.apply(join('v3')); // max wait T0+4100
    h.apply({ type: 'visitor.disconnect', sessionId: 'v3' }); // grace T0+3100, max wait paused
    expect(h.router.nextDeadline()).toBe(T0 + 1_000);
    h.apply(accept('a1', 'v1'));
    expect(h.router.nextDeadline()).toBe(T0 + 1_100);
    h.apply(accept('a2', 'v2'));
    expect(h.router.nextDeadline()).toBe(T0 + 3_100);
    h.apply({ type: 'agent.disconnect', agentId: 'a1' }); // grace T0+100+5000
    const fx = h.tickAfter(10_000);
    expect(fx).toEqual([
      { type: 'visitor.removed', sessionId: 'v3', reason: 'grace-expired' },
      { type: 'requeued', sessionId: 'v1', fromAgentId: 'a1', reason: 'agent-gone' },
      { type: 'agent.status', agentId: 'a1', status: 'offline', reason: 'grace-expired' },
      { type: 'queue.changed' },
    ]);
    expect(h.router.nextDeadline()).toBe(h.now() + 4_000);
  });
});
