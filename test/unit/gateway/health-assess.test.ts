// What health answers, from the published state (pure: no clock, no threads).
import { describe, expect, it } from 'vitest';
import { assess, DEFAULT_THRESHOLDS } from '../../../gateway/http/health/assess.ts';
import { newHealthBuffer, readHealth, Slot, writeSlot, type HealthSnapshot } from '../../../gateway/http/health/health-state.ts';

const calm: HealthSnapshot = { beatAt: 10_000, eldP99Ms: 11, eldMaxMs: 14, redis: 'n/a', storeOk: true, following: true, stopping: false };

describe('health assessment', () => {
  it('calm: live and ready, nothing degraded', () => {
    expect(assess(calm, 10_050)).toMatchObject({ live: true, ready: true, degraded: [], store: 'ok', redis: 'n/a' });
  });
  it('a slow loop is degraded but live and ready; a stalled one is not ready; a stuck one is not live', () => {
    const slow = assess({ ...calm, eldP99Ms: 180, eldMaxMs: 400 }, 10_050);
    expect(slow).toMatchObject({ live: true, ready: true, degraded: ['event-loop: delay p99 180 ms, max 400 ms'] });
    const busy = assess(calm, 10_000 + DEFAULT_THRESHOLDS.busyMs + 500);
    expect(busy).toMatchObject({ live: true, ready: false, degraded: ['event-loop: no heartbeat for 2500 ms (blocked or saturated)'] });
    expect(assess(calm, 10_000 + DEFAULT_THRESHOLDS.stallMs).live).toBe(false);
  });
  it('Redis, the store, the cluster and a shutdown each make it not ready and say so', () => {
    expect(assess({ ...calm, redis: 'down' }, 10_050)).toMatchObject({ live: true, ready: false, degraded: ['redis: unreachable'] });
    expect(assess({ ...calm, storeOk: false }, 10_050)).toMatchObject({ ready: false, store: 'failing', degraded: ['store: failing or not answering'] });
    expect(assess({ ...calm, following: false }, 10_050).ready).toBe(false);
    expect(assess({ ...calm, stopping: true }, 10_050)).toMatchObject({ live: true, ready: false, degraded: ['gateway: shutting down'] });
  });
  it('round-trips through the shared buffer', () => {
    const buf = newHealthBuffer();
    writeSlot(buf, Slot.beatAt, 1_764_000_000_123);
    writeSlot(buf, Slot.eldP99Us, 12_500);
    writeSlot(buf, Slot.eldMaxUs, 40_000);
    writeSlot(buf, Slot.redis, 0);
    writeSlot(buf, Slot.store, 1);
    writeSlot(buf, Slot.following, 1);
    expect(readHealth(buf)).toEqual({ beatAt: 1_764_000_000_123, eldP99Ms: 12.5, eldMaxMs: 40, redis: 'down', storeOk: true, following: true, stopping: false });
  });
});
