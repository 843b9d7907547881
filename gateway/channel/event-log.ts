// A session's event log: chat, navigation and system lines with per-session sequence numbers.
// One process appends through the store (one atomic store call numbers the event); a cluster
// appends through Redis (gateway/cluster/redis-event-log.ts). Either way the log answers `Maybe`,
// so the embedded SQLite path stays free of promise hops, and it hands each new event to the
// engine's listener in sequence order (the cluster's from the numbering script's fan-out).
import type { SessionEvent } from '../../protocol/index.ts';
import type { Maybe, SessionStore } from '../store/ports.ts';
import type { NewEvent } from '../store/types.ts';
import { andThen } from '../store/maybe.ts';
import type { Delivered } from './event-delivery.ts';

export interface Appended {
  event: SessionEvent;
  duplicate: boolean;
}

export interface EventLog {
  /**
   * Next sequence number, atomically; a chat resent with a known clientId returns the stored event.
   * A new event also goes to every instance's listener (this one's before the answer).
   */
  append(e: NewEvent): Maybe<Appended>;
  after(sessionId: string, seq: number): Maybe<SessionEvent[]>;
  /** The session ended: keep its log only as long as the retention says. */
  ended(sessionId: string): void;
}

/** The frame a numbered event travels in (visitors never see internal notes). */
export function delivered(e: SessionEvent): Delivered {
  return { seq: e.seq, agentsOnly: e.kind === 'note', text: JSON.stringify({ type: 'event', event: e }) };
}

/** One process: the store numbers the event; new events go to `listener` at once. */
export function storeEventLog(store: Pick<SessionStore, 'appendEvent' | 'eventsAfter'>, listener: () => ((sessionId: string, e: Delivered) => void) | null): EventLog {
  return {
    append: (e) =>
      andThen(store.appendEvent(e), (r) => {
        if (!r.duplicate) listener()?.(e.sessionId, delivered(r.event));
        return r;
      }),
    after: (sessionId, seq) => store.eventsAfter(sessionId, seq),
    ended: () => {},
  };
}
