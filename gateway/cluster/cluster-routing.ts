// The switching cloud across instances: state-machine replication of the pure router on one Redis
// Stream. Every instance appends its routing commands to `cb:routing:log` (XADD); the stream gives
// them one total order; every instance reads the stream (XREAD BLOCK on a connection of its own) and
// applies every entry, in that order, to its own replica of the deterministic router. Each entry
// carries the clock reading its command runs at (the originator's clock, made monotonic along the
// stream), so every replica computes the same state and the same effects. The originator's apply()
// resolves when its own entry comes back through the stream; the other instances carry out the
// entry's effects for their own sockets.
//
// Why not a compare-and-set on one snapshot (what this replaced): every command serialised the whole
// state and conflicted with every other instance's command, about 20 assignments/s at 1,000
// sessions on two instances. Here an append is one small XADD whatever the state's size, commands
// never conflict (the order is the stream's), and "claim this visitor and this agent's capacity" is
// still decided on exactly one state: the state after the entries before it. No visitor is assigned
// twice, no agent overfilled, FIFO holds: the replicas are the one router fed one command at a time.
//
// Deadlines (ring, grace, max wait): every replica knows them all; whichever instance's timer fires
// first appends a tick. A tick with nothing due is a no-op on every replica, and an instance does
// not even append one when its replica shows the deadline already handled.
//
// Compaction: now and then one instance (the holder of a short lease) writes the replica's snapshot
// with the stream id it covers, and trims the stream well behind it. A new or restarted instance
// loads that snapshot and replays the stream after it. Redis restarted without its data: the epoch
// key is gone, the next append notices, and that instance re-seeds the state from its replica
// ("routing.reseed"); the others see the new epoch and reload.
import type { Logger } from 'pino';
import { randomUUID } from 'node:crypto';
import type { Clock, Command, Effect, RoutingConfig, RoutingSnapshot } from '../routing/types.ts';
import { ReplicaRouter } from './replica-router.ts';
import type { Redis } from './redis.ts';
import { netEffects } from '../channel/net-effects.ts';
import { stringifySnapshot } from './snapshot-json.ts';
import { compareIds, type StreamId } from './stream-id.ts';

export const LOG_KEY = 'cb:routing:log';
export const SNAP_KEY = 'cb:routing:snap';
export const SNAP_ID_KEY = 'cb:routing:snap-id';
export const EPOCH_KEY = 'cb:routing:epoch';
const LEASE_KEY = 'cb:routing:snap-lease';
/** The routing config the replicas run (every instance writes its own; they must agree), for tools replaying the stream. */
export const CONFIG_KEY = 'cb:routing:config';

/** How often the lease holder writes a snapshot, and how much history the stream keeps behind it. */
const SNAPSHOT_EVERY_MS = 10_000;
const KEEP_HISTORY_MS = 60_000;
/** Entries applied per read: a burst (1,000 joins) is applied a few milliseconds at a time, not in one stall. */
const READ_BATCH = 256;

// The epoch guards every append: an append to a Redis that lost the state (a restart without its
// data) would start a stream whose replay no longer adds up to the replicas' state.
const APPEND = `
local epoch = redis.call('GET', KEYS[2])
if epoch ~= ARGV[1] then return {0, epoch or ''} end
return {1, redis.call('XADD', KEYS[1], '*', 'o', ARGV[2], 't', ARGV[3], 'c', ARGV[4])}
`;
// First state, or a re-seed: only when no epoch exists. The snapshot covers `0-0`: everything after
// it in the (new, empty) stream is to be replayed.
const SEED = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[3], ARGV[2])
redis.call('SET', KEYS[4], '0-0')
redis.call('SET', KEYS[1], ARGV[1])
return 1
`;
// A snapshot replaces the stored one only if it is newer and of the same epoch; the stream is then
// trimmed to the older of the snapshot and KEEP_HISTORY_MS ago, so a replica lagging a little never
// finds entries gone from under its reading position.
const SNAPSHOT = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local cur = redis.call('GET', KEYS[3]) or '0-0'
local cms, cseq = string.match(cur, '(%d+)-(%d+)')
local nms, nseq = string.match(ARGV[2], '(%d+)-(%d+)')
if tonumber(nms) < tonumber(cms) or (tonumber(nms) == tonumber(cms) and tonumber(nseq) <= tonumber(cseq)) then return 0 end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('SET', KEYS[3], ARGV[2])
local t = redis.call('TIME')
local floor = tonumber(t[1]) * 1000 - tonumber(ARGV[4])
local trim = math.min(tonumber(nms), floor)
if trim > 0 then redis.call('XTRIM', KEYS[4], 'MINID', trim .. '-0') end
return 1
`;

export interface RoutingListener {
  /** Another instance's command took effect: carry out what concerns this instance's sockets. */
  remoteEffects(effects: Effect[]): void;
  /** The replica holds a newer state: re-render queues, re-arm the deadline timer. */
  replicaChanged(): void;
  /** Every entry applied for the first time (this instance's too), in stream order. */
  applied?(cmds: Command[]): void;
}

interface Pending {
  /** Its entry is in the stream (of the epoch it was appended in). */
  appended: boolean;
  resolve(r: { effects: Effect[]; version: number | null }): void;
  reject(err: unknown): void;
}

/** The stored snapshot: the router's, and the clock reading it was taken at. */
interface StoredSnapshot {
  t: number;
  snapshot: RoutingSnapshot | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class ClusterRouting {
  readonly router: ReplicaRouter;
  #redis: Redis;
  #reader: Redis;
  #clock: Clock;
  #config: RoutingConfig;
  #instanceId: string;
  #log: Logger;
  #listener: RoutingListener | null = null;
  #epoch = '';
  /** Last entry applied to the replica. */
  #lastId: StreamId = '0-0';
  /** Last entry whose effects were carried out (a reload replays entries up to it silently). */
  #actedId: StreamId = '0-0';
  /** The stream's clock: the latest clock reading applied, never going back. */
  #now = 0;
  #seq = 0;
  /** Names this process's entries: a restart with the same INSTANCE_ID must not take its previous life's for its own. */
  #life = `${randomUUID().slice(0, 8)}`;
  #pending = new Map<string, Pending>();
  #closed = false;
  #reloading: Promise<void> | null = null;
  #snapTimer: ReturnType<typeof setInterval> | null = null;
  #snapshotting = false;
  #loop: Promise<void> | null = null;
  #append: (...args: string[]) => Promise<[number, string]>;
  #seed: (...args: string[]) => Promise<number>;
  #storeSnapshot: (...args: string[]) => Promise<number>;
  /** Appends, re-seeds and reloads, and the slowest snapshot serialisation, for /metrics and the bench. */
  readonly stats = { commits: 0, conflicts: 0, applied: 0, reloads: 0, snapshots: 0, snapshotMaxSliceMs: 0 };

  constructor(redis: Redis, config: RoutingConfig, clock: Clock, instanceId: string, log: Logger) {
    this.#redis = redis;
    this.#clock = clock;
    this.#config = config;
    this.#instanceId = instanceId;
    this.#log = log;
    // Replicas run on the stream's clock: the reading carried by the entry being applied.
    this.router = new ReplicaRouter(config, () => this.#now);
    // XREAD BLOCK holds its connection: a connection of its own, so commands never wait behind it.
    this.#reader = redis.duplicate({ enableAutoPipelining: false, connectionName: `${instanceId}-routing-reader` });
    this.#reader.on('error', () => {});
    redis.defineCommand('cbRoutingAppend', { numberOfKeys: 2, lua: APPEND });
    redis.defineCommand('cbRoutingSeed', { numberOfKeys: 4, lua: SEED });
    redis.defineCommand('cbRoutingSnapshot', { numberOfKeys: 4, lua: SNAPSHOT });
    const r = redis as unknown as Record<string, (...a: string[]) => Promise<never>>;
    this.#append = r.cbRoutingAppend.bind(redis);
    this.#seed = r.cbRoutingSeed.bind(redis);
    this.#storeSnapshot = r.cbRoutingSnapshot.bind(redis);
  }

  /** Loads the committed state (seeding it if there is none) and starts following the stream. */
  async start(listener: RoutingListener): Promise<void> {
    this.#listener = listener;
    await this.#redis.set(CONFIG_KEY, JSON.stringify(this.#config));
    if ((await this.#redis.exists(EPOCH_KEY)) === 0) await this.#seed(EPOCH_KEY, LOG_KEY, SNAP_KEY, SNAP_ID_KEY, randomUUID(), JSON.stringify({ t: this.#clock(), snapshot: null }));
    await this.#load(true);
    this.#loop = this.#follow();
    this.#snapTimer = setInterval(() => void this.#maybeSnapshot(), SNAPSHOT_EVERY_MS);
    this.#snapTimer.unref?.();
  }

  /** A number that grows with the stream position (ms × 1000 + sequence), for logs and ordering. */
  get version(): number {
    return idNumber(this.#lastId);
  }

  apply(cmd: Command | Command[]): Promise<Effect[]> {
    return this.commit(cmd).then((r) => r.effects);
  }

  /** As apply, also saying which stream position the command became (null: a tick with nothing left to do). */
  async commit(cmd: Command | Command[]): Promise<{ effects: Effect[]; version: number | null }> {
    const cmds = Array.isArray(cmd) ? cmd : [cmd];
    if (cmds.length === 1 && cmds[0].type === 'tick') {
      // Some entry has already run the deadline this timer was armed for (every command fires what is due).
      const next = this.router.nextDeadline();
      if (next === null || next > this.#clock()) return { effects: [], version: null };
    }
    const ref = `${this.#instanceId}:${this.#life}:${++this.#seq}`;
    const done = new Promise<{ effects: Effect[]; version: number | null }>((resolve, reject) => this.#pending.set(ref, { appended: false, resolve, reject }));
    const body = JSON.stringify(cmds);
    try {
      for (let attempt = 0; ; attempt++) {
        if (this.#reloading) await this.#reloading;
        const p = this.#pending.get(ref);
        if (p) p.appended = true;
        const [ok, got] = await this.#append(LOG_KEY, EPOCH_KEY, this.#epoch, ref, String(this.#clock()), body);
        if (ok) break;
        if (p) p.appended = false;
        this.stats.conflicts++;
        if (attempt >= 5) throw new Error(`routing: ${cmds.map((c) => c.type).join('+')} could not be appended (epoch keeps changing)`);
        if (got === '') await this.#reseed();
        else await this.#reload();
      }
    } catch (err) {
      this.#pending.delete(ref);
      throw err;
    }
    this.stats.commits++;
    return done;
  }

  /** Reads the stream from the replica's position on, for as long as this instance runs. */
  async #follow(): Promise<void> {
    let lastEpochCheck = Date.now();
    while (!this.#closed) {
      try {
        if (this.#reloading) await this.#reloading;
        const from = this.#lastId;
        const res = (await this.#reader.xread('COUNT', READ_BATCH, 'BLOCK', 1000, 'STREAMS', LOG_KEY, from)) as [string, [string, string[]][]][] | null;
        if (this.#closed) return;
        // A reload moved the position meanwhile: this read is of the old one.
        if (this.#lastId !== from || this.#reloading) continue;
        if (res) this.#applyEntries(res[0][1]);
        if (!res || Date.now() - lastEpochCheck > 1000) {
          lastEpochCheck = Date.now();
          const epoch = await this.#redis.get(EPOCH_KEY);
          if (epoch !== null && epoch !== this.#epoch) await this.#reload();
        }
      } catch (err) {
        if (this.#closed) return;
        this.#log.debug({ err: (err as Error).message, event: 'routing.read-failed' }, 'reading the routing stream failed; retrying');
        await sleep(100);
      }
    }
  }

  #applyEntries(entries: [string, string[]][]) {
    let remote = false;
    for (const [id, fields] of entries) {
      const f = fieldsOf(fields);
      const ref = f.o ?? '';
      const mine = ref.startsWith(`${this.#instanceId}:${this.#life}:`);
      let effects: Effect[] = [];
      let failure: unknown = null;
      let cmds: Command[] = [];
      this.#now = Math.max(this.#now, Number(f.t) || 0);
      try {
        cmds = JSON.parse(f.c ?? '[]') as Command[];
        effects = netEffects(cmds.flatMap((c) => this.router.apply(c)));
      } catch (err) {
        // Deterministic: every replica fails the same entry at the same point.
        failure = err;
      }
      this.#lastId = id;
      this.stats.applied++;
      const fresh = compareIds(id, this.#actedId) > 0;
      if (fresh) {
        this.#actedId = id;
        if (!failure) this.#listener?.applied?.(cmds);
      }
      const p = mine ? this.#pending.get(ref) : undefined;
      if (p) {
        this.#pending.delete(ref);
        if (failure) p.reject(failure);
        else p.resolve({ effects, version: idNumber(id) });
      } else if (fresh && !mine) {
        if (failure) this.#log.error({ err: failure, event: 'routing.entry-failed', id }, 'a routing entry failed on this replica');
        else if (effects.length) {
          remote = true;
          try {
            this.#listener?.remoteEffects(effects);
          } catch (err) {
            this.#log.error({ err, event: 'routing.notice-failed' }, 'carrying out remote routing effects failed');
          }
        }
      }
    }
    if (remote) this.#listener?.replicaChanged();
  }

  /** Loads the stored snapshot and replays the stream after it (entries already acted on, silently). */
  async #load(initial: boolean): Promise<void> {
    const [epoch, raw, snapId] = await this.#redis.mget(EPOCH_KEY, SNAP_KEY, SNAP_ID_KEY);
    if (epoch !== this.#epoch) {
      // A new epoch restarts the stream's ids: what was acted on in the old one says nothing of it.
      if (!initial) this.#log.warn({ event: 'routing.epoch-changed' }, 'the routing state was re-seeded; reloading it');
      this.#actedId = '0-0';
      // Entries appended to the old stream that never came back were lost with it: say so, do not hang.
      for (const [ref, p] of this.#pending) {
        if (!p.appended) continue;
        this.#pending.delete(ref);
        p.reject(new Error('routing: the command was lost with the routing state Redis lost'));
      }
    }
    const stored: StoredSnapshot = raw ? (JSON.parse(raw) as StoredSnapshot) : { t: 0, snapshot: null };
    this.#epoch = epoch ?? '';
    // The stream's clock restarts from the snapshot's reading: the replay must see the same clock
    // readings every other replica saw, or deadlines would fire differently.
    this.#now = stored.t;
    this.router.load(stored.snapshot ?? undefined);
    this.#lastId = snapId ?? '0-0';
    if (initial) {
      // What is in the stream now happened before this instance had sockets: replay it silently.
      const top = (await this.#redis.xrevrange(LOG_KEY, '+', '-', 'COUNT', 1))[0]?.[0];
      if (top) this.#actedId = top;
    }
    for (;;) {
      const rows = (await this.#redis.xrange(LOG_KEY, `(${this.#lastId}`, '+', 'COUNT', 5000)) as [string, string[]][];
      if (!rows.length) break;
      this.#applyEntries(rows);
    }
    this.stats.reloads++;
    this.#listener?.replicaChanged();
  }

  #reload(): Promise<void> {
    if (!this.#reloading) {
      this.#reloading = this.#load(false).finally(() => (this.#reloading = null));
    }
    return this.#reloading;
  }

  /** Redis lost the routing state: this replica's becomes it (the first instance to notice wins). */
  async #reseed(): Promise<void> {
    if (this.#reloading) return this.#reloading;
    this.#reloading = (async () => {
      this.#log.warn({ event: 'routing.reseed', fromVersion: this.version }, 'Redis had no routing state; re-seeding it from this instance');
      const json = `{"t":${this.#now},"snapshot":${await stringifySnapshot(this.router.snapshot())}}`;
      await this.#seed(EPOCH_KEY, LOG_KEY, SNAP_KEY, SNAP_ID_KEY, randomUUID(), json);
      await this.#load(false);
    })().finally(() => (this.#reloading = null));
    return this.#reloading;
  }

  /** Every SNAPSHOT_EVERY_MS, the instance holding the lease compacts the stream into a snapshot. */
  async #maybeSnapshot(): Promise<void> {
    if (this.#closed || this.#snapshotting || this.#reloading) return;
    this.#snapshotting = true;
    try {
      if ((await this.#redis.set(LEASE_KEY, this.#instanceId, 'PX', SNAPSHOT_EVERY_MS - 500, 'NX')) !== 'OK') return;
      await this.snapshotNow();
    } catch (err) {
      this.#log.warn({ err: (err as Error).message, event: 'routing.snapshot-failed' }, 'writing the routing snapshot failed');
    } finally {
      this.#snapshotting = false;
    }
  }

  /**
   * Writes the replica's state as the stored snapshot, covering the last applied entry. The copy is
   * taken in one step; its serialisation is sliced across event-loop turns (the replica goes on
   * applying entries meanwhile: the copy does not move).
   */
  async snapshotNow(): Promise<boolean> {
    const id = this.#lastId;
    const t = this.#now;
    const epoch = this.#epoch;
    const started = performance.now();
    const snap = this.router.snapshot();
    const copyMs = performance.now() - started;
    const json = await stringifySnapshot(snap, (sliceMs) => {
      this.stats.snapshotMaxSliceMs = Math.max(this.stats.snapshotMaxSliceMs, sliceMs);
    });
    this.stats.snapshotMaxSliceMs = Math.max(this.stats.snapshotMaxSliceMs, copyMs);
    const ok = await this.#storeSnapshot(EPOCH_KEY, SNAP_KEY, SNAP_ID_KEY, LOG_KEY, epoch, id, `{"t":${t},"snapshot":${json}}`, String(KEEP_HISTORY_MS));
    if (ok) this.stats.snapshots++;
    return ok === 1;
  }

  close() {
    this.#closed = true;
    if (this.#snapTimer) clearInterval(this.#snapTimer);
    this.#reader.disconnect();
    for (const p of this.#pending.values()) p.reject(new Error('routing: this instance is closing'));
    this.#pending.clear();
    void this.#loop;
  }
}

function fieldsOf(fields: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]] = fields[i + 1];
  return out;
}

function idNumber(id: StreamId): number {
  const dash = id.indexOf('-');
  return Number(id.slice(0, dash)) * 1000 + Number(id.slice(dash + 1));
}
