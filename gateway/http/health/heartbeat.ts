// The main loop's side of health: every `intervalMs` it stamps the shared buffer (so a blocked loop
// shows as a heartbeat that stops ageing well), publishes its event-loop delay (monitorEventLoopDelay
// over a 5 s window, the worse of the current and the previous window so a fresh window never reads
// as calm), whether Redis is ready, and the latest store probe.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Slot, writeSlot } from './health-state.ts';

export interface HeartbeatOptions {
  /** null in one process (no Redis). */
  redisReady: (() => boolean) | null;
  following: () => boolean;
  /** A cheap store read; throws, rejects or hangs when the store is failing. */
  probeStore: () => unknown;
  intervalMs?: number;
  now?: () => number;
}

const WINDOW_MS = 5000;
const PROBE_EVERY_MS = 1000;
const PROBE_TIMEOUT_MS = 2000;

export function startHeartbeat(buf: SharedArrayBuffer, o: HeartbeatOptions): { stopping(): void; stop(): void } {
  const now = o.now ?? Date.now;
  const interval = o.intervalMs ?? 100;
  const h = monitorEventLoopDelay({ resolution: 10 });
  h.enable();
  let windowStart = now();
  let prev = { p99: 0, max: 0 };
  let lastBeat = now();
  let lastProbe = 0;
  let probing = false;
  writeSlot(buf, Slot.store, 1);

  const probe = () => {
    if (probing) return;
    probing = true;
    const done = (ok: boolean) => {
      probing = false;
      writeSlot(buf, Slot.store, ok ? 1 : 0);
    };
    try {
      const r = o.probeStore();
      if (r && typeof (r as Promise<unknown>).then === 'function') {
        const t = setTimeout(() => writeSlot(buf, Slot.store, 0), PROBE_TIMEOUT_MS);
        (r as Promise<unknown>).then(
          () => (clearTimeout(t), done(true)),
          () => (clearTimeout(t), done(false)),
        );
      } else done(true);
    } catch {
      done(false);
    }
  };

  const beat = () => {
    const t = now();
    // Histogram values are nanoseconds; NaN/0 before the first sample.
    // The beat's own lateness counts too: after a long block this beat may run before the
    // histogram's timer has recorded the block (and a window rolling over now would drop it).
    const lateUs = Math.max(0, t - lastBeat - interval) * 1000;
    lastBeat = t;
    const cur = { p99: h.percentile(99) / 1000 || 0, max: Math.max(h.max / 1000 || 0, lateUs) };
    writeSlot(buf, Slot.eldP99Us, Math.max(cur.p99, prev.p99));
    writeSlot(buf, Slot.eldMaxUs, Math.max(cur.max, prev.max));
    if (t - windowStart >= WINDOW_MS) {
      prev = cur;
      h.reset();
      windowStart = t;
    }
    writeSlot(buf, Slot.redis, o.redisReady ? (o.redisReady() ? 1 : 0) : -1);
    writeSlot(buf, Slot.following, o.following() ? 1 : 0);
    if (t - lastProbe >= PROBE_EVERY_MS) {
      lastProbe = t;
      probe();
    }
    writeSlot(buf, Slot.beatAt, t);
  };
  beat();
  const timer = setInterval(beat, interval);
  timer.unref();
  return {
    stopping: () => writeSlot(buf, Slot.stopping, 1),
    stop: () => {
      clearInterval(timer);
      h.disable();
    },
  };
}
