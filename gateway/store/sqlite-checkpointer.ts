// Checkpoints the SQLite WAL from a worker thread instead of inside the gateway's commits.
//
// Why: SQLite's automatic checkpoint runs in whichever commit crosses 1,000 WAL pages, on the
// event loop, and copies those pages into the database file with an fsync: on this machine one
// took 59–184 ms (a chat load fills 1,000 pages in about a third of a second). A PASSIVE checkpoint
// from another connection runs beside the gateway's writer without blocking it, so the loop never
// waits for one. The WAL then holds at most `everyMs` of writes before it is copied back and reused.
// If the thread fails, the connection goes back to SQLite's own checkpoints: slower, never unsafe.
import type { Database } from 'better-sqlite3';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log.ts';

export interface Checkpointer {
  /** Checkpoints done so far (for tests and metrics). */
  readonly done: number;
  /** Stops the thread; its connection closes soon after. */
  stop(): void;
}

export function startCheckpointer(db: Database, path: string, everyMs: number, log?: Pick<Logger, 'warn' | 'error'>): Checkpointer {
  db.pragma('wal_autocheckpoint = 0');
  const fallBack = (why: string) => {
    if (!db.open) return;
    db.pragma('wal_autocheckpoint = 1000');
    if (log) log.warn({ event: 'store.checkpointer-stopped', why }, 'SQLite checkpoints are back on the event loop');
    else console.warn('store: SQLite checkpoints are back on the event loop:', why);
  };
  const worker = new Worker(new URL('./sqlite-checkpoint-worker.cjs', import.meta.url), {
    workerData: { path, everyMs, driver: createRequire(import.meta.url).resolve('better-sqlite3') },
    execArgv: [],
    name: 'cobrowse-sqlite-checkpoint',
  });
  // It must never keep the process alive on its own (the store's close ends it).
  worker.unref();
  let done = 0;
  let errors = 0;
  let stopped = false;
  worker.on('message', (m: { type: string; error?: string }) => {
    if (m.type === 'checkpoint') done++;
    // The first failure, then every hundredth: a file that went away should not flood the log.
    else if (m.type === 'error' && errors++ % 100 === 0) log?.warn({ event: 'store.checkpoint-failed', err: m.error, failures: errors }, 'SQLite checkpoint failed; retrying');
  });
  worker.on('error', (err) => fallBack(String(err)));
  worker.on('exit', (code) => {
    if (!stopped) fallBack(`checkpoint thread exited (${code})`);
  });
  return {
    get done() {
      return done;
    },
    stop() {
      if (stopped) return;
      stopped = true;
      worker.postMessage('close');
      setTimeout(() => void worker.terminate(), 2000).unref();
    },
  };
}
