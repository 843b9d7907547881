import { describe, expect, it } from 'vitest';
import { rewriteHtml, rewriteSrcset } from '../../../injector/index.ts';
import { testMapUrl } from './helpers.ts';

/** Collects candidate URLs through the rewriter's own callback; maps absolute ones to `P(...)`. */
function run(srcset: string): { urls: string[]; out: string | null } {
  const urls: string[] = [];
  const out = rewriteSrcset(srcset, (u) => {
    urls.push(u);
    return /^https?:/.test(u) ? 'P(' + u + ')' : null;
  });
  return { urls, out };
}

describe('rewriteSrcset', () => {
  it('splits candidates on commas after descriptors', () => {
    expect(run('a.png 1x, https://x.example/b.png 2x')).toEqual({
      urls: ['a.png', 'https://x.example/b.png'],
      out: 'a.png 1x, P(https://x.example/b.png) 2x',
    });
  });

  it('keeps commas inside URLs (data: URLs) and strips trailing separator commas', () => {
    expect(run('data:image/png;base64,AA,BB 1x,https://x.example/c.png,').urls).toEqual([
      'data:image/png;base64,AA,BB',
      'https://x.example/c.png',
    ]);
  });

  it('a URL glued to the next one by a comma without space is a single URL (per spec)', () => {
    expect(run('https://x.example/a.png,https://x.example/b.png 2x').urls).toEqual([
      'https://x.example/a.png,https://x.example/b.png',
    ]);
  });

  it('ignores commas inside descriptor parentheses', () => {
    expect(run('https://x.example/a.png (1, 2) 1x, b.png 2x').urls).toEqual(['https://x.example/a.png', 'b.png']);
  });

  it('handles empty, whitespace-only and comma-only values', () => {
    for (const v of ['', '   ', ',', ' , ,, ']) expect(run(v)).toEqual({ urls: [], out: null });
  });

  it('preserves surrounding whitespace and newlines exactly', () => {
    expect(run('\n  https://x.example/a.png\n  1x ,\tb.png').out).toBe('\n  P(https://x.example/a.png)\n  1x ,\tb.png');
  });

  it('returns null when nothing changes', () => {
    expect(run('a.png 1x, b.png 2x').out).toBeNull();
  });

  it('percent-encodes whitespace and trailing commas a mapper might return', () => {
    expect(rewriteSrcset('https://x.example/a.png 1x', () => 'http://p.test/a b,,')).toBe('http://p.test/a%20b%2C%2C 1x');
  });

  it('is applied to img/source srcset and link imagesrcset only', () => {
    const html =
      '<img srcset="https://x.example/1.png 1x"><source srcset="//x.example/2.png"><link rel=preload as=image imagesrcset="https://x.example/3.png 2x"><div srcset="https://x.example/4.png">';
    expect(rewriteHtml(html, { pageUrl: 'https://s.example/', mapUrl: testMapUrl })).toBe(
      '<img srcset="http://p-x-example.proxy.test/1.png 1x"><source srcset="http://p-x-example.proxy.test/2.png"><link rel=preload as=image imagesrcset="http://p-x-example.proxy.test/3.png 2x"><div srcset="https://x.example/4.png">',
    );
  });
});
