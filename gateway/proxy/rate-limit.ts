// Token bucket per key (session): bounds how fast one session can make the proxy fetch.
export class RateLimiter {
  #buckets = new Map<string, { tokens: number; at: number }>();
  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  take(key: string): boolean {
    const t = this.now();
    const b = this.#buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.ratePerSec);
    b.at = t;
    this.#buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  drop(key: string) {
    this.#buckets.delete(key);
  }
}
