// Token bucket per key (session): bounds how fast one session can make the proxy fetch.

/** A token bucket's state: tokens left at time `at` (ms). */
export interface Bucket {
  tokens: number;
  at: number;
}

/** Refills `b` to `now` (up to `burst`) and takes one token; false: empty, refused. */
export function takeToken(b: Bucket, now: number, ratePerSec: number, burst: number): boolean {
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSec);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

export class RateLimiter {
  #buckets = new Map<string, Bucket>();
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): boolean {
    const t = this.now();
    let b = this.#buckets.get(key);
    if (!b) this.#buckets.set(key, (b = { tokens: this.burst, at: t }));
    return takeToken(b, t, this.ratePerSec, this.burst);
  }

  drop(key: string) {
    this.#buckets.delete(key);
  }
}
