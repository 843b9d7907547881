// Store writes that need not hold up a reply (a session's state, an archived event) queued per key
// (a session id), run one at a time in the order given, and retried with back-off while the store is
// briefly away (a PostgreSQL restart): nothing is reordered, nothing is dropped for a transient error.
// A permanent error (the write itself is wrong) is logged and the queue moves on.
//
// An operation that answers synchronously (SQLite) runs at once, inside `enqueue`, when its key has
// nothing queued: the embedded path never goes through a promise. The queue is bounded: when full,
// `enqueue` refuses (and logs) rather than growing without limit while the database is down.
import { isPromise } from './maybe.ts';
import type { Maybe } from './ports.ts';
import { isTransientStoreError } from './transient.ts';

export interface WriterLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SerialWriterOptions {
  log: WriterLog;
  /** Whether a failure is worth retrying (default: the database is unreachable or restarting). */
  isTransient?: (err: unknown) => boolean;
  /** First retry after this long, doubling up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Writes queued at most, over all keys, and for one key. */
  maxQueued?: number;
  maxQueuedPerKey?: number;
  /** Injected for tests; must call `fn` after `ms`. */
  setTimer?: (fn: () => void, ms: number) => void;
}

interface Job {
  label: string;
  op: () => Maybe<unknown>;
  attempt: number;
}

export class SerialWriter {
  readonly #o: Required<Omit<SerialWriterOptions, 'log'>> & { log: WriterLog };
  readonly #queues = new Map<string, Job[]>();
  /** Keys whose head job waits for a retry timer. */
  readonly #retrying = new Set<string>();
  #total = 0;
  #idle: (() => void)[] = [];
  #closed = false;

  constructor(o: SerialWriterOptions) {
    this.#o = {
      isTransient: isTransientStoreError,
      baseDelayMs: 50,
      maxDelayMs: 5000,
      maxQueued: 100_000,
      maxQueuedPerKey: 10_000,
      setTimer: (fn, ms) => void setTimeout(fn, ms).unref(),
      ...o,
    };
  }

  /** Writes waiting or running. */
  get pending(): number {
    return this.#total;
  }

  /** Keys whose writes are held up by a store that does not answer (for readiness and metrics). */
  get stalled(): number {
    return this.#retrying.size;
  }

  /**
   * Queues `op` behind the key's earlier writes. Returns false (and logs) when the queue is full or
   * the writer closed: the caller decides whether to refuse the request that wanted the write.
   */
  enqueue(key: string, label: string, op: () => Maybe<unknown>): boolean {
    const q = this.#queues.get(key);
    if (this.#closed || this.#total >= this.#o.maxQueued || (q && q.length >= this.#o.maxQueuedPerKey)) {
      this.#o.log.error({ event: 'store.write-refused', key, label, pending: this.#total, closed: this.#closed }, 'store write queue full; write refused');
      return false;
    }
    this.#total++;
    const job = { label, op, attempt: 0 };
    if (q) {
      q.push(job);
      return true;
    }
    const fresh = [job];
    this.#queues.set(key, fresh);
    this.#run(key, fresh);
    return true;
  }

  /** Resolves once every queued write has run (or failed permanently); with a timeout, false if it passed first. */
  drain(timeoutMs?: number): Promise<boolean> {
    if (this.#total === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = () => resolve(true);
      this.#idle.push(done);
      if (timeoutMs !== undefined) {
        this.#o.setTimer(() => {
          this.#idle = this.#idle.filter((f) => f !== done);
          resolve(this.#total === 0);
        }, timeoutMs);
      }
    });
  }

  /** Refuses new writes; queued ones keep running (drain() to wait for them). */
  close(): void {
    this.#closed = true;
  }

  #run(key: string, q: Job[]): void {
    while (q.length) {
      const job = q[0];
      let r: Maybe<unknown>;
      try {
        r = job.op();
      } catch (err) {
        if (this.#failed(key, q, job, err)) return;
        continue;
      }
      if (isPromise(r)) {
        r.then(
          () => {
            this.#finish(q);
            this.#run(key, q);
          },
          (err) => {
            if (!this.#failed(key, q, job, err)) this.#run(key, q);
          },
        );
        return;
      }
      this.#finish(q);
    }
    this.#queues.delete(key);
    if (this.#total === 0) for (const f of this.#idle.splice(0)) f();
  }

  #finish(q: Job[]): void {
    q.shift();
    this.#total--;
  }

  /** True when the job will be retried (the key's queue waits for it), false when it was dropped. */
  #failed(key: string, q: Job[], job: Job, err: unknown): boolean {
    if (this.#o.isTransient(err)) {
      job.attempt++;
      const delay = Math.min(this.#o.maxDelayMs, this.#o.baseDelayMs * 2 ** (job.attempt - 1));
      // The first failure and then every tenth: one outage does not flood the log.
      if (job.attempt === 1 || job.attempt % 10 === 0) {
        this.#o.log.warn({ event: 'store.write-retry', key, label: job.label, attempt: job.attempt, delayMs: delay, queued: q.length, err }, 'store write failed; retrying');
      }
      this.#retrying.add(key);
      this.#o.setTimer(() => {
        this.#retrying.delete(key);
        this.#run(key, q);
      }, delay);
      return true;
    }
    this.#o.log.error({ event: 'store.write-failed', key, label: job.label, attempt: job.attempt + 1, err }, 'store write failed; dropped');
    this.#finish(q);
    return false;
  }
}
