// The health state the main event loop publishes and the health worker reads: a SharedArrayBuffer
// of a few 64-bit slots, written with Atomics by the main thread (heartbeat.ts) and read by any
// thread. Reading it never waits for the main loop, which is the point: a busy or blocked loop is
// reported (the heartbeat's age grows) instead of making the answer late.

/** Slots of the shared array (BigInt64, milliseconds or flags). */
export const Slot = {
  /** Epoch ms of the main loop's latest heartbeat. */
  beatAt: 0,
  /** Event-loop delay over the latest window, microseconds. */
  eldP99Us: 1,
  eldMaxUs: 2,
  /** -1 = not used (one process), 0 = unreachable, 1 = ready. */
  redis: 3,
  /** 1 = the latest store probe answered, 0 = it failed or hung. */
  store: 4,
  /** 1 = this instance follows the cluster (always 1 for one process). */
  following: 5,
  /** 1 = the gateway is shutting down. */
  stopping: 6,
} as const;

const SLOTS = 8;

export function newHealthBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS * 8);
}

export interface HealthSnapshot {
  beatAt: number;
  eldP99Ms: number;
  eldMaxMs: number;
  redis: 'n/a' | 'down' | 'up';
  storeOk: boolean;
  following: boolean;
  stopping: boolean;
}

export function writeSlot(buf: SharedArrayBuffer, slot: number, value: number): void {
  Atomics.store(new BigInt64Array(buf), slot, BigInt(Math.round(value)));
}

export function readHealth(buf: SharedArrayBuffer): HealthSnapshot {
  const a = new BigInt64Array(buf);
  const n = (s: number) => Number(Atomics.load(a, s));
  const redis = n(Slot.redis);
  return {
    beatAt: n(Slot.beatAt),
    eldP99Ms: n(Slot.eldP99Us) / 1000,
    eldMaxMs: n(Slot.eldMaxUs) / 1000,
    redis: redis < 0 ? 'n/a' : redis ? 'up' : 'down',
    storeOk: n(Slot.store) === 1,
    following: n(Slot.following) === 1,
    stopping: n(Slot.stopping) === 1,
  };
}
