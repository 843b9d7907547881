// Single flight for GET navigations: when the agent leads, both parties request the same page within
// a moment of each other. The first request fetches and rewrites; the second gets the same bytes, so
// the agent sees exactly what the visitor sees and the upstream side effect happens once.
export interface CachedPage {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

export class PageCache<T = CachedPage> {
  #entries = new Map<string, { at: number; page: Promise<T> }>();
  #ttlMs: number;
  #now: () => number;

  constructor(ttlMs = 5000, now: () => number = Date.now) {
    this.#ttlMs = ttlMs;
    this.#now = now;
  }

  /** Returns the in-flight or fresh page for key, or starts `load` (failures are not kept). */
  get(key: string, load: () => Promise<T>): Promise<T> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.#ttlMs) return hit.page;
    const page = load().catch((err) => {
      this.#entries.delete(key);
      throw err;
    });
    this.#entries.set(key, { at: now, page });
    if (this.#entries.size > 1000) this.#sweep(now);
    return page;
  }

  #sweep(now: number) {
    for (const [k, e] of this.#entries) if (now - e.at >= this.#ttlMs) this.#entries.delete(k);
  }
}
