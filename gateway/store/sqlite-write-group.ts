// One SQLite transaction per event-loop turn for the writes that need not block a reply (the
// session writer's: sessions created and updated, proxy origins, the routing log, archived events).
//
// Why: each autocommit write is its own WAL commit, which rewrites every page it touched plus a
// commit frame. A 10,000-visitor storm makes three such writes per visitor (created, accepted,
// proxy origin); grouping a turn's writes into one commit cut them from 171 to 68 µs CPU per
// visitor in a microbenchmark (20 visitors a turn), and the store was a third of the gateway's CPU
// in the storm's profile. Writes still run at once (inside the open transaction), so reads on this
// connection see them and their order is kept; only the commit waits for the end of the turn.
//
// A write whose caller replies on it (a login token, an offline message, a chat event) goes through
// `durable()`: it commits the turn's group with it before it returns, so nothing is acknowledged
// before it is stored. Only for a store this process owns alone (the lock in ./sqlite-lock.ts): an
// open write transaction would make another process's writes on the file wait for it.
import type { Database } from 'better-sqlite3';

export interface WriteGroup {
  /** Runs `fn` in this turn's transaction (opening it, and scheduling its commit, when none is open). */
  deferred<T>(fn: () => T): T;
  /** Runs `fn`, then commits the turn's transaction (with `fn`'s writes) before returning. */
  durable<T>(fn: () => T): T;
  /** Commits what is open now (the store is closing). */
  flush(): void;
}

/** No grouping: every write commits on its own (tests, a file shared with other gateways). */
export const ungrouped: WriteGroup = { deferred: (fn) => fn(), durable: (fn) => fn(), flush: () => {} };

export function writeGroup(
  db: Database,
  onLost: (err: unknown, writes: number) => void,
  schedule: (run: () => void) => void = setImmediate,
): WriteGroup {
  let open = false;
  let writes = 0;

  /** Throws when the commit failed (the group was rolled back and its writes are lost). */
  const commit = () => {
    if (!open) return;
    open = false;
    const n = writes;
    writes = 0;
    try {
      db.exec('COMMIT');
    } catch (err) {
      if (db.inTransaction) db.exec('ROLLBACK');
      onLost(err, n);
      throw err;
    }
  };

  const commitLater = () => {
    try {
      commit();
    } catch {
      // reported through onLost; nobody waits on a deferred write's commit
    }
  };

  return {
    deferred(fn) {
      if (!open && !db.inTransaction) {
        db.exec('BEGIN IMMEDIATE'); // the write lock now, so a read in the turn never needs upgrading
        open = true;
        schedule(commitLater);
      }
      const r = fn();
      if (open) writes++;
      return r;
    },
    durable(fn) {
      try {
        return fn();
      } finally {
        commit();
      }
    },
    flush: commitLater,
  };
}
