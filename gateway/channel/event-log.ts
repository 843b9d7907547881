// A session's event log: chat, navigation and system lines with per-session sequence numbers.
// One process appends through the SQLite store synchronously; a cluster appends through Redis
// (gateway/cluster/redis-event-log.ts) asynchronously. `Maybe` keeps the one-process path free of
// promise hops, so its ordering and timing are exactly what they were before the cluster existed.
import type { SessionEvent } from '../../protocol/index.ts';
import type { NewEvent, Store } from '../store/types.ts';

export type Maybe<T> = T | Promise<T>;

export interface Appended {
  event: SessionEvent;
  duplicate: boolean;
}

export interface EventLog {
  /**
   * Next sequence number, atomically; a chat resent with a known clientId returns the stored event.
   * A cluster log also fans the new event out to every instance in the same atomic step.
   */
  append(e: NewEvent): Maybe<Appended>;
  after(sessionId: string, seq: number): Maybe<SessionEvent[]>;
  /** The session ended: keep its log only as long as the retention says. */
  ended(sessionId: string): void;
}

/** Runs `fn` with the value now when it is one, or when the promise settles (errors go to `onError`). */
export function whenReady<T>(v: Maybe<T>, fn: (value: T) => void, onError: (err: unknown) => void): void {
  if (v instanceof Promise) v.then(fn, onError);
  else fn(v);
}

export function storeEventLog(store: Store): EventLog {
  return {
    append: (e) => store.appendEvent(e),
    after: (sessionId, seq) => store.eventsAfter(sessionId, seq),
    ended: () => {},
  };
}
