// Cluster mode (REDIS_URL) for the proxy's per-session state: the Redis keys, channels and small
// helpers shared by the cookie jars, the single-flight page cache and the origin registry.
//
// Keys (all per session, all with a TTL, all deleted when the session ends where noted):
//   cb:jar:<sid>          hash, one field per cookie (JSON [domain, path, name]) holding
//                         'h'|'-' + tough-cookie JSON ('h' = HttpOnly), plus '~v' (its version,
//                         from the counter cb:jar:version). TTL 12 h, refreshed by every write and
//                         by reads every 10 min. DEL at end.
//   cb:sf:<sid>:<hash>    single flight of one GET navigation: 'P…' while a leader fetches
//                         (PX 5 s, the lock), then 'D'+page or 'S' (not shareable) for 5 s.
//   cb:tok:<token>        JSON {s, o}: which (session, origin) a proxy token stands for. TTL 48 h,
//                         refreshed on lookup. DEL at end (through cb:toks:<sid>).
//   cb:toks:<sid>         set of the session's tokens, so the end can delete them. TTL 48 h.
//   cb:proxy-token-key    the HMAC key of proxy tokens (no TTL; mirrored in the store's kv).
// Channels: cb:px:sf ('<key>': a flight finished), cb:px:tok ('x <sid> <sender>': a session ended).
import { GatewayError } from '../errors.ts';
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { base32Token } from '../ids.ts';

export interface ProxyRedis {
  /** Commands (shared, auto-pipelined). */
  cmd: Redis;
  /** Subscriber connection (shared with other subscribers: listeners filter by channel). */
  sub: Redis;
}

export const PROXY_KEYS = {
  jar: (sessionId: string) => `cb:jar:${sessionId}`,
  /** One counter for every jar's version (never expires, so versions never repeat). */
  jarVersions: 'cb:jar:version',
  flight: (sessionId: string, url: string) => `cb:sf:${sessionId}:${createHash('sha256').update(url).digest('base64url').slice(0, 27)}`,
  token: (token: string) => `cb:tok:${token}`,
  sessionTokens: (sessionId: string) => `cb:toks:${sessionId}`,
  tokenKey: 'cb:proxy-token-key',
} as const;

export const PROXY_CHANNELS = { flight: 'cb:px:sf', tokens: 'cb:px:tok' } as const;

/** A random name for one holder of state in notices, so it can tell its own writes from others'
 * (per object, not per process: tests run two gateways in one process). */
export const newNonce = (): string => randomBytes(6).toString('base64url');

export const redisReady = (r: ProxyRedis): boolean => r.cmd.status === 'ready';

/** Resolves like p, or with `fallback` after ms (the request path never waits on Redis for long). */
export function withTimeout<T, F>(p: Promise<T>, ms: number, fallback: F): Promise<T | F> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<F>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
    timer.unref?.();
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export interface ChannelSubscription {
  /** True while the subscription is known to be live: no notice can have been missed since. */
  healthy(): boolean;
  close(): void;
}

/**
 * Subscribes to one channel on the shared subscriber connection. `onResync` runs each time the
 * subscription is (re)established: notices may have been missed while it was down, so callers drop
 * whatever they cached on the strength of notices.
 */
export function subscribeChannel(sub: Redis, channel: string, onMessage: (msg: string) => void, onResync: () => void, log: Logger): ChannelSubscription {
  let live = false;
  let closed = false;
  const subscribe = () => {
    sub.subscribe(channel).then(
      () => {
        if (closed || sub.status !== 'ready') return;
        if (!live) {
          live = true;
          onResync();
        }
      },
      (err: Error) => log.warn({ event: 'redis.subscribe_failed', channel, err: err.message }, 'proxy state: subscribe failed'),
    );
  };
  const onMsg = (ch: string, msg: string) => {
    if (ch === channel) onMessage(msg);
  };
  const down = () => {
    live = false;
  };
  sub.on('message', onMsg);
  sub.on('ready', subscribe);
  sub.on('close', down);
  sub.on('reconnecting', down);
  sub.on('end', down);
  subscribe();
  return {
    healthy: () => live && sub.status === 'ready',
    close() {
      closed = true;
      live = false;
      sub.off('message', onMsg);
      sub.off('ready', subscribe);
      sub.off('close', down);
      sub.off('reconnecting', down);
      sub.off('end', down);
      if (sub.status === 'ready') sub.unsubscribe(channel).catch(() => {});
    },
  };
}

// ------------------------------------------------------------------ proxy tokens

/**
 * The proxy token of a (session, origin) pair in cluster mode: HMAC-SHA256 under a key every
 * instance shares, so two instances that mint the same pair at the same moment (the hub renders a
 * navigate frame on one, the page's links are rewritten on another) compute the same token without
 * talking to each other, and "same page, same origin" holds for both parties. The key keeps tokens
 * unguessable from the session id (which travels in the visitor's link): a leaked session id does
 * not give access to the session's proxied origins and their cookies.
 */
export function deterministicToken(key: Buffer, sessionId: string, origin: string): string {
  return base32Token(createHmac('sha256', key).update(`${sessionId}\n${origin}`).digest());
}

export interface KvStore {
  getKv(key: string): string | null | Promise<string | null>;
  setKv(key: string, value: string): void | Promise<void>;
}

const STORE_TOKEN_KEY = 'proxyTokenKey';

/**
 * The cluster's token HMAC key: Redis is the arbiter (SET NX, so instances starting together agree),
 * the shared store its durable copy (so a Redis that lost its data gets the same key back, and tokens
 * already in open iframes keep their meaning).
 */
export async function sharedTokenKey(cmd: Redis, store: KvStore, timeoutMs = 10_000): Promise<Buffer> {
  const work = (async () => {
    let key = await cmd.get(PROXY_KEYS.tokenKey);
    if (!key) {
      const candidate = (await store.getKv(STORE_TOKEN_KEY)) ?? randomBytes(32).toString('base64url');
      await cmd.set(PROXY_KEYS.tokenKey, candidate, 'NX');
      key = await cmd.get(PROXY_KEYS.tokenKey);
    }
    if (!key) throw new GatewayError('CB_ERR_REDIS_UNREACHABLE', 'The proxy token key was missing after SET NX.');
    // Awaited: on PostgreSQL both answer promises (a promise is never the key, nor nullish).
    if ((await store.getKv(STORE_TOKEN_KEY)) !== key) await store.setKv(STORE_TOKEN_KEY, key);
    return Buffer.from(key, 'base64url');
  })();
  const got = await withTimeout(work, timeoutMs, null);
  if (!got) throw new GatewayError('CB_ERR_REDIS_UNREACHABLE', `Could not read the proxy token key within ${timeoutMs / 1000} s.`);
  return got;
}

export const TOKEN_TTL_S = 48 * 3600;

export interface SharedTokenEntry {
  token: string;
  sessionId: string;
  origin: string;
}

/** Token directory in Redis: written when an instance first mints a pair, read by the others. */
export class SharedTokens {
  #r: ProxyRedis;
  #log: Logger;
  #sub: ChannelSubscription;
  #onRemoteDrop: ((sessionId: string) => void) | null = null;
  #nonce = newNonce();

  constructor(r: ProxyRedis, log: Logger) {
    this.#r = r;
    this.#log = log;
    this.#sub = subscribeChannel(
      r.sub,
      PROXY_CHANNELS.tokens,
      (msg) => {
        const [kind, sid, from] = msg.split(' ');
        if (kind === 'x' && sid && from !== this.#nonce) this.#onRemoteDrop?.(sid);
      },
      () => {},
      log,
    );
  }

  /** Another instance ended a session: forget its origins here too. */
  onRemoteDrop(f: (sessionId: string) => void) {
    this.#onRemoteDrop = f;
  }

  /** Records a token (idempotent: every instance writes the same value for the same pair). */
  persist(e: SharedTokenEntry): void {
    const value = JSON.stringify({ s: e.sessionId, o: e.origin });
    this.#r.cmd
      .multi()
      .set(PROXY_KEYS.token(e.token), value, 'EX', TOKEN_TTL_S)
      .sadd(PROXY_KEYS.sessionTokens(e.sessionId), e.token)
      .expire(PROXY_KEYS.sessionTokens(e.sessionId), TOKEN_TTL_S)
      .exec()
      .catch((err: Error) => this.#log.warn({ err: err.message, sessionId: e.sessionId }, 'proxy token not shared'));
  }

  /**
   * The pair behind a token minted elsewhere. A miss is retried once shortly after: the minting
   * instance writes the token while the page that carries it is on its way to the browser.
   */
  async lookup(token: string): Promise<SharedTokenEntry | null> {
    if (!redisReady(this.#r)) return null;
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt) await new Promise((r) => setTimeout(r, 100));
      const raw = await withTimeout(this.#r.cmd.getex(PROXY_KEYS.token(token), 'EX', TOKEN_TTL_S), 1000, null).catch(() => null);
      if (raw) {
        try {
          const v = JSON.parse(raw) as { s?: unknown; o?: unknown };
          if (typeof v.s === 'string' && typeof v.o === 'string') return { token, sessionId: v.s, origin: v.o };
        } catch {
          /* a corrupt entry resolves to nothing */
        }
        return null;
      }
    }
    return null;
  }

  /** Session ended: delete its tokens everywhere and tell the other instances. */
  drop(sessionId: string): void {
    this.#r.cmd
      .eval(DROP_TOKENS, 1, PROXY_KEYS.sessionTokens(sessionId), 'cb:tok:', PROXY_CHANNELS.tokens, `x ${sessionId} ${this.#nonce}`)
      .catch((err: Error) => this.#log.warn({ err: err.message, sessionId }, 'proxy tokens not deleted'));
  }

  close() {
    this.#sub.close();
  }
}

// KEYS[1] cb:toks:<sid>; ARGV[1] token key prefix, ARGV[2] channel, ARGV[3] notice.
const DROP_TOKENS = `
for _, t in ipairs(redis.call('SMEMBERS', KEYS[1])) do redis.call('DEL', ARGV[1] .. t) end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1`;
