// Pure pieces of the escape closers (issue 13): the single-flight policy (one navigation per pair of
// parties), the party marker, the import-map route, the worker runtime's placement.
import { describe, expect, it } from 'vitest';
import { runInNewContext } from 'node:vm';
import { PageCache } from '../../../gateway/proxy/page-cache.ts';
import { partyOf, withoutPartyCookie } from '../../../gateway/proxy/navigation-party.ts';
import { importMapTarget } from '../../../gateway/proxy/escape-routes.ts';
import { echoDocumentUrl } from '../../../gateway/proxy/cookie-echo.ts';
import { isWorkerScriptRequest, prependWorkerRuntime, workerRuntime } from '../../../gateway/proxy/worker-runtime.ts';

function counter() {
  let n = 0;
  return { load: () => Promise.resolve(`page ${++n}`), get n() { return n; } };
}

describe('PageCache: the two parties of one navigation share, a later reload does not', () => {
  it('serves the leader and one follower of the other party, then fetches again', async () => {
    const now = 1000;
    const c = new PageCache<string>(5000, () => now);
    const l = counter();
    expect(await c.get('k', l.load, undefined, 'visitor')).toBe('page 1');
    expect(await c.get('k', l.load, undefined, 'agent')).toBe('page 1'); // the follower: same bytes
    expect(await c.get('k', l.load, undefined, 'visitor')).toBe('page 2'); // a reload: a new navigation
    expect(l.n).toBe(2);
  });

  it('a reload by the leader\'s own party is a new navigation even before the other party came', async () => {
    const c = new PageCache<string>(5000, () => 0);
    const l = counter();
    await c.get('k', l.load, undefined, 'visitor');
    expect(await c.get('k', l.load, undefined, 'visitor')).toBe('page 2');
    // The agent then follows the visitor's newest navigation.
    expect(await c.get('k', l.load, undefined, 'agent')).toBe('page 2');
    expect(l.n).toBe(2);
  });

  it('unknown parties (first load of a proxy host) share by count: one follower only', async () => {
    const c = new PageCache<string>(5000, () => 0);
    const l = counter();
    const [a, b] = await Promise.all([c.get('k', l.load), c.get('k', l.load)]);
    expect([a, b]).toEqual(['page 1', 'page 1']);
    expect(await c.get('k', l.load)).toBe('page 2');
  });

  it('nothing is shared after the window', async () => {
    let now = 0;
    const c = new PageCache<string>(5000, () => now);
    const l = counter();
    await c.get('k', l.load, undefined, 'visitor');
    now = 6000;
    expect(await c.get('k', l.load, undefined, 'agent')).toBe('page 2');
  });
});

describe('the party marker cookie', () => {
  it('is read and never forwarded', () => {
    expect(partyOf('a=1; __cb_party=agent; b=2')).toBe('agent');
    expect(partyOf('__cb_party=root')).toBeNull();
    expect(partyOf(undefined)).toBeNull();
    expect(withoutPartyCookie('a=1; __cb_party=agent; b=2')).toBe('a=1; b=2');
    expect(withoutPartyCookie('__cb_party=visitor')).toBe('');
    expect(withoutPartyCookie('a=1')).toBe('a=1');
  });
});

describe('/__cb/im/ paths', () => {
  it('stand for the scheme, host and path after the prefix', () => {
    expect(importMapTarget('/__cb/im/https/cdn.example/lib/x.js', 'v=1')).toBe('https://cdn.example/lib/x.js?v=1');
    expect(importMapTarget('/__cb/im/http/127.0.0.1:8080/m.js', '')).toBe('http://127.0.0.1:8080/m.js');
    expect(importMapTarget('/__cb/im/ftp/x/y', '')).toBeNull();
    expect(importMapTarget('/__cb/im/http//evil', '')).toBeNull();
    expect(importMapTarget('/__cb/im/http', '')).toBeNull();
    expect(importMapTarget('/other', '')).toBeNull();
  });
});

describe('cookie echo', () => {
  it('reads the document from a same-host Referer, else the root', () => {
    expect(echoDocumentUrl('https://shop.test', 'p.x:1', 'http://p.x:1/account?a=1')).toBe('https://shop.test/account?a=1');
    expect(echoDocumentUrl('https://shop.test', 'p.x:1', 'http://other:1/account')).toBe('https://shop.test/');
    expect(echoDocumentUrl('https://shop.test', 'p.x:1', undefined)).toBe('https://shop.test/');
  });
});

describe('worker runtime', () => {
  const cfg = { real: 'https://shop.test', gateway: 'https://gw.test' };
  it('is one line, placed after a leading use strict directive', () => {
    expect(workerRuntime(cfg)).not.toContain('\n');
    const out = prependWorkerRuntime("'use strict';\nfoo();", cfg);
    expect(out.startsWith("'use strict';(function")).toBe(true);
    expect(out.endsWith('\nfoo();')).toBe(true);
    expect(prependWorkerRuntime('foo();', cfg).split('\n')).toHaveLength(2);
  });

  it('maps a worker\'s URLs like the overlay does', () => {
    const calls: string[] = [];
    const self: Record<string, unknown> = {
      location: { origin: 'http://abcdefghijklmnopqrstuvwxyz.cb.test:81', protocol: 'http:', pathname: '/w.js', search: '' },
      fetch: (u: string) => calls.push(`fetch ${u}`),
      importScripts: (...u: string[]) => calls.push(`import ${u.join(',')}`),
      URL,
      Request,
    };
    self.self = self;
    runInNewContext(workerRuntime(cfg), self);
    (self.fetch as (u: string) => void)('https://shop.test/api?q=1');
    (self.fetch as (u: string) => void)('https://cdn.test/x');
    (self.fetch as (u: string) => void)('/relative');
    (self.importScripts as (...u: string[]) => void)('https://shop.test/lib.js');
    expect(calls).toEqual([
      'fetch http://abcdefghijklmnopqrstuvwxyz.cb.test:81/api?q=1',
      `fetch http://abcdefghijklmnopqrstuvwxyz.cb.test:81/__cb/go?u=${encodeURIComponent('https://cdn.test/x')}`,
      'fetch /relative',
      'import http://abcdefghijklmnopqrstuvwxyz.cb.test:81/lib.js',
    ]);
  });

  it('is for worker and shared worker scripts only', () => {
    expect(isWorkerScriptRequest({ 'sec-fetch-dest': 'worker' })).toBe(true);
    expect(isWorkerScriptRequest({ 'sec-fetch-dest': 'sharedworker' })).toBe(true);
    expect(isWorkerScriptRequest({ 'sec-fetch-dest': 'script' })).toBe(false);
  });
});
