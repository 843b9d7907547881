// The proxy's per-session state for server.ts: in memory for one process, shared through Redis when
// REDIS_URL is set (cookie jars, the single-flight page cache, origin tokens). See
// proxy-state-redis.ts for the keys and channels.
import type { Logger } from 'pino';
import { MemoryCookieJars, type CookieJars } from '../proxy/cookie-jars.ts';
import type { SharedFlight } from '../proxy/page-cache.ts';
import { RedisCookieJars } from './redis-cookie-jars.ts';
import { SharedPageFlight } from './shared-page-flight.ts';
import type { OriginRegistry, OriginRegistryOptions, ProxyOriginEntry } from '../proxy/origin-registry.ts';
import { deterministicToken, sharedTokenKey, SharedTokens, type KvStore, type ProxyRedis } from './proxy-state-redis.ts';

export type { ProxyRedis };

export interface ProxyState {
  jars: CookieJars;
  /** The cluster-wide single flight (null in one process: the in-process one is enough). */
  pages: SharedFlight | null;
  /** Registry options for the mode: persistence, and in cluster mode minting and lookups. */
  registryOptions(persist: (e: ProxyOriginEntry) => void): Pick<OriginRegistryOptions, 'persist' | 'mintToken' | 'lookup' | 'onDropSession'>;
  /** Lets sessions ended on other instances be forgotten by this registry. */
  attachRegistry(registry: OriginRegistry): void;
  close(): void;
}

export async function createProxyState(o: { redis?: ProxyRedis | null; store: KvStore; log: Logger }): Promise<ProxyState> {
  if (!o.redis) {
    const jars = new MemoryCookieJars();
    return {
      jars,
      pages: null,
      registryOptions: (persist) => ({ persist }),
      attachRegistry: () => {},
      close: () => jars.close(),
    };
  }
  const redis = o.redis;
  const key = await sharedTokenKey(redis.cmd, o.store);
  const jars = new RedisCookieJars(redis, o.log);
  const pages = new SharedPageFlight(redis, o.log);
  const tokens = new SharedTokens(redis, o.log);
  return {
    jars,
    pages,
    registryOptions: (persist) => ({
      persist: (e) => {
        persist(e);
        tokens.persist(e);
      },
      mintToken: (sessionId, origin) => deterministicToken(key, sessionId, origin),
      lookup: (token) => tokens.lookup(token),
      onDropSession: (sessionId) => tokens.drop(sessionId),
    }),
    attachRegistry: (registry) => tokens.onRemoteDrop((sessionId) => registry.forgetSession(sessionId)),
    close() {
      jars.close();
      pages.close();
      tokens.close();
    },
  };
}
