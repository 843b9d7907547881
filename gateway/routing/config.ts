// The routing part of the gateway's one validated configuration. gateway/config.ts holds the
// defaults (ring 20 s, grace 30 s, 2 missed offers, ...) and validates them; this only converts
// seconds to the milliseconds the router counts in. The router has no defaults of its own.
import type { Config } from '../config.ts';
import type { RoutingConfig } from './types.ts';

export function routingConfigFrom(config: Config): RoutingConfig {
  return {
    mode: config.routingMode,
    ringTimeoutMs: config.ringTimeoutSeconds * 1000,
    agentGraceMs: config.agentGraceSeconds * 1000,
    visitorGraceMs: config.visitorGraceSeconds * 1000,
    maxQueueWaitMs: config.maxQueueWaitSeconds * 1000,
    defaultCapacity: config.defaultAgentCapacity,
    maxMissedOffers: config.maxMissedOffers,
    departmentFallback: config.departmentFallback,
  };
}
