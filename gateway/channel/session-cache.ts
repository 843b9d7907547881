// The live sessions this instance knows: created here, loaded at start, or loaded from the shared
// store when a socket, frame or routing effect first names one (in a cluster, a session created on
// another instance). A load that is already under way is shared, so frames and effects that name
// the same session while it loads are carried out in the order they arrived. With the embedded
// SQLite store a load answers at once and nothing goes through the microtask queue.
import type { SessionStore, Maybe } from '../store/ports.ts';
import type { SessionRecord } from '../store/types.ts';
import { isPromise, andThen } from '../store/maybe.ts';
import type { RoutingView } from './engine.ts';

export class SessionCache {
  #live = new Map<string, SessionRecord>();
  #loading = new Map<string, Promise<SessionRecord | undefined>>();
  #store: Pick<SessionStore, 'session' | 'sessionsInState'>;
  #router: RoutingView;
  #clock: () => number;

  constructor(store: Pick<SessionStore, 'session' | 'sessionsInState'>, router: RoutingView, clock: () => number) {
    this.#store = store;
    this.#router = router;
    this.#clock = clock;
  }

  /** Loads the sessions still open when the gateway starts. */
  preload(): Maybe<void> {
    return andThen(this.#store.sessionsInState('queued', 'ringing', 'active'), (list) => {
      for (const s of list) this.#live.set(s.id, s);
    });
  }

  /** Only what is cached (no store read). */
  cached(id: string): SessionRecord | undefined {
    return this.#live.get(id);
  }

  add(s: SessionRecord): void {
    this.#live.set(s.id, s);
  }

  delete(id: string): void {
    this.#live.delete(id);
  }

  values(): IterableIterator<SessionRecord> {
    return this.#live.values();
  }

  get size(): number {
    return this.#live.size;
  }

  get loading(): number {
    return this.#loading.size;
  }

  /** A live session: from the cache or, on a miss, from the store (then cached). Ended sessions are not cached. */
  live(id: string): Maybe<SessionRecord | undefined> {
    const s = this.#live.get(id);
    if (s) return s;
    const pending = this.#loading.get(id);
    if (pending) return pending;
    const loaded = andThen(this.#store.session(id), (rec) => this.#loaded(id, rec));
    if (!isPromise(loaded)) return loaded;
    const p = loaded.finally(() => this.#loading.delete(id));
    this.#loading.set(id, p);
    return p;
  }

  /**
   * Any session, ended ones included (those from the store, uncached). A live one goes through
   * live(): its copy is corrected from the routing state and shared with the effects that name it,
   * so a stale row read apart (written behind by the instance that committed) cannot overtake them.
   */
  any(id: string): Maybe<SessionRecord | null> {
    const s = this.#live.get(id);
    if (s) return s;
    return andThen(this.live(id), (live) => live ?? this.#store.session(id));
  }

  /**
   * Corrects the preloaded copies once the engine has loaded the routing state. An instance that
   * committed an assignment and died before writing the row left it saying queued; the entries that
   * made it are replayed silently at start (no effect comes to fix the copy), so the routing state
   * is asked here, once per open session at start.
   */
  agreeWithRouting(): void {
    for (const s of this.#live.values()) this.#agreeWithRouting(s);
  }

  #loaded(id: string, rec: SessionRecord | null): SessionRecord | undefined {
    // Cached meanwhile (created, or loaded by an effect): that copy is the one kept up to date.
    const cur = this.#live.get(id);
    if (cur) return cur;
    if (!rec || rec.state === 'ended') return undefined;
    this.#live.set(id, rec);
    return this.#agreeWithRouting(rec);
  }

  /**
   * The committed routing state decides who serves a session. The instance that committed an
   * assignment writes the session row afterwards; if it died in between, the row still says queued,
   * so a copy loaded from it is corrected from the routing state. (Cached copies are kept right by
   * the effects themselves, which can arrive before a replica catches up: they are left alone.)
   */
  #agreeWithRouting(s: SessionRecord): SessionRecord {
    const agentId = this.#router.agentOf(s.id);
    if (agentId && (s.state !== 'active' || s.agentId !== agentId)) {
      s.state = 'active';
      s.agentId = agentId;
      s.acceptedAt ??= this.#clock();
    } else if (!agentId && s.state === 'active' && this.#router.position(s.id) !== null) {
      s.state = 'queued';
      s.agentId = null;
    }
    return s;
  }
}
