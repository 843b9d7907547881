// Single flight for GET navigations: when the agent leads, both parties request the same page within
// a moment of each other. The first request fetches and rewrites; the second gets the same bytes, so
// the agent sees exactly what the visitor sees and the upstream side effect happens once.
//
// Only the two parties' fetches of ONE navigation share: a flight serves its leader and at most one
// follower, and never a second request from the leader's own party (a page that sets a cookie and
// reloads is a new navigation and must reach the site). The party comes from the request
// (gateway/proxy/navigation-party.ts); unknown (the first load of a proxy host) shares by count only.
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

interface Flight<T> {
  at: number;
  page: Promise<T>;
  /** The party whose request started the flight, when known. */
  leader: string | null;
  /** A follower took the page: the flight is used up. */
  followed: boolean;
}

export class PageCache<T = CachedPage> {
  #entries = new Map<string, Flight<T>>();
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
   * it is fetching or has just fetched it (T must then admit a CachedPage). `party` names who asks
   * (null: unknown): the leader's own party never follows its flight, and a flight has one follower.
   */
  get(key: string, load: () => Promise<T>, scope?: CachedPage extends T ? FlightScope : never, party: string | null = null): Promise<T> {
    const now = this.#now();
    const hit = this.#entries.get(key);
    if (hit && now - hit.at < this.#ttlMs && !hit.followed && (party === null || party !== hit.leader)) {
      hit.followed = true;
      return hit.page;
    }
    // A repeat within the window (same party, or a third request) is a new navigation: it must not
    // take another instance's copy of the previous one either.
    const repeat = !!hit && now - hit.at < this.#ttlMs;
    const shared = this.#shared;
    const run = shared && scope && !repeat ? () => shared.run(scope.sessionId, scope.url, load) as Promise<T> : load;
    const flight: Flight<T> = { at: now, page: undefined as unknown as Promise<T>, leader: party, followed: false };
    flight.page = run().catch((err) => {
      if (this.#entries.get(key) === flight) this.#entries.delete(key);
      throw err;
    });
    const page = flight.page;
    this.#entries.set(key, flight);
    if (this.#entries.size > 1000) this.#sweep(now);
    return page;
  }

  #sweep(now: number) {
    for (const [k, e] of this.#entries) if (now - e.at >= this.#ttlMs) this.#entries.delete(k);
  }
}
