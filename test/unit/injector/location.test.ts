import { describe, expect, it } from 'vitest';
import { rewriteLocationHeader, rewriteRefreshHeader, type UrlKind } from '../../../injector/index.ts';
import { testMapUrl } from './helpers.ts';

const ctx = { pageUrl: 'https://shop.example/a/b.html', mapUrl: testMapUrl };

describe('rewriteLocationHeader', () => {
  it('maps absolute http(s) Locations', () => {
    expect(rewriteLocationHeader('https://shop.example/login?next=%2Fa', ctx)).toBe(
      'http://p-shop-example.proxy.test/login?next=%2Fa',
    );
    expect(rewriteLocationHeader('http://other.example:8443/x#y', ctx)).toBe('http://p-other-example-8443.proxy.test/x#y');
  });

  it('maps scheme-relative Locations using the request scheme', () => {
    const seen: string[] = [];
    rewriteLocationHeader('//cdn.example/x', { ...ctx, mapUrl: (u) => (seen.push(u), null) });
    rewriteLocationHeader('//cdn.example/y', { pageUrl: 'http://shop.example/', mapUrl: (u) => (seen.push(u), null) });
    expect(seen).toEqual(['https://cdn.example/x', 'http://cdn.example/y']);
  });

  it('keeps relative Locations: they resolve against the proxy URL', () => {
    for (const loc of ['/login', 'next.html', '?page=2', '#top', '../up', '2024/05/post']) {
      expect(rewriteLocationHeader(loc, ctx)).toBe(loc);
    }
  });

  it('keeps non-http Locations and unparsable ones', () => {
    for (const loc of ['mailto:a@example.com', 'ftp://files.example/', 'javascript:alert(1)', 'http://', '']) {
      expect(rewriteLocationHeader(loc, ctx)).toBe(loc);
    }
  });

  it('passes kind navigation and respects a null mapper', () => {
    const kinds: UrlKind[] = [];
    expect(rewriteLocationHeader('https://x.example/', { ...ctx, mapUrl: (_u, k) => (kinds.push(k), null) })).toBe(
      'https://x.example/',
    );
    expect(kinds).toEqual(['navigation']);
  });

  it('trims surrounding whitespace only when rewriting', () => {
    expect(rewriteLocationHeader('  https://x.example/a  ', ctx)).toBe('http://p-x-example.proxy.test/a');
  });
});

describe('Refresh header', () => {
  it('rewrites the URL part and keeps the rest', () => {
    expect(rewriteLocationHeader('5; url=https://next.example/p', ctx)).toBe('5; url=http://p-next-example.proxy.test/p');
    expect(rewriteRefreshHeader('0;URL="https://next.example/q"', ctx)).toBe('0;URL="http://p-next-example.proxy.test/q"');
    expect(rewriteRefreshHeader("3, 'https://next.example/r' ", ctx)).toBe("3, 'http://p-next-example.proxy.test/r' ");
    expect(rewriteRefreshHeader('1 https://next.example/s', ctx)).toBe('1 http://p-next-example.proxy.test/s');
  });

  it('leaves refreshes without URL or with a relative one', () => {
    for (const v of ['5', '5;', '0; url=/x', '2.5; url=next.html', 'x; url=https://n.example/']) {
      expect(rewriteRefreshHeader(v, ctx)).toBe(v);
    }
  });
});
