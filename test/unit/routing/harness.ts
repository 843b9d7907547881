// Shared fixtures for the routing tests: a hand-driven clock and command shorthands.

import { createRouter } from '../../../gateway/routing/router.ts';
import type { AgentSpec, Command, Effect, Router, RoutingConfig, RoutingSnapshot } from '../../../gateway/routing/types.ts';

export const T0 = 1_000_000;

export const TEST_CONFIG: RoutingConfig = {
  mode: 'auto',
  ringTimeoutMs: 1_000,
  agentGraceMs: 5_000,
  visitorGraceMs: 3_000,
  maxQueueWaitMs: 0,
  defaultCapacity: 2,
  maxMissedOffers: 3,
  departmentFallback: true,
};

export interface Harness {
  router: Router;
  now(): number;
  advance(ms: number): void;
  apply(cmd: Command): Effect[];
  /** Advance the clock and tick, as the shell's timer would. */
  tickAfter(ms: number): Effect[];
}

export function harness(overrides: Partial<RoutingConfig> = {}, restore?: RoutingSnapshot, start = T0): Harness {
  let t = start;
  const router = createRouter({ ...TEST_CONFIG, ...overrides }, () => t, restore);
  return {
    router,
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    apply: (cmd) => router.apply(cmd),
    tickAfter: (ms) => {
      t += ms;
      return router.apply({ type: 'tick' });
    },
  };
}

export const join = (sessionId: string, department: string | null = null, priority = 0): Command => ({
  type: 'visitor.join',
  sessionId,
  department,
  priority,
});

export const connect = (agentId: string, departments: string[] = [], capacity = 2): Command => ({
  type: 'agent.connect',
  agent: { agentId, departments, capacity } satisfies AgentSpec,
});

export const accept = (agentId: string, sessionId: string): Command => ({ type: 'accept', agentId, sessionId });
export const decline = (agentId: string, sessionId: string): Command => ({ type: 'decline', agentId, sessionId });

export function ofType<K extends Effect['type']>(effects: Effect[], type: K): Extract<Effect, { type: K }>[] {
  return effects.filter((e): e is Extract<Effect, { type: K }> => e.type === type);
}

/** sessionId -> agentId of every outstanding offer. */
export function offers(router: Router): Record<string, string> {
  const out: Record<string, string> = {};
  for (const q of router.queue()) if (q.offeredTo !== null) out[q.sessionId] = q.offeredTo;
  return out;
}
