// What the health endpoints answer, as a pure function of the published state and the time.
//  - Liveness (/healthz) fails only when the main loop has not beaten for `stallMs`: a busy gateway
//    is alive, and restarting it would drop every visitor's session for nothing. Slow is reported
//    as degraded, with 200.
//  - Readiness (/readyz) fails when the gateway should not take new work: shutting down, not
//    following the cluster yet, Redis or the store unreachable, or the loop too far behind to answer
//    in time (no heartbeat for `busyMs`).
import type { HealthSnapshot } from './health-state.ts';

export interface HealthThresholds {
  /** Event-loop delay p99 above which the loop is reported degraded. */
  eldDegradedMs: number;
  /** No heartbeat for this long: not ready (too busy to take new work). */
  busyMs: number;
  /** No heartbeat for this long: not live (stuck). */
  stallMs: number;
}

export const DEFAULT_THRESHOLDS: HealthThresholds = { eldDegradedMs: 100, busyMs: 2000, stallMs: 30_000 };

export interface HealthReport {
  live: boolean;
  ready: boolean;
  /** What is degraded, e.g. `event-loop: p99 140 ms`, `redis: unreachable`. Empty when all is well. */
  degraded: string[];
  eventLoop: { heartbeatAgeMs: number; p99Ms: number; maxMs: number };
  redis: HealthSnapshot['redis'];
  store: 'ok' | 'failing';
}

const ms = (v: number) => `${Math.round(v)} ms`;

export function assess(s: HealthSnapshot, now: number, t: HealthThresholds = DEFAULT_THRESHOLDS): HealthReport {
  const age = Math.max(0, now - s.beatAt);
  const degraded: string[] = [];
  if (s.stopping) degraded.push('gateway: shutting down');
  if (age >= t.busyMs) degraded.push(`event-loop: no heartbeat for ${ms(age)} (blocked or saturated)`);
  else if (s.eldP99Ms >= t.eldDegradedMs) degraded.push(`event-loop: delay p99 ${ms(s.eldP99Ms)}, max ${ms(s.eldMaxMs)}`);
  if (s.redis === 'down') degraded.push('redis: unreachable');
  if (!s.storeOk) degraded.push('store: failing or not answering');
  if (!s.following) degraded.push('cluster: not following the other instances yet');
  return {
    live: age < t.stallMs,
    ready: !s.stopping && age < t.busyMs && s.redis !== 'down' && s.storeOk && s.following,
    degraded,
    eventLoop: { heartbeatAgeMs: age, p99Ms: s.eldP99Ms, maxMs: s.eldMaxMs },
    redis: s.redis,
    store: s.storeOk ? 'ok' : 'failing',
  };
}
