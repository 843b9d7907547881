// The origin registry's cluster hooks without Redis: deterministic minting, lookups of tokens other
// instances minted (deduplicated, kept once found), forgetting a session ended elsewhere; and the
// defaults (random tokens, no lookups) that one process uses.
import { describe, expect, it } from 'vitest';
import { OriginRegistry, type ProxyOriginEntry } from '../../../gateway/proxy/origin-registry.ts';
import { deterministicToken } from '../../../gateway/cluster/proxy-state-redis.ts';
import { PROXY_TOKEN_RE } from '../../../gateway/ids.ts';
import { MemoryCookieJars } from '../../../gateway/proxy/cookie-jars.ts';
import { PageCache } from '../../../gateway/proxy/page-cache.ts';

const base = { scheme: 'http' as const, domain: 'cobrowse.localhost', publicPort: 8081 };
const key = Buffer.alloc(32, 7);
const host = (url: string) => new URL(url).host;

describe('OriginRegistry in cluster mode', () => {
  it('two instances mint the same token for a pair; each resolves the other’s tokens through the lookup', async () => {
    const directory = new Map<string, ProxyOriginEntry>();
    const lookups: string[] = [];
    const make = () =>
      new OriginRegistry({
        ...base,
        mintToken: (s, o) => deterministicToken(key, s, o),
        persist: (e) => void directory.set(e.token, e),
        lookup: async (t) => (lookups.push(t), directory.get(t) ?? null),
      });
    const a = make();
    const b = make();
    const onA = a.proxyUrl('sess', 'https://shop.test/cart?x=1#top');
    expect(onA).toMatch(/^http:\/\/[a-z2-7]{26}\.cobrowse\.localhost:8081\/cart\?x=1#top$/);
    expect(b.fromHost(host(onA))).toBeNull();
    const [r1, r2] = await Promise.all([b.resolveHost(host(onA)), b.resolveHost(host(onA))]);
    expect(r1).toEqual({ token: host(onA).split('.')[0], sessionId: 'sess', origin: 'https://shop.test' });
    expect(r2).toBe(r1);
    expect(lookups).toHaveLength(1);
    expect(b.fromHost(host(onA))).toEqual(r1);
    expect(b.proxyOrigin('sess', 'https://shop.test')).toBe(new URL(onA).origin);
    expect(await b.resolveRealOriginOf('sess', new URL(onA).origin)).toBe('https://shop.test');
    expect(await b.resolveRealOriginOf('other', new URL(onA).origin)).toBeNull();
    // Unknown or malformed tokens resolve to nothing.
    expect(await b.resolveHost(`${'a'.repeat(26)}.cobrowse.localhost:8081`)).toBeNull();
    expect(await b.resolveHost('not-a-token.cobrowse.localhost:8081')).toBeNull();
    expect(await b.resolveHost(`${host(onA).split('.')[0]}.elsewhere.test`)).toBeNull();
  });

  it('dropSession clears shared state; forgetSession only forgets here', () => {
    const dropped: string[] = [];
    const r = new OriginRegistry({ ...base, mintToken: (s, o) => deterministicToken(key, s, o), onDropSession: (s) => dropped.push(s) });
    const u = r.proxyUrl('s1', 'https://a.test/');
    r.forgetSession('s1');
    expect(r.fromHost(host(u))).toBeNull();
    expect(dropped).toEqual([]);
    r.proxyUrl('s1', 'https://a.test/');
    r.dropSession('s1');
    expect(dropped).toEqual(['s1']);
  });

  it('one process: random tokens, no lookups', async () => {
    const r = new OriginRegistry(base);
    const u1 = r.proxyUrl('s', 'https://a.test/');
    const other = new OriginRegistry(base);
    expect(other.proxyUrl('s', 'https://a.test/')).not.toBe(u1);
    expect(host(u1).split('.')[0]).toMatch(PROXY_TOKEN_RE);
    expect(r.sharedLookup).toBe(false);
    expect(await other.resolveHost(host(u1))).toBeNull();
  });
});

describe('memory mode keeps its behaviour', () => {
  it('cookie jars: HttpOnly hidden from document.cookie and protected from page scripts', async () => {
    const j = new MemoryCookieJars();
    await j.store('s', 'http://shop.test/', ['sid=1; HttpOnly; Path=/', 'theme=dark; Path=/']);
    await j.setFromDocument('s', 'http://shop.test/', 'sid=forged; path=/');
    expect(await j.cookieHeader('s', 'http://shop.test/')).toBe('sid=1; theme=dark');
    expect(await j.documentCookie('s', 'http://shop.test/')).toBe('theme=dark');
    j.drop('s');
    expect(await j.cookieHeader('s', 'http://shop.test/')).toBe('');
  });

  it('page cache: one load for concurrent gets, failures not kept', async () => {
    const c = new PageCache<number>();
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([c.get('k', load), c.get('k', load)])).toEqual([1, 1]);
    await expect(c.get('bad', async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(await c.get('bad', load)).toBe(2);
  });
});
