// Throttle counters in Redis, shared by every instance of a cluster. An attempt is one Lua script
// (check the lock, INCR, PEXPIRE, set the lock it earned), so concurrent instances neither lose a
// count nor let parallel guesses past a lock; a window hit is INCR + PEXPIRE on the first hit. While
// Redis is unreachable, counts fall back to this instance's memory: the limits then hold per
// instance, rather than a login hanging on Redis or the limit switching off.
import type { Redis } from 'ioredis';
import type { Attempt, BackoffPolicy } from './policy.ts';
import { MemoryThrottleStore, type ThrottleStore } from './store.ts';

// The braces are a hash tag: a key's counter and lock land on one Redis Cluster slot.
const counterKey = (key: string) => `cb:throttle:{${key}}`;
const lockKey = (key: string) => `cb:throttle:{${key}}:lock`;

// Mirrors lockoutMs() in policy.ts (test/integration/login-throttle.test.ts runs both stores through
// the same sequence).
const ATTEMPT = `
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 then return {0, ttl} end
local c = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local free = tonumber(ARGV[2])
local ms = 0
if c >= free then ms = math.min(tonumber(ARGV[4]), tonumber(ARGV[3]) * 2 ^ math.min(c - free, 40)) end
ms = math.ceil(ms)
if ms > 0 then redis.call('SET', KEYS[2], '1', 'PX', ms) end
return {1, c, ms}
`;

const HIT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return {c, redis.call('PTTL', KEYS[1])}
`;

const FORGIVE = `
if redis.call('DECR', KEYS[1]) < 0 then redis.call('SET', KEYS[1], '0', 'KEEPTTL') end
redis.call('DEL', KEYS[2])
return 1
`;

type Scripted = Redis & {
  cbThrottleAttempt(counter: string, lock: string, windowMs: number, free: number, baseMs: number, maxMs: number): Promise<number[]>;
  cbThrottleHit(counter: string, windowMs: number): Promise<number[]>;
  cbThrottleForgive(counter: string, lock: string): Promise<number>;
};

export class RedisThrottleStore implements ThrottleStore {
  readonly #redis: Scripted;
  readonly #local: MemoryThrottleStore;

  constructor(
    redis: Redis,
    private readonly ready: () => boolean,
    now: () => number = Date.now,
  ) {
    const r = redis as Partial<Scripted> & Redis;
    if (!r.cbThrottleAttempt) {
      redis.defineCommand('cbThrottleAttempt', { numberOfKeys: 2, lua: ATTEMPT });
      redis.defineCommand('cbThrottleHit', { numberOfKeys: 1, lua: HIT });
      redis.defineCommand('cbThrottleForgive', { numberOfKeys: 2, lua: FORGIVE });
    }
    this.#redis = redis as Scripted;
    this.#local = new MemoryThrottleStore(now);
  }

  async attempt(key: string, p: BackoffPolicy): Promise<Attempt> {
    if (!this.ready()) return this.#local.attempt(key, p);
    const [allowed, a, b] = (await this.#redis.cbThrottleAttempt(counterKey(key), lockKey(key), Math.ceil(p.windowMs), p.freeAttempts, p.baseMs, p.maxMs)).map(Number);
    return allowed ? { allowed: true, count: a, lockMs: b } : { allowed: false, retryAfterMs: a };
  }

  async forgive(key: string) {
    if (!this.ready()) return this.#local.forgive(key);
    await this.#redis.cbThrottleForgive(counterKey(key), lockKey(key));
  }

  async clear(key: string) {
    await this.#local.clear(key);
    if (this.ready()) await this.#redis.del(counterKey(key), lockKey(key));
  }

  async hit(key: string, windowMs: number) {
    if (!this.ready()) return this.#local.hit(key, windowMs);
    const [count, ttl] = (await this.#redis.cbThrottleHit(counterKey(key), Math.ceil(windowMs))).map(Number);
    return { count, ttlMs: Math.max(0, ttl) };
  }

  close(): void {
    this.#local.close();
  }
}
