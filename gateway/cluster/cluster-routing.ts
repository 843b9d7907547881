// The switching cloud across instances: the same pure router, made atomic across processes by a
// compare-and-set on a versioned snapshot in Redis. An instance applies a command to its replica,
// then a Lua script stores the new snapshot only if nobody committed since the version the replica
// was at; otherwise the script hands back the current snapshot and the command is re-run on it.
// Because the router is deterministic, "claim this visitor and this agent's capacity" is decided on
// exactly one committed state: two instances can never assign one visitor twice or overfill an agent.
//
// The commit also keeps the earliest routing deadline (ring, grace, max wait) in the sorted set
// `cb:deadlines` and publishes the effects, so every instance updates its sockets and its replica.
// Deadlines fire from whichever instance is alive: each arms a timer for the replica's earliest
// deadline and polls the sorted set once a second; a tick that finds nothing due writes nothing.
import type { Logger } from 'pino';
import type { Command, Effect, RoutingSnapshot } from '../routing/types.ts';
import type { ReplicaRouter } from './replica-router.ts';
import type { Redis } from './redis.ts';
import { netEffects } from '../channel/net-effects.ts';

export const ROUTING_KEY = 'cb:routing';
export const ROUTING_VERSION_KEY = 'cb:routing:ver';
export const DEADLINES_KEY = 'cb:deadlines';
export const ROUTING_CHANNEL = 'cb:routing';

const CAS = `
local cur = tonumber(redis.call('GET', KEYS[2]) or '0')
if cur ~= tonumber(ARGV[1]) then return {0, cur, redis.call('GET', KEYS[1]) or ''} end
redis.call('SET', KEYS[1], ARGV[2])
local v = redis.call('INCR', KEYS[2])
if ARGV[3] == '' then redis.call('ZREM', KEYS[3], 'routing') else redis.call('ZADD', KEYS[3], ARGV[3], 'routing') end
redis.call('PUBLISH', '${ROUTING_CHANNEL}', v .. '|' .. ARGV[4])
return {1, v, ''}
`;

type CasReply = [ok: number, version: number, snapshot: string];

export interface RoutingListener {
  /** Another instance committed these effects (the replica may not have caught up yet). */
  remoteEffects(effects: Effect[]): void;
  /** The replica now holds a newer state: re-render queues, re-arm the deadline timer. */
  replicaChanged(): void;
  /** A deadline is due by the shared sorted set (a missed notice, or a dead instance's timer). */
  due(): void;
}

export class ClusterRouting {
  readonly router: ReplicaRouter;
  #redis: Redis;
  #instanceId: string;
  #log: Logger;
  #listener: RoutingListener | null = null;
  #version = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #refreshing: Promise<void> | null = null;
  #refreshAgain = false;
  #poll: ReturnType<typeof setInterval> | null = null;
  #cas: (...args: string[]) => Promise<CasReply>;
  /** Commits and conflicts, for /metrics and the bench. */
  readonly stats = { commits: 0, conflicts: 0 };

  constructor(redis: Redis, router: ReplicaRouter, instanceId: string, log: Logger) {
    this.#redis = redis;
    this.router = router;
    this.#instanceId = instanceId;
    this.#log = log;
    redis.defineCommand('cbRoutingCas', { numberOfKeys: 3, lua: CAS });
    this.#cas = (redis as unknown as { cbRoutingCas(...a: string[]): Promise<CasReply> }).cbRoutingCas.bind(redis);
  }

  /** Loads the committed state and starts following commits (`sub` is the subscriber connection). */
  async start(sub: Redis, listener: RoutingListener): Promise<void> {
    this.#listener = listener;
    await sub.subscribe(ROUTING_CHANNEL);
    sub.on('message', (channel: string, message: string) => {
      if (channel === ROUTING_CHANNEL) this.#onNotice(message);
    });
    await this.refresh();
    this.#poll = setInterval(() => void this.#checkShared(), 1000);
    this.#poll.unref?.();
  }

  get version(): number {
    return this.#version;
  }

  /**
   * Applies a command (or several, as one atomic step) cluster-wide; resolves with the effects once
   * committed. One commit at a time per instance.
   */
  apply(cmd: Command | Command[]): Promise<Effect[]> {
    return this.commit(cmd).then((r) => r.effects);
  }

  /** As apply, also saying which version the command became (null: a tick that found nothing due). */
  commit(cmd: Command | Command[]): Promise<{ effects: Effect[]; version: number | null }> {
    const run = this.#chain.then(() => this.#commit(cmd));
    this.#chain = run.catch(() => {});
    return run;
  }

  async #commit(cmd: Command | Command[]): Promise<{ effects: Effect[]; version: number | null }> {
    const cmds = Array.isArray(cmd) ? cmd : [cmd];
    const tick = cmds.length === 1 && cmds[0].type === 'tick';
    for (let attempt = 0; attempt < 100; attempt++) {
      const before = tick ? JSON.stringify(this.router.snapshot()) : '';
      const effects = netEffects(cmds.flatMap((c) => this.router.apply(c)));
      const snap = JSON.stringify(this.router.snapshot());
      if (tick && effects.length === 0 && snap === before) return { effects, version: null }; // nothing was due
      const next = this.router.nextDeadline();
      const notice = `${this.#instanceId}|${JSON.stringify(effects)}`;
      let [ok, version, current] = await this.#cas(ROUTING_KEY, ROUTING_VERSION_KEY, DEADLINES_KEY, String(this.#version), snap, next === null ? '' : String(next), notice);
      if (!ok && version === 0 && current === '') {
        // Redis lost the routing state (a restart without its data): this replica re-seeds it.
        this.#log.warn({ event: 'routing.reseed', fromVersion: this.#version }, 'Redis had no routing state; re-seeding it from this instance');
        [ok, version, current] = await this.#cas(ROUTING_KEY, ROUTING_VERSION_KEY, DEADLINES_KEY, '0', snap, next === null ? '' : String(next), notice);
      }
      if (ok) {
        this.#version = version;
        this.stats.commits++;
        return { effects, version };
      }
      this.stats.conflicts++;
      this.#load(current, version);
    }
    throw new Error(`routing: ${cmds.map((c) => c.type).join('+')} lost the compare-and-set 100 times in a row`);
  }

  #load(json: string, version: number) {
    this.router.load(json ? (JSON.parse(json) as RoutingSnapshot) : undefined);
    this.#version = version;
  }

  #onNotice(message: string) {
    const bar = message.indexOf('|');
    const bar2 = message.indexOf('|', bar + 1);
    const version = Number(message.slice(0, bar));
    const from = message.slice(bar + 1, bar2);
    // Every other instance's effects are carried out for this instance's sockets, even when the
    // replica already holds that version (a lost compare-and-set loads newer states directly).
    if (from === this.#instanceId) return;
    try {
      this.#listener?.remoteEffects(JSON.parse(message.slice(bar2 + 1)) as Effect[]);
    } catch (err) {
      this.#log.error({ err, event: 'routing.notice-failed' }, 'applying a remote routing notice failed');
    }
    if (version > this.#version) void this.refresh();
  }

  /** Brings the replica up to the committed version (coalesced: one read in flight at a time). */
  refresh(): Promise<void> {
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#refreshAgain = false;
          // Through the command chain, so a read never lands between a local apply and its commit.
          await (this.#chain = this.#chain.then(async () => {
            const [json, ver] = await this.#redis.mget(ROUTING_KEY, ROUTING_VERSION_KEY);
            const version = Number(ver ?? 0);
            if (version > this.#version) this.#load(json ?? '', version);
          }).catch((err) => this.#log.warn({ err: (err as Error).message, event: 'routing.refresh-failed' }, 'routing refresh failed')));
          this.#listener?.replicaChanged();
        } while (this.#refreshAgain);
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  async #checkShared() {
    try {
      const [[, ver], [, due]] = (await this.#redis.multi().get(ROUTING_VERSION_KEY).zscore(DEADLINES_KEY, 'routing').exec()) as [unknown, string | null][];
      if (Number(ver ?? 0) > this.#version) await this.refresh();
      if (due !== null && Number(due) <= Date.now()) this.#listener?.due();
    } catch {
      /* Redis down: readiness reports it; the next poll retries */
    }
  }

  close() {
    if (this.#poll) clearInterval(this.#poll);
  }
}
