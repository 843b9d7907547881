// Issue 14 item 5: one set of defaults. The router has none of its own; gateway/config.ts's
// documented defaults are what a gateway started without settings routes with.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../gateway/config.ts';
import { routingConfigFrom } from '../../../gateway/routing/config.ts';
import * as routerModule from '../../../gateway/routing/router.ts';
import { createRouter } from '../../../gateway/routing/router.ts';
import { TEST_CONFIG } from './harness.ts';

describe('routing configuration', () => {
  it('comes from gateway/config.ts defaults: ring 20 s, grace 30 s, 2 missed offers', () => {
    const cfg = routingConfigFrom(loadConfig({}));
    expect(cfg).toEqual({
      mode: 'auto',
      ringTimeoutMs: 20_000,
      agentGraceMs: 30_000,
      visitorGraceMs: 30_000,
      maxQueueWaitMs: 600_000,
      defaultCapacity: 3,
      maxMissedOffers: 2,
      departmentFallback: true,
    });
    let t = 0;
    const r = createRouter(cfg, () => t);
    r.apply({ type: 'agent.connect', agent: { agentId: 'a1', departments: [], capacity: 1 } });
    expect(r.apply({ type: 'visitor.join', sessionId: 'v1', department: null, priority: 0 })).toContainEqual({
      type: 'offered',
      agentId: 'a1',
      sessionId: 'v1',
      expiresAt: 20_000,
    });
    t = 20_000;
    r.apply({ type: 'tick' });
    t = 40_000;
    // The second missed offer in a row sets the agent away (maxMissedOffers 2, not the router's old 3).
    expect(r.apply({ type: 'tick' })).toContainEqual({ type: 'agent.status', agentId: 'a1', status: 'away', reason: 'missed-offers' });
  });

  it('the router exports no defaults of its own', () => {
    expect(Object.keys(routerModule).sort()).toEqual(['createRouter', 'validateRoutingConfig']);
  });

  it('refuses a config it cannot run with, naming the field, instead of substituting a default', () => {
    expect(() => createRouter({ ...TEST_CONFIG, ringTimeoutMs: Number.NaN }, () => 0)).toThrow(/ringTimeoutMs/);
    expect(() => createRouter({ ...TEST_CONFIG, agentGraceMs: -1 }, () => 0)).toThrow(/agentGraceMs/);
    expect(() => createRouter({ ...TEST_CONFIG, mode: 'round-robin' as never }, () => 0)).toThrow(/mode/);
  });
});
