// Copies of Redis-numbered events (a cluster's transcript, archiveEvent) into a SQLite file that
// several gateways share, written once per event-loop turn in one short transaction.
//
// Why: each copy was its own autocommit transaction, run as Redis's pipelined append replies came
// in; in the two-instance bench at 1,000 sessions those runs added up to 1.3–2.0 s of event-loop
// stalls per instance. The turn-long transaction of ./sqlite-write-group.ts cannot be used on a
// shared file (it would hold the other gateways' writes for the whole turn), so here the copies wait
// in memory and the lock is held only while the batch is written. The copies were already written
// behind (redis-event-log.ts reads Redis first and treats the store as the older part), so a batch
// landing at the end of the turn changes no reader. A batch that fails (the file busy, or away) is
// kept, in order, and tried again with backoff; closing writes what is left.
import type { Statement } from 'better-sqlite3';
import type { Database } from 'better-sqlite3';

export interface ArchiveBatch {
  add(row: Record<string, unknown>): void;
  /** Rows waiting (for tests). */
  readonly pending: number;
  /** Writes what is waiting now and stops (the store is closing); false if that failed. */
  close(): boolean;
}

export function archiveBatch(
  db: Database,
  insert: Statement,
  onError: (err: unknown, rows: number) => void,
  schedule: (run: () => void) => void = setImmediate,
  retry: { firstMs: number; maxMs: number } = { firstMs: 50, maxMs: 2000 },
): ArchiveBatch {
  let rows: Record<string, unknown>[] = [];
  let scheduled = false;
  let delay = 0;
  let closed = false;
  const write = db.transaction((batch: Record<string, unknown>[]) => {
    for (const r of batch) insert.run(r);
  });

  const flush = (): boolean => {
    scheduled = false;
    if (!rows.length || !db.open) return !rows.length;
    const batch = rows;
    rows = [];
    try {
      write(batch);
      delay = 0;
      return true;
    } catch (err) {
      // Kept in front of what arrived meanwhile, so the copies land in the order they were made.
      rows = batch.concat(rows);
      onError(err, batch.length);
      if (closed) return false;
      delay = Math.min(delay ? delay * 2 : retry.firstMs, retry.maxMs);
      scheduled = true;
      setTimeout(flush, delay).unref?.();
      return false;
    }
  };

  return {
    add(row) {
      rows.push(row);
      if (scheduled || closed) return;
      scheduled = true;
      schedule(flush);
    },
    get pending() {
      return rows.length;
    },
    close() {
      closed = true;
      return flush();
    },
  };
}
