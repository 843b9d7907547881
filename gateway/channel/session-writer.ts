// Store writes that need not block a reply (session state changes, the routing snapshot, archived
// events, proxy origins), one queue per session: a write runs at once when nothing of its session is
// pending, so the embedded SQLite store (synchronous) keeps its timing, and writes of one session
// always land in the order they were made. A write that fails for a transient reason (PostgreSQL
// restarting, unreachable, a timeout) is logged and retried with backoff, and the session's later
// writes wait behind it: nothing is lost, nothing lands out of order. A write that is wrong in
// itself (a constraint, a bad value) would fail forever: it is logged as lost at once and the
// session's later writes go on. Other sessions' writes are not held up.
import type { Logger } from 'pino';
import type { Maybe } from '../store/ports.ts';
import { isPromise } from '../store/maybe.ts';
import { isTransientStoreError } from '../store/transient.ts';

interface Pending {
  what: string;
  op: () => Maybe<unknown>;
}

export interface SessionWriterOptions {
  /** First retry delay; doubles up to maxRetryMs. */
  retryMs?: number;
  maxRetryMs?: number;
  /** A write still failing after this long is dropped (and logged as lost). */
  giveUpMs?: number;
  clock?: () => number;
  /** Whether a failure is worth retrying (default: the store is away, ../store/transient.ts). */
  isTransient?: (err: unknown) => boolean;
}

export class SessionWriter {
  #log: Logger;
  #queues = new Map<string, { items: Pending[]; failingSince: number | null; attempt: number; timer: ReturnType<typeof setTimeout> | null }>();
  #retryMs: number;
  #maxRetryMs: number;
  #giveUpMs: number;
  #clock: () => number;
  #isTransient: (err: unknown) => boolean;
  #idle: (() => void)[] = [];
  #closed = false;
  readonly stats = { written: 0, retried: 0, lost: 0 };

  constructor(log: Logger, o: SessionWriterOptions = {}) {
    this.#log = log;
    this.#retryMs = o.retryMs ?? 100;
    this.#maxRetryMs = o.maxRetryMs ?? 2000;
    this.#giveUpMs = o.giveUpMs ?? 10 * 60_000;
    this.#clock = o.clock ?? Date.now;
    this.#isTransient = o.isTransient ?? isTransientStoreError;
  }

  /** Queues `op` behind the key's pending writes (runs it now when there are none). */
  write(key: string, what: string, op: () => Maybe<unknown>): void {
    const q = this.#queues.get(key);
    if (q) {
      q.items.push({ what, op });
      return;
    }
    // Fast path: nothing pending, try at once; only a failure or a promise creates a queue.
    const r = this.#try(key, { what, op });
    if (r === true) return;
    const nq = { items: [{ what, op }], failingSince: r === false ? this.#clock() : null, attempt: r === false ? 1 : 0, timer: null };
    this.#queues.set(key, nq);
    if (r === false) this.#retryLater(key);
    else void r.then((ok) => this.#settled(key, ok));
  }

  /** Settles once the key's writes made so far have landed (at once when none is pending). */
  settled(key: string): Maybe<void> {
    if (!this.#queues.has(key)) return;
    return new Promise((r) => this.write(key, 'barrier', () => r()));
  }

  /** Writes waiting (queued or being retried), over every key. */
  get pending(): number {
    let n = 0;
    for (const q of this.#queues.values()) n += q.items.length;
    return n;
  }

  /** Resolves once nothing is pending. */
  idle(): Promise<void> {
    if (!this.#queues.size) return Promise.resolve();
    return new Promise((r) => this.#idle.push(r));
  }

  /** true = done with (written, or dropped as wrong in itself), false = failed for now, a promise = settles to one of those. */
  #try(key: string, p: Pending): true | false | Promise<boolean> {
    try {
      const r = p.op();
      if (!isPromise(r)) {
        this.stats.written++;
        return true;
      }
      return r.then(
        () => {
          this.stats.written++;
          return true;
        },
        (err: unknown) => this.#failed(key, p, err),
      );
    } catch (err) {
      return this.#failed(key, p, err);
    }
  }

  /** Logs the failure; true when the write is dropped (retrying a wrong write cannot help), false when it is to be retried. */
  #failed(key: string, p: Pending, err: unknown): boolean {
    if (!this.#isTransient(err)) {
      this.stats.lost++;
      this.#log.error({ event: 'store.write-lost', key, what: p.what, err: (err as Error)?.message ?? String(err) }, 'store write failed and cannot succeed; dropped');
      return true;
    }
    const q = this.#queues.get(key);
    // Logged on the first failure and then every tenth retry, not on every attempt of an outage.
    if (!q || q.attempt % 10 === 0) this.#log.warn({ event: 'store.write-failed', key, what: p.what, attempt: (q?.attempt ?? 0) + 1, err: (err as Error)?.message ?? String(err) }, 'store write failed; retrying in order');
    return false;
  }

  #settled(key: string, ok: boolean) {
    const q = this.#queues.get(key);
    if (!q) return;
    if (ok) {
      q.items.shift();
      q.attempt = 0;
      q.failingSince = null;
      return this.#next(key);
    }
    q.attempt++;
    q.failingSince ??= this.#clock();
    this.#retryLater(key);
  }

  #retryLater(key: string) {
    const q = this.#queues.get(key);
    if (!q || this.#closed) return;
    if (q.failingSince !== null && this.#clock() - q.failingSince > this.#giveUpMs) {
      const lost = q.items.shift()!;
      this.stats.lost++;
      this.#log.error({ event: 'store.write-lost', key, what: lost.what }, 'store write kept failing; dropped');
      q.attempt = 0;
      q.failingSince = null;
      return this.#next(key);
    }
    this.stats.retried++;
    const delay = Math.min(this.#retryMs * 2 ** Math.max(0, q.attempt - 1), this.#maxRetryMs);
    q.timer = setTimeout(() => {
      q.timer = null;
      this.#run(key);
    }, delay);
    q.timer.unref?.();
  }

  #next(key: string) {
    const q = this.#queues.get(key);
    if (!q) return;
    if (!q.items.length) {
      this.#queues.delete(key);
      if (!this.#queues.size) for (const r of this.#idle.splice(0)) r();
      return;
    }
    this.#run(key);
  }

  #run(key: string) {
    const q = this.#queues.get(key);
    if (!q?.items.length) return this.#next(key);
    const r = this.#try(key, q.items[0]);
    if (r === true || r === false) this.#settled(key, r);
    else void r.then((ok) => this.#settled(key, ok));
  }

  /** Stops retrying (the store is closing): what is still pending is logged as lost. */
  close(): void {
    this.#closed = true;
    for (const [key, q] of this.#queues) {
      if (q.timer) clearTimeout(q.timer);
      if (q.items.length) this.#log.error({ event: 'store.write-lost', key, writes: q.items.length }, 'gateway stopped with store writes pending');
    }
    this.#queues.clear();
    for (const r of this.#idle.splice(0)) r();
  }
}
