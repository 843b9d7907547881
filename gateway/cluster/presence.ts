// Who is connected where. Each instance keeps, in Redis, the set of agents and visitor sessions
// with a socket on it, and a heartbeat key that expires 3 s after its last beat. When an instance
// dies (kill -9, lost machine) its heartbeat expires; a live instance takes a short lock, and for
// every member not also connected to a live instance tells the router that socket dropped — so the
// usual grace rules run (visitors keep their place, agents get their grace before their sessions
// are re-queued) and the dead instance's offers simply ring out. A restarted instance with the same
// INSTANCE_ID first clears what its previous life left behind the same way.
import type { Logger } from 'pino';
import type { Redis } from './redis.ts';

import type { Departed, PresenceKind } from '../channel/engine.ts';

export type { Departed, PresenceKind };

const BEAT_MS = 1000;
const TTL_MS = 3000;
const INSTANCES = 'cb:instances';
const FORGET_IF_DEAD = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[2], KEYS[3])
redis.call('SREM', KEYS[4], ARGV[1])
return 1
`;
const beatKey = (id: string) => `cb:inst:${id}`;
const setKey = (id: string, kind: PresenceKind) => `cb:pres:${id}:${kind}`;

export class Presence {
  #redis: Redis;
  #id: string;
  #log: Logger;
  #timer: ReturnType<typeof setInterval> | null = null;
  #local: { a: Set<string>; v: Set<string> } = { a: new Set(), v: new Set() };
  #onDeparted: (d: Departed) => void = () => {};
  #resync = false;

  constructor(redis: Redis, instanceId: string, log: Logger) {
    this.#redis = redis;
    this.#id = instanceId;
    this.#log = log;
    // After an outage Redis may have lost this instance's sets: write them again on reconnect.
    redis.on('ready', () => (this.#resync = true));
  }

  /** What a previous life of this instance left (read and cleared before it takes any socket). */
  async takeLeftovers(): Promise<Departed> {
    const [a, v] = await Promise.all([this.#redis.smembers(setKey(this.#id, 'a')), this.#redis.smembers(setKey(this.#id, 'v'))]);
    await this.#redis.del(setKey(this.#id, 'a'), setKey(this.#id, 'v'));
    return this.#notElsewhere({ agents: a, visitors: v });
  }

  async start(onDeparted: (d: Departed) => void): Promise<void> {
    this.#onDeparted = onDeparted;
    await this.#beat();
    this.#timer = setInterval(() => void this.#beat().then(() => this.#reapDead()).catch(() => {}), BEAT_MS);
    this.#timer.unref?.();
  }

  add(kind: PresenceKind, id: string): void {
    this.#local[kind].add(id);
    this.#redis.sadd(setKey(this.#id, kind), id).catch(() => {});
  }

  /** The last local socket of `id` closed: resolves true when it is still connected to another live instance. */
  async remove(kind: PresenceKind, id: string): Promise<boolean> {
    this.#local[kind].delete(id);
    try {
      await this.#redis.srem(setKey(this.#id, kind), id);
      const gone = await this.#notElsewhere(kind === 'a' ? { agents: [id], visitors: [] } : { agents: [], visitors: [id] });
      return gone.agents.length + gone.visitors.length === 0;
    } catch {
      return false;
    }
  }

  async #beat() {
    await this.#redis.multi().set(beatKey(this.#id), String(Date.now()), 'PX', TTL_MS).sadd(INSTANCES, this.#id).exec();
    if (this.#resync) {
      this.#resync = false;
      const m = this.#redis.multi();
      for (const kind of ['a', 'v'] as const) if (this.#local[kind].size) m.sadd(setKey(this.#id, kind), ...this.#local[kind]);
      await m.exec();
    }
  }

  async #liveOthers(): Promise<string[]> {
    const ids = (await this.#redis.smembers(INSTANCES)).filter((i) => i !== this.#id);
    if (!ids.length) return [];
    const alive = await this.#redis.mget(...ids.map(beatKey));
    return ids.filter((_, i) => alive[i] !== null);
  }

  async #reapDead() {
    const ids = (await this.#redis.smembers(INSTANCES)).filter((i) => i !== this.#id);
    if (!ids.length) return;
    const alive = await this.#redis.mget(...ids.map(beatKey));
    for (const [i, dead] of ids.entries()) {
      if (alive[i] !== null) continue;
      // One reaper per dead instance; the lock outlives the work, and a crash mid-way is retried.
      if ((await this.#redis.set(`cb:reap:${dead}`, this.#id, 'PX', 10_000, 'NX')) !== 'OK') continue;
      const [a, v] = await Promise.all([this.#redis.smembers(setKey(dead, 'a')), this.#redis.smembers(setKey(dead, 'v'))]);
      const departed = await this.#notElsewhere({ agents: a, visitors: v });
      this.#log.warn({ event: 'instance.reaped', instance: dead, agents: departed.agents.length, visitors: departed.visitors.length }, 'instance stopped beating; its sockets count as dropped');
      this.#onDeparted(departed);
      // Only while it is still dead: a restart in the meantime has started filling its sets again.
      await this.#redis.eval(FORGET_IF_DEAD, 4, beatKey(dead), setKey(dead, 'a'), setKey(dead, 'v'), INSTANCES, dead);
    }
  }

  async #notElsewhere(d: Departed): Promise<Departed> {
    const others = [...(await this.#liveOthers()), this.#id];
    const keep = async (kind: PresenceKind, ids: string[]) => {
      if (!ids.length) return [];
      const m = this.#redis.multi();
      for (const id of ids) for (const o of others) m.sismember(setKey(o, kind), id);
      const res = (await m.exec()) ?? [];
      return ids.filter((_, i) => !others.some((_o, j) => res[i * others.length + j]?.[1] === 1));
    };
    return { agents: await keep('a', d.agents), visitors: await keep('v', d.visitors) };
  }

  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    // A clean stop ends the heartbeat at once, so another instance reaps this one's sockets within a
    // beat instead of after the heartbeat's expiry.
    await this.#redis.del(beatKey(this.#id)).catch(() => {});
  }
}
