// Server-side cookie jars, one per session (tough-cookie). Set-Cookie from upstream never reaches
// the browser: HttpOnly cookies stay on the server, and the jar scopes every cookie by its real
// domain, path and secure flag, which the per-origin proxy hosts alone could not express.
//
// Two implementations behind one async interface: MemoryCookieJars (one process, as before), and
// RedisCookieJars (cluster mode), where the jar lives in Redis so that the two parties of a session
// can be served by different instances and still carry the same cookies.
import { Cookie, CookieJar } from 'tough-cookie';
import type { Logger } from 'pino';
import { PROXY_KEYS, redisReady, withTimeout, type ProxyRedis } from '../cluster/proxy-state-redis.ts';

export interface CookieJars {
  /** The Cookie header for a request to `url` (HttpOnly included). */
  cookieHeader(sessionId: string, url: string): Promise<string>;
  /** Set-Cookie headers of an upstream response for `url`. */
  store(sessionId: string, url: string, setCookie: string | string[] | undefined): Promise<void>;
  /** What `document.cookie` shows a page at `url`: the jar's cookies, HttpOnly ones excluded. */
  documentCookie(sessionId: string, url: string): Promise<string>;
  /** A page script's `document.cookie = ...`: it may not set or overwrite HttpOnly cookies. */
  setFromDocument(sessionId: string, url: string, cookie: string): Promise<void>;
  /** Session ended: forget its cookies (everywhere, in cluster mode). */
  drop(sessionId: string): void;
  close(): void;
}

const newJar = () => new CookieJar(undefined, { looseMode: true, allowSpecialUseDomain: true, rejectPublicSuffixes: false });

/** Sets cookies as a browser would; returns the cookies the jar accepted (expired ones delete). */
function applyCookies(jar: CookieJar, url: string, cookies: string[], http: boolean): Cookie[] {
  const stored: Cookie[] = [];
  for (const c of cookies) {
    try {
      const got = jar.setCookieSync(c, url, http ? { ignoreError: true } : { http: false, ignoreError: true });
      if (got) stored.push(got);
    } catch {
      /* a malformed cookie is dropped, as a browser would */
    }
  }
  return stored;
}

const asList = (setCookie: string | string[] | undefined): string[] => (!setCookie ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]);

export class MemoryCookieJars implements CookieJars {
  #jars = new Map<string, CookieJar>();

  jar(sessionId: string): CookieJar {
    let j = this.#jars.get(sessionId);
    if (!j) {
      j = newJar();
      this.#jars.set(sessionId, j);
    }
    return j;
  }

  async cookieHeader(sessionId: string, url: string): Promise<string> {
    return this.#jars.get(sessionId)?.getCookieStringSync(url) ?? '';
  }

  async store(sessionId: string, url: string, setCookie: string | string[] | undefined): Promise<void> {
    const list = asList(setCookie);
    if (list.length) applyCookies(this.jar(sessionId), url, list, true);
  }

  async documentCookie(sessionId: string, url: string): Promise<string> {
    return this.#jars.get(sessionId)?.getCookieStringSync(url, { http: false }) ?? '';
  }

  async setFromDocument(sessionId: string, url: string, cookie: string): Promise<void> {
    applyCookies(this.jar(sessionId), url, [cookie], false);
  }

  drop(sessionId: string): void {
    this.#jars.delete(sessionId);
  }

  close(): void {
    this.#jars.clear();
  }
}

// ------------------------------------------------------------------ cluster mode

/**
 * Writes cookie changes into the session's hash, atomically. KEYS[1] cb:jar:<sid>, KEYS[2] the
 * cluster-wide version counter. ARGV: 1 TTL ms, 2 '1' when an HTTP response (may replace HttpOnly
 * cookies), 3 the version the writer's copy holds, then field/value pairs ('' deletes). A page
 * script's write never replaces or deletes an HttpOnly cookie, even one another instance stored a
 * moment ago that the writer's copy did not have yet. Returns {new version, 1 if the hash was at
 * the writer's version before this write (its copy plus this change is then exact)}. Versions come
 * from one counter, so a jar deleted and created again never repeats a version a copy may hold.
 */
const WRITE_JAR = `
local before = redis.call('HGET', KEYS[1], '~v') or '0'
local http = ARGV[2] == '1'
for i = 4, #ARGV, 2 do
  local f, v = ARGV[i], ARGV[i + 1]
  local keep = false
  if not http then
    local old = redis.call('HGET', KEYS[1], f)
    keep = old and string.sub(old, 1, 1) == 'h'
  end
  if not keep then
    if v == '' then redis.call('HDEL', KEYS[1], f) else redis.call('HSET', KEYS[1], f, v) end
  end
end
local ver = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], '~v', ver)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
if before == ARGV[3] then return {ver, 1} end
return {ver, 0}`;

/**
 * One round trip per use: the version alone when the caller's copy (version ARGV[1]) is current,
 * else the version and the whole hash. KEYS[1] cb:jar:<sid>.
 */
const READ_JAR = `
local cur = redis.call('HGET', KEYS[1], '~v') or '0'
if cur == ARGV[1] then return {cur} end
return {cur, redis.call('HGETALL', KEYS[1])}`;

const VERSION_FIELD = '~v';
const fieldOf = (c: Cookie) => JSON.stringify([c.domain, c.path, c.key]);
/** 'h' (HttpOnly) or '-', then the cookie's JSON; `_o`, its place in its Set-Cookie batch, orders
 * cookies created in the same millisecond the same way on every instance. */
const valueOf = (c: Cookie, i: number) => (c.TTL() <= 0 ? '' : (c.httpOnly ? 'h' : '-') + JSON.stringify({ ...c.toJSON(), _o: i }));
const creationOf = (c: { creation?: unknown }) => (typeof c.creation === 'string' ? Date.parse(c.creation) || 0 : 0);

interface Replica {
  jar: CookieJar;
  /** Version of the hash this copy reflects ('' = not known to match any). */
  version: string;
  usedAt: number;
  touchedAt: number;
}

export interface RedisCookieJarsOptions {
  /** TTL of a jar in Redis, refreshed on use (default 12 h). */
  ttlMs?: number;
  /** Local copies unused for this long are forgotten (default 15 min). */
  idleMs?: number;
  /** Longest wait for Redis on the request path before using the local copy (default 1.5 s). */
  timeoutMs?: number;
}

type JarRedis = ProxyRedis['cmd'] & {
  cbJarRead(key: string, version: string): Promise<[string] | [string, string[]]>;
  cbJarWrite(key: string, counter: string, ...args: string[]): Promise<[number, number]>;
};

/**
 * Cluster-mode jars. The truth is the hash cb:jar:<sid>: one field per cookie, so concurrent writes
 * from two instances to different cookies both land (the same cookie is last-writer-wins, as in a
 * browser), plus a version. Each instance keeps a local copy per session and checks it against
 * Redis on every use with one small script (READ_JAR): when nothing changed (the common case, and
 * always for a session without cookies) the reply is the version alone, and the copy is used; after
 * a write elsewhere the reply carries the jar. So a Set-Cookie stored through one instance is in the
 * very next request through any other, whatever path that request took.
 *
 * Why one round trip and not none: invalidating copies by pub/sub notices costs nothing per request,
 * but a notice races the response that carried the cookie (the browser's next request can reach the
 * other instance before its notice is read, e.g. when its event loop is busy), and that race shows
 * up in tests. The check is one EVALSHA on the pipelined command connection, answered from memory.
 * When Redis does not answer within timeoutMs, the local copy is used as it is, and writes stay
 * queued in the client until Redis is back.
 */
export class RedisCookieJars implements CookieJars {
  #r: ProxyRedis;
  #cmd: JarRedis;
  #log: Logger;
  #ttlMs: number;
  #idleMs: number;
  #timeoutMs: number;
  #replicas = new Map<string, Replica>();
  #sweep: NodeJS.Timeout;

  constructor(r: ProxyRedis, log: Logger, o: RedisCookieJarsOptions = {}) {
    this.#r = r;
    this.#log = log;
    this.#ttlMs = o.ttlMs ?? 12 * 3600_000;
    this.#idleMs = o.idleMs ?? 15 * 60_000;
    this.#timeoutMs = o.timeoutMs ?? 1500;
    const cmd = r.cmd as JarRedis;
    if (typeof cmd.cbJarRead !== 'function') cmd.defineCommand('cbJarRead', { numberOfKeys: 1, lua: READ_JAR });
    if (typeof cmd.cbJarWrite !== 'function') cmd.defineCommand('cbJarWrite', { numberOfKeys: 2, lua: WRITE_JAR });
    this.#cmd = cmd;
    this.#sweep = setInterval(() => {
      const old = Date.now() - this.#idleMs;
      for (const [sid, rep] of this.#replicas) if (rep.usedAt < old) this.#replicas.delete(sid);
    }, 60_000);
    this.#sweep.unref();
  }

  /** The session's jar, as current as Redis says (or the local copy while Redis does not answer). */
  async #jar(sessionId: string): Promise<{ jar: CookieJar; replica: Replica | null }> {
    const rep = this.#replicas.get(sessionId);
    const now = Date.now();
    if (rep) rep.usedAt = now;
    if (!redisReady(this.#r)) return { jar: rep?.jar ?? newJar(), replica: rep ?? null };
    const key = PROXY_KEYS.jar(sessionId);
    const reply = await withTimeout(this.#cmd.cbJarRead(key, rep?.version ?? ''), this.#timeoutMs, null).catch((err: Error) => {
      this.#log.child({ sessionId }).warn({ err: err.message }, 'cookie jar: read from Redis failed; using the local copy');
      return null;
    });
    if (!reply) return { jar: rep?.jar ?? newJar(), replica: rep ?? null };
    const current = this.#replicas.get(sessionId);
    if (reply.length === 1) {
      // Unchanged. (A write through this instance may have replaced the copy meanwhile: keep that one.)
      const use = current ?? rep;
      if (use && now - use.touchedAt > 10 * 60_000) {
        use.touchedAt = now;
        this.#r.cmd.pexpire(key, this.#ttlMs).catch(() => {});
      }
      return { jar: (use ?? rep)!.jar, replica: use ?? null };
    }
    const [version, flat] = reply;
    const jar = newJar();
    const cookies: { creation?: unknown; _o?: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      if (flat[i] === VERSION_FIELD || flat[i + 1].length < 2) continue;
      try {
        cookies.push(JSON.parse(flat[i + 1].slice(1)));
      } catch {
        /* a corrupt cookie is skipped */
      }
    }
    // Import in creation order: the Cookie header orders cookies of equal path length that way.
    cookies.sort((x, y) => creationOf(x) - creationOf(y) || (x._o ?? 0) - (y._o ?? 0));
    if (cookies.length) jar._importCookiesSync({ cookies });
    // touchedAt 0: the next use refreshes the TTL of a jar this instance had not read before.
    const fresh: Replica = { jar, version, usedAt: now, touchedAt: 0 };
    // Keep the newer copy when a concurrent read or write got here first.
    if (!current || current === rep || Number(current.version || 0) <= Number(version)) this.#replicas.set(sessionId, fresh);
    return { jar, replica: fresh };
  }

  async #write(sessionId: string, url: string, cookies: string[], http: boolean): Promise<void> {
    const { jar, replica } = await this.#jar(sessionId);
    const stored = applyCookies(jar, url, cookies, http);
    if (!stored.length) return;
    const args: string[] = [];
    stored.forEach((c, i) => args.push(fieldOf(c), valueOf(c, i)));
    const held = replica?.version ?? '';
    const write = this.#cmd.cbJarWrite(PROXY_KEYS.jar(sessionId), PROXY_KEYS.jarVersions, String(this.#ttlMs), http ? '1' : '0', held || '-', ...args);
    const reply = await withTimeout(write, this.#timeoutMs, null).catch((err: Error) => {
      this.#log.child({ sessionId }).warn({ err: err.message }, 'cookie jar: write to Redis failed');
      return null;
    });
    if (!replica) return;
    // Our copy plus this change is exact only if nobody wrote between the read and this write.
    if (reply && reply[1] === 1 && replica.version === held) replica.version = String(reply[0]);
    else replica.version = '';
  }

  async cookieHeader(sessionId: string, url: string): Promise<string> {
    return (await this.#jar(sessionId)).jar.getCookieStringSync(url);
  }

  async store(sessionId: string, url: string, setCookie: string | string[] | undefined): Promise<void> {
    const list = asList(setCookie);
    if (list.length) await this.#write(sessionId, url, list, true);
  }

  async documentCookie(sessionId: string, url: string): Promise<string> {
    return (await this.#jar(sessionId)).jar.getCookieStringSync(url, { http: false });
  }

  async setFromDocument(sessionId: string, url: string, cookie: string): Promise<void> {
    await this.#write(sessionId, url, [cookie], false);
  }

  drop(sessionId: string): void {
    this.#replicas.delete(sessionId);
    // Other instances see the version change on their next check and drop their copies.
    this.#r.cmd.del(PROXY_KEYS.jar(sessionId)).catch((err: Error) => this.#log.child({ sessionId }).warn({ err: err.message }, 'cookie jar: delete in Redis failed'));
  }

  close(): void {
    clearInterval(this.#sweep);
    this.#replicas.clear();
  }
}

/** Memory jars, or Redis-backed ones when a Redis pair is given (cluster mode). */
export function createCookieJars(redis?: ProxyRedis | null, log?: Logger): CookieJars {
  if (!redis) return new MemoryCookieJars();
  if (!log) throw new Error('createCookieJars: a logger is required with Redis');
  return new RedisCookieJars(redis, log);
}
