import fc from 'fast-check';
import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { rewriteCss, rewriteHtml, rewriteLocationHeader } from '../../../injector/index.ts';
import { testMapUrl } from './helpers.ts';

const pageUrl = 'https://shop.example/a/b.html';

// Tags with URL-bearing attributes in every quoting style, so a good share of runs rewrite.
const quote = fc.constantFrom('"', "'", '');
const urlValue = fc.constantFrom(
  'https://x.example/a?b=1&amp;c',
  '//y.example/z',
  'rel.png',
  'javascript:x',
  '&#x68;ttps://e.example/',
  'https://x.example/a b',
  "https://x.example/it's",
  'https://x.example/1.png 1x, //y.example/2.png 2x',
  '0; url=https://r.example/',
  'background:url(https://b.example/)',
);
const tagName = fc.constantFrom('a', 'img', 'link', 'script', 'iframe', 'form', 'source', 'base', 'svg', 'use', 'div', 'meta', 'video', 'A', 'IMG');
const attrName = fc.constantFrom('href', 'src', 'srcset', 'action', 'style', 'xlink:href', 'integrity', 'poster', 'data', 'content', 'http-equiv', 'rel', 'HREF', 'srcdoc');
const attr = fc.tuple(attrName, quote, urlValue).map(([n, q, v]) => ` ${n}=${q}${v}${q}`);
const tag = fc
  .tuple(tagName, fc.array(attr, { maxLength: 4 }), fc.constantFrom('>', '/>', ' >', ''))
  .map(([t, as, end]) => `<${t}${as.join('')}${end}`);

// Fragments that hit tokenizer edge cases when glued together at random.
const fragment = fc.oneof(
  fc.constantFrom(
    '<a href=',
    '<A HREF="',
    '<img src=\'',
    '<img srcset="',
    '<link rel=stylesheet href=',
    '<base href="',
    '<meta http-equiv=refresh content="',
    '<iframe srcdoc="',
    '<svg>',
    '</svg>',
    '<use xlink:href=',
    '<style>',
    '</style>',
    '<script>',
    '</script>',
    '<textarea>',
    '<template>',
    '<head>',
    '<html>',
    '<!--',
    '-->',
    '<!doctype html>',
    '<![CDATA[',
    '<?xml ?>',
    '\uFEFF',
    'https://x.example/a?b=1&amp;c',
    '//y.example/z',
    'url(https://u.example/)',
    '@import "https://i.example/";',
    'javascript:',
    '&#x68;ttp://',
    '&quot;',
    '&',
    '"',
    "'",
    '=',
    '>',
    '/>',
    '<',
    '</',
    ' ',
    '\n',
    '\t',
    ', ',
    ' 2x',
    'integrity=x ',
    'style="background:url(',
    ')"',
    '😀',
  ),
  fc.string({ maxLength: 8 }),
);
const htmlPiece = fc.oneof({ weight: 2, arbitrary: tag }, { weight: 3, arbitrary: fragment });
const htmlArb = fc.array(htmlPiece, { maxLength: 60 }).map((xs) => xs.join(''));

function tagShape(html: string): string[] {
  const shape: string[] = [];
  new Parser({
    onopentag(name, attrs) {
      shape.push(name + '[' + Object.keys(attrs).filter((a) => a !== 'integrity').join(',') + ']');
    },
  }).end(html);
  return shape;
}

describe('property: random HTML-ish input', () => {
  it('never throws, with or without head injection', () => {
    fc.assert(
      fc.property(htmlArb, fc.boolean(), (html, inject) => {
        const out = rewriteHtml(html, { pageUrl, mapUrl: testMapUrl, injectHead: inject ? '<script></script>' : undefined });
        expect(typeof out).toBe('string');
      }),
      { numRuns: 3000 },
    );
  });

  it('fully random strings never throw', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (html) => {
        rewriteHtml(html, { pageUrl, mapUrl: testMapUrl, injectHead: '<x>' });
        rewriteCss(html, { baseUrl: pageUrl, mapUrl: testMapUrl });
        rewriteLocationHeader(html, { pageUrl, mapUrl: testMapUrl });
      }),
      { numRuns: 2000 },
    );
  });

  it('a null mapper leaves the input byte-identical', () => {
    fc.assert(
      fc.property(htmlArb, (html) => {
        expect(rewriteHtml(html, { pageUrl, mapUrl: () => null })).toBe(html);
      }),
      { numRuns: 2000 },
    );
  });

  it('rewriting keeps the element/attribute structure', () => {
    fc.assert(
      fc.property(htmlArb, (html) => {
        expect(tagShape(rewriteHtml(html, { pageUrl, mapUrl: testMapUrl }))).toEqual(tagShape(html));
      }),
      { numRuns: 2000 },
    );
  });

  it('mapper output with markup-significant characters cannot break out of the attribute', () => {
    const evil = (): string => `http://p.test/"'><script>x</script>&amp; `;
    fc.assert(
      fc.property(htmlArb, (html) => {
        expect(tagShape(rewriteHtml(html, { pageUrl, mapUrl: evil }))).toEqual(tagShape(html));
      }),
      { numRuns: 1000 },
    );
  });
});
