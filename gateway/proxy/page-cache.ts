// Single flight for GET navigations: when the agent leads, both parties request the same page within
// a moment of each other. The first request fetches and rewrites; the second gets the same bytes, so
// the agent sees exactly what the visitor sees and the upstream side effect happens once.
//
// In cluster mode the two parties may be served by different instances, so the flight is also
// shared through Redis (a SharedFlight: gateway/cluster/shared-page-flight.ts): the in-process flight stays in front of it, and only the
// first request of each instance takes part in the cluster-wide one.

export interface CachedPage {
  status: number;
  headers: [string, string][];
  body: Buffer;
}

/** Which session and URL a flight is for, so it can be shared with other instances. */
export interface FlightScope {
  sessionId: string;
  url: string;
}

/** The cluster-wide flight (implemented in gateway/cluster/): runs `load` once across instances. */
export interface SharedFlight {
  run<T>(sessionId: string, url: string, load: () => Promise<T>): Promise<T | CachedPage>;
}

export class PageCache<T = CachedPage> {
  #entries = new Map<string, { at: number; page: Promise<T> }>();
  #ttlMs: number;
  #now: () => number;
  #shared: SharedFlight | null;

  constructor(ttlMs = 5000, now: () => number = Date.now, shared: SharedFlight | null = null) {
    this.#ttlMs = ttlMs;
    this.#now = now;
    this.#shared = shared;
  }

  /**
   * Returns the in-flight or fresh page for key, or starts `load` (failures are not kept). With a
   * scope and a shared flight, another instance's page for the same session and URL is used when
   * it is fetching or has just fetched it (T must then admit a CachedPage).
   */
  get(key: string, load: () => Promise<T>, scope?: CachedPage extends T ? FlightScope : never): Promise<T> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.#ttlMs) return hit.page;
    const shared = this.#shared;
    const run = shared && scope ? () => shared.run(scope.sessionId, scope.url, load) as Promise<T> : load;
    const page = run().catch((err) => {
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
