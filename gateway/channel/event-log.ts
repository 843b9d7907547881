// A session's event log: chat, navigation and system lines with per-session sequence numbers.
// One process appends through the store (events of one event-loop turn in one transaction); a cluster
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

/**
 * One process: the store numbers the events, with group commit. Appends that arrive in one
 * event-loop turn are committed together (one transaction: one SQLite WAL commit, one PostgreSQL
 * round trip), and each is answered only once its batch has committed, so nothing is acknowledged
 * before it is stored. While a batch is being committed the next one gathers; one batch at a time,
 * so new events reach `listener` in sequence order.
 */
export function storeEventLog(
  store: Pick<SessionStore, 'appendEvents' | 'eventsAfter'>,
  listener: () => ((sessionId: string, e: Delivered) => void) | null,
  schedule: (run: () => void) => void = setImmediate,
): EventLog {
  // A waiting append is answered through its promise, or, when its batch committed before append()
  // returned (a synchronous `schedule`, as in unit tests), with the value itself.
  type Waiting = { e: NewEvent; settled: { r: Appended } | { err: unknown } | null; resolve?: (r: Appended) => void; reject?: (err: unknown) => void };
  const resolve = (w: Waiting, r: Appended) => (w.resolve ? w.resolve(r) : (w.settled = { r }));
  const reject = (w: Waiting, err: unknown) => (w.reject ? w.reject(err) : (w.settled = { err }));
  let gathering: Waiting[] = [];
  let scheduled = false;
  let committing = false;

  const flush = () => {
    scheduled = false;
    if (committing || gathering.length === 0) return;
    // Everything gathered goes in one commit. (A cap of 256 per turn was tried: when a starved
    // process's turns grew long, more chats arrived per turn than one capped commit took, and the
    // backlog, with the chats' latency, grew without bound.)
    const batch = gathering;
    gathering = [];
    committing = true;
    const done = () => {
      committing = false;
      if (gathering.length && !scheduled) {
        scheduled = true;
        schedule(flush);
      }
    };
    let answered: Maybe<unknown>;
    try {
      answered = andThen(store.appendEvents(batch.map((w) => w.e)), (results) => {
        try {
          const to = listener();
          results.forEach((r, i) => {
            const w = batch[i];
            if (r instanceof Error) return reject(w, r);
            if (!r.duplicate) to?.(w.e.sessionId, delivered(r.event));
            resolve(w, r);
          });
        } finally {
          done(); // after the whole batch went out, so the next one's events follow it
        }
      });
    } catch (err) {
      answered = Promise.reject(err);
    }
    if (answered instanceof Promise) {
      answered.catch((err) => {
        // The batch did not commit (or the listener threw after it did): every append of it fails.
        if (committing) done();
        for (const w of batch) if (!w.settled) reject(w, err);
      });
    }
  };

  return {
    append(e) {
      const w: Waiting = { e, settled: null };
      gathering.push(w);
      if (!scheduled && !committing) {
        scheduled = true;
        schedule(flush);
      }
      const done = w.settled as Waiting['settled'];
      if (done) return 'r' in done ? done.r : Promise.reject(done.err);
      return new Promise<Appended>((res, rej) => {
        w.resolve = res;
        w.reject = rej;
      });
    },
    after: (sessionId, seq) => store.eventsAfter(sessionId, seq),
    ended: () => {},
  };
}
