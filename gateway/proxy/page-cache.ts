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
// shared through Redis (SharedPageFlight): the in-process flight stays in front of it, and only the
// first request of each instance takes part in the cluster-wide one.
import type { Logger } from 'pino';
import { PROXY_CHANNELS, PROXY_KEYS, redisReady, subscribeChannel, withTimeout, type ChannelSubscription, type ProxyRedis } from '../cluster/proxy-state-redis.ts';

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
  #shared: SharedPageFlight | null;

  constructor(ttlMs = 5000, now: () => number = Date.now, shared: SharedPageFlight | null = null) {
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

// ------------------------------------------------------------------ cluster mode

/** KEYS[1] flight key; ARGV: 1 our lock marker, 2 result, 3 result TTL ms, 4 channel. */
const FINISH = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
  redis.call('PUBLISH', ARGV[4], KEYS[1])
  return 1
end
return 0`;
/** KEYS[1] flight key; ARGV[1] our lock marker: a failed leader lets the next one try. */
const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], KEYS[1])
end
return 0`;

const isPage = (v: unknown): v is CachedPage =>
  !!v && typeof v === 'object' && Buffer.isBuffer((v as CachedPage).body) && typeof (v as CachedPage).status === 'number' && Array.isArray((v as CachedPage).headers);

function encodePage(p: CachedPage): Buffer {
  const head = Buffer.from(JSON.stringify({ s: p.status, h: p.headers }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(head.length);
  return Buffer.concat([Buffer.from('D'), len, head, p.body]);
}

function decodePage(b: Buffer): CachedPage | null {
  try {
    const n = b.readUInt32BE(1);
    const head = JSON.parse(b.subarray(5, 5 + n).toString('utf8')) as { s: number; h: [string, string][] };
    return { status: head.s, headers: head.h, body: Buffer.from(b.subarray(5 + n)) };
  } catch {
    return null;
  }
}

export interface SharedPageFlightOptions {
  /** How long the lock holds, and so the longest a follower waits for one leader (default 5 s). */
  lockMs?: number;
  /** How long a fetched page stays available to the other instances (default 5 s). */
  resultMs?: number;
  /** Larger pages are not shared: the follower fetches its own (default 8 MiB). */
  maxShareBytes?: number;
}

type Outcome = { page: CachedPage } | 'self' | 'gone' | 'timeout';

/**
 * The cluster-wide flight: SET cb:sf:<sid>:<hash(url)> P<marker> NX PX 5000 elects the leader,
 * which fetches and rewrites, then replaces its marker with the page (status, headers, body) for
 * 5 s and publishes the key on cb:px:sf. Followers wait for that notice (polling with backoff as a
 * safety net, in case a notice is lost) and use the page. A leader that fails releases the key, so
 * a follower takes over; one that is too slow loses its lock after 5 s, when a follower takes over
 * too; a response that cannot be shared (streamed, too large) is marked 'S' and each follower
 * fetches its own, as the in-process flight does. Without Redis, everyone fetches their own.
 */
export class SharedPageFlight {
  #r: ProxyRedis;
  #log: Logger;
  #lockMs: number;
  #resultMs: number;
  #maxShareBytes: number;
  #waiters = new Map<string, Set<() => void>>();
  #sub: ChannelSubscription;
  #seq = 0;

  constructor(r: ProxyRedis, log: Logger, o: SharedPageFlightOptions = {}) {
    this.#r = r;
    this.#log = log;
    this.#lockMs = o.lockMs ?? 5000;
    this.#resultMs = o.resultMs ?? 5000;
    this.#maxShareBytes = o.maxShareBytes ?? 8 * 1024 * 1024;
    this.#sub = subscribeChannel(r.sub, PROXY_CHANNELS.flight, (key) => this.#wake(key), () => this.#wakeAll(), log);
  }

  #wake(key: string) {
    const set = this.#waiters.get(key);
    if (!set) return;
    this.#waiters.delete(key);
    for (const f of set) f();
  }

  #wakeAll() {
    for (const key of [...this.#waiters.keys()]) this.#wake(key);
  }

  async run<T>(sessionId: string, url: string, load: () => Promise<T>): Promise<T | CachedPage> {
    if (!redisReady(this.#r)) return load();
    const key = PROXY_KEYS.flight(sessionId, url);
    const deadline = Date.now() + this.#lockMs + 1000;
    for (;;) {
      const marker = `P${process.pid}.${++this.#seq}.${Math.random().toString(36).slice(2)}`;
      const took = await withTimeout(this.#r.cmd.set(key, marker, 'PX', this.#lockMs, 'NX'), 1000, 'timeout' as const).catch(() => 'timeout' as const);
      if (took === 'timeout') return load();
      if (took === 'OK') return this.#lead(key, marker, load);
      const got = await this.#follow(key, deadline);
      if (typeof got === 'object') return got.page;
      if (got === 'self' || got === 'timeout' || Date.now() > deadline) return load();
      // 'gone': the leader failed or its lock ran out; try to lead.
    }
  }

  async #lead<T>(key: string, marker: string, load: () => Promise<T>): Promise<T> {
    let v: T;
    try {
      v = await load();
    } catch (err) {
      this.#r.cmd.eval(RELEASE, 1, key, marker, PROXY_CHANNELS.flight).catch(() => {});
      throw err;
    }
    const result = isPage(v) && v.body.length <= this.#maxShareBytes ? encodePage(v) : Buffer.from('S');
    // Not awaited: this party's response does not wait for the other's copy.
    this.#r.cmd
      .eval(FINISH, 1, key, marker, result, String(this.#resultMs), PROXY_CHANNELS.flight)
      .catch((err: Error) => this.#log.warn({ err: err.message }, 'single flight: page not shared'));
    return v;
  }

  async #follow(key: string, deadline: number): Promise<Outcome> {
    let delay = 20;
    for (;;) {
      // Listen before reading, so a notice between the read and the wait is not missed.
      let wake!: () => void;
      const woken = new Promise<void>((r) => (wake = r));
      let set = this.#waiters.get(key);
      if (!set) this.#waiters.set(key, (set = new Set()));
      set.add(wake);
      try {
        const v = await withTimeout(this.#r.cmd.getBuffer(key), 1000, 'timeout' as const).catch(() => 'timeout' as const);
        if (v === 'timeout') return 'timeout';
        if (!v) return 'gone';
        const kind = String.fromCharCode(v[0]);
        if (kind === 'D') {
          const page = decodePage(v);
          return page ? { page } : 'self';
        }
        if (kind !== 'P') return 'self';
        const left = deadline - Date.now();
        if (left <= 0) return 'timeout';
        await withTimeout(woken, Math.min(delay, left), null);
        delay = Math.min(delay * 2, 250);
      } finally {
        set.delete(wake);
        if (!set.size && this.#waiters.get(key) === set) this.#waiters.delete(key);
      }
    }
  }

  close() {
    this.#sub.close();
    this.#wakeAll();
  }
}
