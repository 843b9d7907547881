// Where throttle counters and locks live: this process's memory (one instance), or Redis (a cluster,
// redis-store.ts) so that every instance sees the same counts. Both are thin: counters and locks that
// expire; what the numbers mean is in policy.ts (the Redis script mirrors lockoutMs).
import { lockoutMs, type Attempt, type BackoffPolicy } from './policy.ts';

export interface ThrottleStore {
  /**
   * One guarded attempt on `key`, atomically: refused while the key is locked; otherwise counted (the
   * counter expires `windowMs` after the latest attempt) and, when the count has earned a lockout,
   * the lock set for the attempts after it.
   */
  attempt(key: string, p: BackoffPolicy): Promise<Attempt>;
  /** Takes back one counted attempt and its lock (it turned out right). */
  forgive(key: string): Promise<void>;
  /** Forgets `key`'s counter and lock. */
  clear(key: string): Promise<void>;
  /** One hit on a fixed window of `windowMs` from its first hit: the new count and the time left. */
  hit(key: string, windowMs: number): Promise<{ count: number; ttlMs: number }>;
  close(): void;
}

interface Entry {
  count: number;
  expiresAt: number;
}

/** One process's counters. Expired entries are dropped when touched and by a sweep once a minute. */
export class MemoryThrottleStore implements ThrottleStore {
  #counters = new Map<string, Entry>();
  #locks = new Map<string, number>();
  #sweep: ReturnType<typeof setInterval> | null;

  constructor(private readonly now: () => number = Date.now, sweepMs = 60_000) {
    this.#sweep = sweepMs > 0 ? setInterval(() => this.sweep(), sweepMs) : null;
    this.#sweep?.unref();
  }

  async attempt(key: string, p: BackoffPolicy): Promise<Attempt> {
    const t = this.now();
    const until = this.#locks.get(key);
    if (until !== undefined && until > t) return { allowed: false, retryAfterMs: until - t };
    const count = this.#count(key, p.windowMs, true, t).count;
    const lockMs = lockoutMs(count, p);
    if (lockMs > 0) this.#locks.set(key, t + lockMs);
    return { allowed: true, count, lockMs };
  }

  async forgive(key: string) {
    const e = this.#counters.get(key);
    if (e && e.count > 0) e.count--;
    this.#locks.delete(key);
  }

  async clear(key: string) {
    this.#counters.delete(key);
    this.#locks.delete(key);
  }

  async hit(key: string, windowMs: number) {
    return this.#count(key, windowMs, false, this.now());
  }

  #count(key: string, windowMs: number, sliding: boolean, t: number): { count: number; ttlMs: number } {
    let e = this.#counters.get(key);
    if (!e || e.expiresAt <= t) {
      e = { count: 0, expiresAt: t + windowMs };
      this.#counters.set(key, e);
    }
    e.count++;
    if (sliding) e.expiresAt = t + windowMs;
    return { count: e.count, ttlMs: e.expiresAt - t };
  }

  /** Drops expired entries (bounded memory under a flood of distinct addresses). */
  sweep(): void {
    const t = this.now();
    for (const [k, e] of this.#counters) if (e.expiresAt <= t) this.#counters.delete(k);
    for (const [k, until] of this.#locks) if (until <= t) this.#locks.delete(k);
  }

  /** Counters and locks held (tests: the sweep bounds it). */
  get size(): number {
    return this.#counters.size + this.#locks.size;
  }

  close(): void {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
  }
}
