// The cluster's Redis connections (ioredis). One for commands, one for subscriptions (a subscribed
// connection can do nothing else). Reconnects forever with a capped backoff; while it is down,
// `ready()` is false, /readyz says so and new sessions are refused, and commands queue up (bounded
// by ioredis' offline queue) until Redis is back.
import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { GatewayError } from '../errors.ts';

export type { Redis };

export interface RedisPair {
  cmd: Redis;
  sub: Redis;
  ready(): boolean;
  close(): Promise<void>;
}

export function connectRedis(url: string, log: Logger, name: string): RedisPair {
  const options = {
    connectionName: name,
    // Keep retrying: an outage must end by itself when Redis returns.
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    maxRetriesPerRequest: null,
    enableAutoPipelining: true,
    lazyConnect: false,
  };
  const cmd = new Redis(url, options);
  const sub = new Redis(url, options);
  let wasReady = false;
  for (const [role, c] of [['cmd', cmd], ['sub', sub]] as const) {
    c.on('ready', () => log.info({ event: 'redis.ready', role }, 'redis ready'));
    c.on('error', (err) => {
      if (wasReady || role === 'cmd') log.warn({ event: 'redis.error', role, err: err.message }, 'redis error');
    });
    c.on('end', () => log.warn({ event: 'redis.closed', role }, 'redis connection closed'));
  }
  cmd.on('ready', () => (wasReady = true));
  return {
    cmd,
    sub,
    ready: () => cmd.status === 'ready' && sub.status === 'ready',
    async close() {
      await Promise.allSettled([cmd.quit(), sub.quit()]);
      cmd.disconnect();
      sub.disconnect();
    },
  };
}

/** Resolves when both connections are ready, or rejects with a clear message after `timeoutMs`. */
export async function waitReady(pair: RedisPair, url: string, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!pair.ready()) {
    if (Date.now() - start > timeoutMs) {
      throw new GatewayError('CB_ERR_REDIS_UNREACHABLE', `Tried ${url} for ${timeoutMs / 1000} s; start redis-server or fix REDIS_URL (or unset it to run one process on SQLite).`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
