// The proxy's shared state classes on a real redis-server, each "instance" with its own Redis
// connections as two gateway processes would have: cookie jars that merge concurrent writes and
// keep HttpOnly cookies out of page scripts' reach, the cluster-wide single flight, shared tokens.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import { connectRedis, waitReady, type RedisPair } from '../../gateway/cluster/redis.ts';
import { createLogger } from '../../gateway/log.ts';
import { RedisCookieJars } from '../../gateway/cluster/redis-cookie-jars.ts';
import { SharedPageFlight } from '../../gateway/cluster/shared-page-flight.ts';
import type { CachedPage } from '../../gateway/proxy/page-cache.ts';
import { deterministicToken, sharedTokenKey, SharedTokens, PROXY_KEYS } from '../../gateway/cluster/proxy-state-redis.ts';
import { PROXY_TOKEN_RE } from '../../gateway/ids.ts';

const log = createLogger('silent');
let redis: TestRedis;
let pairs: RedisPair[] = [];
let plain: Redis;

async function pair(name: string): Promise<RedisPair> {
  const p = connectRedis(redis.url, log, name);
  await waitReady(p, redis.url);
  pairs.push(p);
  return p;
}

beforeAll(async () => {
  redis = await startRedis();
  plain = new Redis(redis.url);
});
afterAll(async () => {
  plain?.disconnect();
  for (const p of pairs) await p.close();
  await redis?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Lets the subscriptions of freshly created instances complete. */
const settle = () => sleep(50);

describe('RedisCookieJars', () => {
  it('shares cookies between instances; HttpOnly ones stay out of document.cookie everywhere', async () => {
    const a = new RedisCookieJars(await pair('jar-a'), log);
    const b = new RedisCookieJars(await pair('jar-b'), log);
    await settle();
    const url = 'http://shop.test/account';
    // B reads first, so it holds a local copy that A's write must invalidate.
    expect(await b.cookieHeader('s1', url)).toBe('');
    await a.store('s1', url, ['sid=secret; HttpOnly; Path=/', 'theme=dark; Path=/']);
    expect(await b.cookieHeader('s1', url)).toBe('sid=secret; theme=dark');
    expect(await b.documentCookie('s1', url)).toBe('theme=dark');
    await b.setFromDocument('s1', url, 'sid=stolen; path=/');
    await b.setFromDocument('s1', url, 'lang=fr; path=/');
    expect(await a.cookieHeader('s1', url)).toBe('sid=secret; theme=dark; lang=fr');
    // Expiry deletes on every instance.
    await b.store('s1', url, 'theme=; Max-Age=0; Path=/');
    expect(await a.documentCookie('s1', url)).toBe('lang=fr');
    a.close();
    b.close();
  });

  it('loses no cookie when two instances write at the same time', async () => {
    const a = new RedisCookieJars(await pair('jar-c'), log);
    const b = new RedisCookieJars(await pair('jar-d'), log);
    await settle();
    const url = 'http://shop.test/';
    await Promise.all([a.cookieHeader('s2', url), b.cookieHeader('s2', url)]);
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 40; i++) {
      writes.push(a.store('s2', url, `a${i}=1; Path=/`));
      writes.push(b.setFromDocument('s2', url, `b${i}=1; path=/`));
    }
    await Promise.all(writes);
    const names = (s: string) => new Set(s.split('; ').map((c) => c.split('=')[0]));
    for (const jar of [a, b]) {
      const got = names(await jar.cookieHeader('s2', url));
      expect(got.size).toBe(80);
    }
    a.close();
    b.close();
  });

  it('a page script cannot overwrite an HttpOnly cookie another instance stored a moment ago', async () => {
    const a = new RedisCookieJars(await pair('jar-e'), log);
    const b = new RedisCookieJars(await pair('jar-f'), log);
    await settle();
    const url = 'http://shop.test/';
    expect(await b.documentCookie('s3', url)).toBe('');
    // B's copy does not have the cookie yet when its page script writes; Redis refuses the overwrite.
    await Promise.all([a.store('s3', url, 'auth=real; HttpOnly; Path=/'), b.setFromDocument('s3', url, 'auth=forged; path=/')]);
    expect(await a.cookieHeader('s3', url)).toMatch(/auth=real/);
    expect(await a.cookieHeader('s3', url)).not.toMatch(/forged/);
    a.close();
    b.close();
  });

  it('drop deletes the jar in Redis and on the other instances', async () => {
    const a = new RedisCookieJars(await pair('jar-g'), log);
    const b = new RedisCookieJars(await pair('jar-h'), log);
    await settle();
    const url = 'http://shop.test/';
    await a.store('s4', url, 'x=1; Path=/');
    expect(await b.cookieHeader('s4', url)).toBe('x=1');
    expect(await plain.exists(PROXY_KEYS.jar('s4'))).toBe(1);
    a.drop('s4');
    await sleep(50);
    expect(await plain.exists(PROXY_KEYS.jar('s4'))).toBe(0);
    expect(await b.cookieHeader('s4', url)).toBe('');
    a.close();
    b.close();
  });

  it('costs one small Redis command per use once the copy is current', async () => {
    const p = await pair('jar-i');
    const a = new RedisCookieJars(p, log);
    await settle();
    // The first read loads the copy, the second also refreshes the jar's TTL; then one command each.
    await a.cookieHeader('s5', 'http://shop.test/');
    await a.cookieHeader('s5', 'http://shop.test/');
    await sleep(10); // the TTL refresh is sent on the next tick (auto-pipelining)
    let sent = 0;
    const names: string[] = [];
    const orig = p.cmd.sendCommand.bind(p.cmd);
    p.cmd.sendCommand = ((c: Parameters<typeof orig>[0]) => (sent++, names.push(c.name), orig(c))) as typeof p.cmd.sendCommand;
    for (let i = 0; i < 100; i++) await a.cookieHeader('s5', 'http://shop.test/');
    p.cmd.sendCommand = orig;
    expect(sent, names.join(',')).toBe(100);
    a.close();
  });
});

describe('SharedPageFlight', () => {
  const page = (text: string): CachedPage => ({ status: 200, headers: [['content-type', 'text/html']], body: Buffer.from(text) });

  it('one fetch for followers on other instances, with the leader’s exact bytes', async () => {
    const flights = [new SharedPageFlight(await pair('sf-a'), log), new SharedPageFlight(await pair('sf-b'), log), new SharedPageFlight(await pair('sf-c'), log)];
    await settle();
    let loads = 0;
    const load = async () => {
      loads++;
      await sleep(150);
      return page(`<p>fetched ${loads} ${'é'.repeat(3)}</p>`);
    };
    const got = await Promise.all(flights.map((f) => f.run('sid', 'http://shop.test/p', load)));
    expect(loads).toBe(1);
    for (const g of got) expect((g as CachedPage).body.equals((got[0] as CachedPage).body)).toBe(true);
    expect((got[1] as CachedPage).headers).toEqual([['content-type', 'text/html']]);
    for (const f of flights) f.close();
  });

  it('a failed leader hands over; an unshareable result makes each fetch its own', async () => {
    const a = new SharedPageFlight(await pair('sf-d'), log);
    const b = new SharedPageFlight(await pair('sf-e'), log);
    await settle();
    let calls = 0;
    const failing = async () => {
      calls++;
      await sleep(80);
      throw new Error('upstream down');
    };
    const ok = async () => {
      calls++;
      return page('second try');
    };
    const [ra, rb] = await Promise.allSettled([a.run('sid', 'http://shop.test/f', failing), (async () => (await sleep(20), b.run('sid', 'http://shop.test/f', ok)))()]);
    expect(ra.status).toBe('rejected');
    expect(rb.status === 'fulfilled' && (rb.value as CachedPage).body.toString()).toBe('second try');
    expect(calls).toBe(2);

    let streams = 0;
    const streamed = async () => (streams++, await sleep(50), { stream: true as const, n: streams });
    const both = await Promise.all([a.run('sid', 'http://shop.test/s', streamed), (async () => (await sleep(10), b.run('sid', 'http://shop.test/s', streamed)))()]);
    expect(streams).toBe(2);
    expect(both.map((r) => (r as { n: number }).n).sort()).toEqual([1, 2]);
    a.close();
    b.close();
  });
});

describe('shared proxy tokens', () => {
  it('the same key on every instance, deterministic tokens, lookups and drops', async () => {
    const pa = await pair('tok-a');
    const pb = await pair('tok-b');
    const kv = new Map<string, string>();
    const store = { getKv: (k: string) => kv.get(k) ?? null, setKv: (k: string, v: string) => void kv.set(k, v) };
    const [ka, kb] = await Promise.all([sharedTokenKey(pa.cmd, store), sharedTokenKey(pb.cmd, store)]);
    expect(ka.equals(kb)).toBe(true);
    const t = deterministicToken(ka, 'sess', 'http://shop.test');
    expect(t).toMatch(PROXY_TOKEN_RE);
    expect(deterministicToken(kb, 'sess', 'http://shop.test')).toBe(t);
    expect(deterministicToken(ka, 'sess', 'http://other.test')).not.toBe(t);

    const ta = new SharedTokens(pa, log);
    const tb = new SharedTokens(pb, log);
    await settle();
    const dropped: string[] = [];
    tb.onRemoteDrop((sid) => dropped.push(sid));
    ta.persist({ token: t, sessionId: 'sess', origin: 'http://shop.test' });
    expect(await tb.lookup(t)).toEqual({ token: t, sessionId: 'sess', origin: 'http://shop.test' });
    expect(await tb.lookup('a'.repeat(26))).toBeNull();
    ta.drop('sess');
    await sleep(50);
    expect(await tb.lookup(t)).toBeNull();
    expect(dropped).toEqual(['sess']);
    // A Redis that lost its data gets the key back from the store.
    await plain.del(PROXY_KEYS.tokenKey);
    expect((await sharedTokenKey(pa.cmd, store)).equals(ka)).toBe(true);
    ta.close();
    tb.close();
  });
});

describe('while Redis is down', () => {
  it('jars answer from the local copy, the flight fetches locally, and both recover when Redis is back', async () => {
    const p = await pair('outage');
    const jars = new RedisCookieJars(p, log);
    const flight = new SharedPageFlight(p, log);
    await settle();
    const url = 'http://shop.test/';
    await jars.store('s9', url, 'k=v; Path=/');
    expect(await jars.cookieHeader('s9', url)).toBe('k=v');
    await redis.kill();
    const deadline = Date.now() + 5000;
    while (p.cmd.status === 'ready' && Date.now() < deadline) await sleep(10);
    const t0 = Date.now();
    expect(await jars.cookieHeader('s9', url)).toBe('k=v');
    let loads = 0;
    const got = await flight.run('s9', 'http://shop.test/p', async () => (loads++, { status: 200, headers: [] as [string, string][], body: Buffer.from('x') }));
    expect((got as CachedPage).body.toString()).toBe('x');
    expect(loads).toBe(1);
    expect(Date.now() - t0).toBeLessThan(500);
    await redis.restart();
    await waitReady(p, redis.url, 15_000);
    await jars.store('s9', url, 'after=1; Path=/');
    const other = new RedisCookieJars(await pair('outage-2'), log);
    expect(await other.cookieHeader('s9', url)).toMatch(/after=1/);
    jars.close();
    other.close();
    flight.close();
  });
});
