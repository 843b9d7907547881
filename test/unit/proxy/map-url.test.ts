// The proxy's URL mapper slices the origin off normalized hrefs instead of parsing them again; it
// must give exactly what the URL parser gives, for every input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createUrlMapper, normalizedOriginEnd } from '../../../gateway/proxy/map-url.ts';

const registry = () => ({ proxyOrigin: (sid: string, o: string) => `http://${sid}-${Buffer.from(o).toString('hex')}.proxy.test:81` });
const PARENT = 'http://cobrowse.localhost:8080';

/** The reference: parse, check the scheme and the gateway's origin, keep path, query and fragment. */
function slow(abs: string): string | null {
  try {
    const u = new URL(abs);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.origin === PARENT) return null;
    return registry().proxyOrigin('s1', u.origin) + u.pathname + u.search + u.hash;
  } catch {
    return null;
  }
}

const CASES = [
  'http://a.example/x',
  'https://a.example/',
  'https://a.example:443/x',
  'http://a.example:80/x',
  'http://a.example:8080/x?y#z',
  'http://A.example/x',
  'http://user:pw@a.example/x',
  'http://a.example',
  'http://[::1]:8080/x',
  'http://127.0.0.1:3000/a/b',
  'http://xn--caf-dma.example/x',
  'http://a.example:0/x',
  'http://a.example:65536/x',
  'http://a.example:/x',
  'http://cobrowse.localhost:8080/start',
  'http://a%41.example/',
  'ftp://a.example/',
  'javascript:alert(1)',
  'http://a.example\\x',
  'https://a.example:4430/',
  'http://a..example/',
  'http://:80/',
];

describe('proxy URL mapper', () => {
  it('maps like the URL parser on hand-picked inputs', () => {
    const map = createUrlMapper(registry, 's1', PARENT);
    for (const c of CASES) expect(map(c), c).toBe(slow(c));
  });

  it('maps like the URL parser on normalized and arbitrary URLs', () => {
    const map = createUrlMapper(registry, 's1', PARENT);
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string(), fc.webUrl().map((u) => new URL(u).href)), (u) => {
        expect(map(u)).toBe(slow(u));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the fast path only for normalized hrefs', () => {
    expect(normalizedOriginEnd('http://a.example:8080/x')).toBe('http://a.example:8080'.length);
    expect(normalizedOriginEnd('https://a.example/')).toBe('https://a.example'.length);
    for (const c of ['http://A.example/', 'http://u@a.example/', 'http://a.example:80/', 'http://[::1]/', 'http://a.example']) expect(normalizedOriginEnd(c), c).toBe(-1);
  });
});
