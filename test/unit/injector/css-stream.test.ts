import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createCssRewriteStream, rewriteCss } from '../../../injector/index.ts';
import { testMapUrl } from './helpers.ts';

const ctx = { baseUrl: 'https://site.example/css/main.css', mapUrl: testMapUrl };

function streamed(css: string, cuts: number[]): string {
  const s = createCssRewriteStream(ctx);
  let out = '';
  let last = 0;
  for (const c of [...cuts].sort((a, b) => a - b)) {
    out += s.push(css.slice(last, c));
    last = c;
  }
  out += s.push(css.slice(last));
  return out + s.end();
}

const SAMPLE =
  '@import "https://f.example/a.css";\n' +
  "@import url( '//f.example/b.css' ) screen;\n" +
  '@namespace svg url(http://www.w3.org/2000/svg);\n' +
  '/* url(https://comment.example/x.png) */\n' +
  'a{background:url(https://i.example/a\\)b.png) no-repeat;content:"url(https://no.example/)"}\n' +
  'b{background:URL(  "https://i.example/q.png"  )}\n' +
  '\\75 rl(https://i.example/esc.png) c{d:image-set("https://i.example/1x.png" 1x, url(//i.example/2x.png) 2x)}\n' +
  'e{f:url(\\68ttps://i.example/hex\\2e png)}\n' +
  'g{h:url(data:image/png;base64,AAAA);i:url(rel.png)}';

// CSS-ish pieces chosen to split escapes, comments, strings and url( across chunk borders.
const piece = fc.constantFrom(
  'url(',
  'URL(',
  ')',
  '"',
  "'",
  '\\',
  '\\29 ',
  '\\75 rl(',
  '/*',
  '*/',
  '@import ',
  '@namespace ',
  'image-set(',
  'https://a.example/x.png',
  '//b.example/y',
  'rel.png',
  'data:,x',
  ' ',
  '\n',
  '\r\n',
  '\r',
  '\f',
  '41',
  'fe',
  ';',
  '{',
  '}',
  'a',
  '1x',
  ',',
  '(',
  'é',
  '😀',
);
const cssArb = fc.array(piece, { maxLength: 40 }).map((xs) => xs.join(''));

describe('createCssRewriteStream', () => {
  it('one chunk equals rewriteCss', () => {
    expect(streamed(SAMPLE, [])).toBe(rewriteCss(SAMPLE, ctx));
  });

  it('a split at every position gives the same output', () => {
    const expected = rewriteCss(SAMPLE, ctx);
    expect(expected).not.toBe(SAMPLE);
    for (let i = 0; i <= SAMPLE.length; i++) {
      expect(streamed(SAMPLE, [i]), `split at ${i}`).toBe(expected);
    }
  });

  it('one character at a time gives the same output', () => {
    const cuts = Array.from({ length: SAMPLE.length }, (_, i) => i);
    expect(streamed(SAMPLE, cuts)).toBe(rewriteCss(SAMPLE, ctx));
  });

  it('any chunking of generated CSS matches rewriteCss (property)', () => {
    fc.assert(
      fc.property(cssArb, fc.array(fc.nat(), { maxLength: 6 }), (css, rawCuts) => {
        const cuts = rawCuts.map((c) => (css.length === 0 ? 0 : c % (css.length + 1)));
        expect(streamed(css, cuts)).toBe(rewriteCss(css, ctx));
      }),
      { numRuns: 2000 },
    );
  });

  it('every single split position of generated CSS matches rewriteCss (property)', () => {
    fc.assert(
      fc.property(cssArb, (css) => {
        const expected = rewriteCss(css, ctx);
        for (let i = 0; i <= css.length; i++) expect(streamed(css, [i])).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('handles a url( split right after the paren and a large body', () => {
    const big = 'a{b:url(https://i.example/' + 'x'.repeat(200_000) + '.png)}';
    const s = createCssRewriteStream(ctx);
    const out = s.push(big.slice(0, 8)) + s.push(big.slice(8, 100_000)) + s.push(big.slice(100_000)) + s.end();
    expect(out).toBe(rewriteCss(big, ctx));
    expect(out.startsWith('a{b:url(http://p-i-example.proxy.test/xxx')).toBe(true);
  });

  it('stays linear for a huge token fed in tiny chunks', () => {
    const css = 'a{b:url(data:image/png;base64,' + 'A'.repeat(2_000_000) + ')} c{d:url(https://i.example/x.png)}';
    const s = createCssRewriteStream(ctx);
    const t0 = performance.now();
    let out = '';
    for (let i = 0; i < css.length; i += 512) out += s.push(css.slice(i, i + 512));
    out += s.end();
    expect(out).toBe(rewriteCss(css, ctx));
    expect(performance.now() - t0).toBeLessThan(3000);
  });

  it('emits output before the end when tokens are complete', () => {
    const s = createCssRewriteStream(ctx);
    const first = s.push('a{b:url(https://i.example/1.png)} c{d:url(https://i.exa');
    expect(first).toBe('a{b:url(http://p-i-example.proxy.test/1.png)} c{d:');
    expect(s.push('mple/2.png)}') + s.end()).toBe('url(http://p-i-example.proxy.test/2.png)}');
  });
});
