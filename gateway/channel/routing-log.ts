// How one process keeps its routing state across a restart (issue 12). Before: the whole state
// (JSON.stringify(router.snapshot())) was written every 250 ms, a cost and an event-loop stall that
// grew with the queue (11 KiB at 100 queued, about 1 MiB at 10,000). Now: a command log with
// compaction. The persisted state is the last snapshot plus the commands applied after it.
//
// - Every command the router applies is recorded with the clock reading it ran at
//   (router.appliedAt()). The commands gathered over a short window (20 ms: see flushEveryMs) go to
//   the store as one routing_log row, through the SessionWriter under one key, so rows land in order
//   and are retried while the store is away. Cost: O(commands) per row, flat in the queue.
// - Compaction writes the whole snapshot once more, as {logSeq, snapshot} under kv 'routing', and
//   drops the rows it covers: when the log passes N commands, N growing with the state (at least
//   `minEntries`, and `factor` x the sessions of the last snapshot, so the snapshot's O(state) cost
//   is amortised O(1) per command), or T ms after the first command it does not cover (a bounded
//   replay on restart). It runs in a turn of its own, never inside apply(), and its serialisation
//   is sliced across turns (../cluster/snapshot-json.ts), as the cluster's compaction does.
// - Restore: the snapshot, then every later row applied in seq order with the clock pinned to each
//   command's recorded reading. The router is a deterministic state machine and restoring a snapshot
//   is exact (test/unit/routing/properties.test.ts), so the replayed router is exactly the one that
//   applied the last stored command. A crash loses at most the commands of the last window.
// - Append, snapshot and drop go through the one writer key, in that order, so a crash between the
//   snapshot and the drop only leaves rows the next load skips (seq <= the snapshot's logSeq).
// Why not rows per session and per agent: the router would have to report which of its records each
// command touched (queue order, offers, grace deadlines, counters move together), which changes the
// core and every Router implementation; the log needs only the commands it is given.
import type { ClockedRouter, Command, RoutingConfig, RoutingSnapshot } from '../routing/types.ts';
import { createRouter } from '../routing/router.ts';
import type { Maybe, StateStore } from '../store/ports.ts';
import { andThen } from '../store/maybe.ts';
import { stringifySnapshot } from '../cluster/snapshot-json.ts';
import type { SessionWriter } from './session-writer.ts';

export const ROUTING_KV = 'routing';

/** kv 'routing': the snapshot and the last log row it includes (an older gateway wrote a bare snapshot). */
interface SavedRouting {
  logSeq: number;
  /**
   * The routing config the rows after this snapshot were applied under: a restart with another
   * config (a changed ring timeout, say) replays them under this one, or the replay would not be
   * the state that was live; the new config applies from the restored state on, as a restored
   * snapshot always did. (Every run compacts once at start, so every row has one.)
   */
  config?: RoutingConfig;
  snapshot: RoutingSnapshot;
}

/** One logged command: the clock reading the router applied it at, and the command. */
export type LoggedCommand = [at: number, cmd: Command];

export interface LoadedRouting {
  /** The state to restore (null: nothing was ever stored). */
  snapshot: RoutingSnapshot | null;
  /** The last log row the state includes: new rows follow it. */
  logSeq: number;
  /** Commands replayed on top of the stored snapshot (they count towards the next compaction). */
  replayed: number;
  /** A row was missing (a write lost for good): the state is the one before the gap. */
  gapAt: number | null;
  /** The snapshot is an older gateway's bare one (no logSeq): its restore is not replayable, compact at once. */
  legacy: boolean;
}

/** The routing state a previous run of this process left: its snapshot with the later log replayed. */
export function loadRouting(store: Pick<StateStore, 'getKv' | 'routingLogAfter'>, config: RoutingConfig): Maybe<LoadedRouting> {
  return andThen(store.getKv(ROUTING_KV), (json) => {
    const parsed = json ? (JSON.parse(json) as SavedRouting | RoutingSnapshot) : null;
    const saved: SavedRouting | null = parsed === null ? null : 'logSeq' in parsed ? parsed : { logSeq: 0, snapshot: parsed };
    const from = saved?.logSeq ?? 0;
    const legacy = parsed !== null && !('logSeq' in parsed);
    return andThen(store.routingLogAfter(from), (rows) => {
      if (rows.length === 0) return { snapshot: saved?.snapshot ?? null, logSeq: from, replayed: 0, gapAt: null, legacy };
      let now = 0;
      let replayed = 0;
      let logSeq = from;
      let gapAt: number | null = null;
      const router = createRouter(saved?.config ?? config, () => now, saved?.snapshot);
      for (const row of rows) {
        // Rows are numbered without holes; a hole is a write that was lost, and replaying past it
        // would build a state that never existed. Stop there.
        if (row.seq !== logSeq + 1) {
          gapAt = logSeq + 1;
          break;
        }
        for (const [at, cmd] of JSON.parse(row.batch) as LoggedCommand[]) {
          now = at;
          router.apply(cmd);
          replayed++;
        }
        logSeq = row.seq;
      }
      return { snapshot: router.snapshot(), logSeq, replayed, gapAt, legacy };
    });
  });
}

export interface RoutingLogOptions {
  /** Compact after at least this many commands (default 10,000)... */
  minEntries?: number;
  /** ...and at least this many per session in the last snapshot (default 2): amortised O(1). */
  entriesPerSession?: number;
  /** Compact this long after the first command the snapshot does not hold (default 60 s). */
  maxAgeMs?: number;
  /**
   * Commands are gathered this long before they go out as one row (default 20 ms; 0: every turn).
   * Not every turn by default: in the storm (10,000 visitors at 500/s, a short queue) a row per
   * turn cost more CPU per visitor than the old blob did (one SQLite commit per turn with a
   * routing command, tens of thousands of them), while 20 ms caps it at 50 rows a second, and a
   * crash still loses less than the old 250 ms snapshot interval.
   */
  flushEveryMs?: number;
  /** Runs the flush and the compaction later (tests drive turns with it); default: setTimeout(flushEveryMs), setImmediate. */
  schedule?: (run: () => void) => void;
  /**
   * How a compaction in the background serialises the snapshot: by default sliced across turns
   * (../cluster/snapshot-json.ts, as the cluster's compaction does), so it never holds the event
   * loop for the whole 4 MB of a 10,000-session state. Tests pass JSON.stringify to stay synchronous.
   */
  stringify?: (snap: RoutingSnapshot) => Maybe<string>;
  /** The config the router runs with, saved with each snapshot for the replay (see SavedRouting). */
  config?: RoutingConfig;
}

/** Records applied commands, writes them once per turn, and compacts the log now and then. */
export class RoutingLog {
  #pending: LoggedCommand[] = [];
  #seq: number;
  #sinceSnapshot: number;
  #compactAfter: number;
  #flushScheduled = false;
  #compactScheduled = false;
  /** Bumped by every compaction: a background one superseded meanwhile writes nothing. */
  #generation = 0;
  #ageTimer: ReturnType<typeof setTimeout> | null = null;
  #closed = false;
  readonly #o: Required<Omit<RoutingLogOptions, 'schedule' | 'config'>> & { schedule: (run: () => void) => void; config?: RoutingConfig };
  /** The flush's scheduler when not a timer (tests' turns, or flushEveryMs 0: the end of the turn). */
  readonly #scheduleFlush: ((run: () => void) => void) | null;
  /** What was written, for the bench and tests. */
  readonly stats = { rows: 0, commands: 0, compactions: 0, snapshotBytes: 0 };

  constructor(
    private readonly store: Pick<StateStore, 'setKv' | 'appendRoutingLog' | 'dropRoutingLogThrough'>,
    private readonly writer: SessionWriter,
    private readonly router: ClockedRouter,
    loaded: Pick<LoadedRouting, 'logSeq' | 'replayed' | 'snapshot'>,
    o: RoutingLogOptions = {},
  ) {
    this.#o = {
      minEntries: o.minEntries ?? 10_000,
      entriesPerSession: o.entriesPerSession ?? 2,
      maxAgeMs: o.maxAgeMs ?? 60_000,
      flushEveryMs: o.flushEveryMs ?? 20,
      schedule: o.schedule ?? setImmediate,
      stringify: o.stringify ?? stringifySnapshot,
      config: o.config,
    };
    this.#scheduleFlush = o.schedule ?? (this.#o.flushEveryMs > 0 ? null : setImmediate);
    this.#seq = loaded.logSeq;
    this.#sinceSnapshot = loaded.replayed;
    this.#compactAfter = this.#threshold(loaded.snapshot);
    if (this.#sinceSnapshot > 0) this.#armAgeTimer();
  }

  /** The router just applied `cmd`: it goes out with the rest of this turn's commands. */
  record(cmd: Command): void {
    this.#pending.push([this.router.appliedAt(), cmd]);
    if (this.#flushScheduled || this.#closed) return;
    this.#flushScheduled = true;
    const run = () => {
      this.#flushScheduled = false;
      if (!this.#closed) this.flush();
    };
    if (this.#scheduleFlush) this.#scheduleFlush(run);
    else setTimeout(run, this.#o.flushEveryMs);
  }

  /** Commands since the last compaction (written or about to be). */
  get sinceSnapshot(): number {
    return this.#sinceSnapshot + this.#pending.length;
  }

  /** Writes the commands recorded since the last flush as one row; schedules a compaction when the log is long enough. */
  flush(): void {
    this.#writeRow();
    if (this.#sinceSnapshot >= this.#compactAfter) this.#scheduleCompaction();
  }

  #writeRow(): void {
    if (this.#pending.length === 0) return;
    const seq = ++this.#seq;
    const rows = this.#pending;
    this.#pending = [];
    const batch = JSON.stringify(rows);
    if (this.#sinceSnapshot === 0) this.#armAgeTimer();
    this.#sinceSnapshot += rows.length;
    this.stats.rows++;
    this.stats.commands += rows.length;
    this.writer.write(ROUTING_KV, 'routing log', () => this.store.appendRoutingLog(seq, batch));
  }

  /** Writes the whole state as the snapshot the log so far is folded into, then drops those rows (at once, in one piece). */
  compact(): void {
    this.#fold(JSON.stringify);
  }

  /**
   * The snapshot is copied at once (the state it holds is the one after the last row), serialised
   * with `stringify` (sliced across turns by default), then written; rows appended meanwhile follow
   * it in the log. A compaction started later (or close) supersedes this one, which then writes nothing.
   */
  #fold(stringify: (snap: RoutingSnapshot) => Maybe<string>): void {
    this.#writeRow();
    this.#disarmAgeTimer();
    const generation = ++this.#generation;
    const seq = this.#seq;
    const snapshot = this.router.snapshot();
    this.#sinceSnapshot = 0;
    this.#compactAfter = this.#threshold(snapshot);
    void andThen(stringify(snapshot), (inner) => {
      if (generation !== this.#generation) return;
      const config = this.#o.config ? `"config":${JSON.stringify(this.#o.config)},` : '';
      const json = `{"logSeq":${seq},${config}"snapshot":${inner}}`;
      this.stats.compactions++;
      this.stats.snapshotBytes = json.length;
      this.writer.write(ROUTING_KV, 'routing snapshot', () => this.store.setKv(ROUTING_KV, json));
      this.writer.write(ROUTING_KV, 'routing log compaction', () => this.store.dropRoutingLogThrough(seq));
    });
  }

  /** A clean stop: one snapshot and an empty log, so the next start replays nothing. */
  close(): void {
    if (this.#closed) return;
    this.compact();
    this.#closed = true;
    this.#disarmAgeTimer();
  }

  #threshold(snapshot: RoutingSnapshot | null): number {
    const sessions = snapshot ? (snapshot.sessions?.length ?? snapshot.queue.length) : 0;
    return Math.max(this.#o.minEntries, this.#o.entriesPerSession * sessions);
  }

  #scheduleCompaction(): void {
    if (this.#compactScheduled || this.#closed) return;
    this.#compactScheduled = true;
    this.#o.schedule(() => {
      this.#compactScheduled = false;
      // A compaction that ran meanwhile (close, or compact() called directly) may have covered it.
      if (!this.#closed && this.sinceSnapshot > 0) this.#fold(this.#o.stringify);
    });
  }

  #armAgeTimer(): void {
    if (this.#ageTimer || this.#closed || !Number.isFinite(this.#o.maxAgeMs)) return;
    this.#ageTimer = setTimeout(() => {
      this.#ageTimer = null;
      if (this.sinceSnapshot > 0) this.#scheduleCompaction();
    }, this.#o.maxAgeMs);
    this.#ageTimer.unref?.();
  }

  #disarmAgeTimer(): void {
    if (this.#ageTimer) clearTimeout(this.#ageTimer);
    this.#ageTimer = null;
  }
}
