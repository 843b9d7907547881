// rewriteHtmlUtf8 (the gateway's path for UTF-8 pages: the page stays bytes, one char per byte)
// must answer exactly the UTF-8 encoding of what rewriteHtml answers on the decoded page: on every
// golden fixture, every htmlparser-benchmark page, and random HTML-ish input with multi-byte
// characters placed in tag names, attribute values, URLs, CSS and text.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { rewriteHtml, rewriteHtmlUtf8, type RewriteContext } from '../../../injector/index.ts';
import { corpusFiles, testMapUrl } from './helpers.ts';

const pageUrl = 'https://shop.example/a/b.html';
const decode = (b: Buffer) => new TextDecoder('utf-8').decode(b); // drops a BOM, like the gateway's decode

/** Both paths on the same bytes; returns [bytes path, string path encoded]. */
function both(bytes: Buffer, ctx: RewriteContext): [Buffer, Buffer] {
  return [rewriteHtmlUtf8(bytes, ctx), Buffer.from(rewriteHtml(decode(bytes), ctx), 'utf8')];
}

const root = fileURLToPath(new URL('../../fixtures/rewrite/', import.meta.url));
const golden = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('rewriteHtmlUtf8 equals rewriteHtml encoded', () => {
  it('on every golden fixture', () => {
    expect(golden.length).toBeGreaterThanOrEqual(20);
    for (const name of golden) {
      const dir = join(root, name);
      const ctxFile = join(dir, 'ctx.json');
      const c = existsSync(ctxFile) ? JSON.parse(readFileSync(ctxFile, 'utf8')) : {};
      const [a, b] = both(readFileSync(join(dir, 'input.html')), { pageUrl: c.pageUrl ?? pageUrl, mapUrl: testMapUrl, injectHead: c.injectHead });
      expect(a.equals(b), name).toBe(true);
    }
  });

  it('on every htmlparser-benchmark page, with a non-ASCII head injection', () => {
    const files = corpusFiles();
    expect(files.length).toBeGreaterThan(100);
    for (const f of files) {
      const [a, b] = both(Buffer.from(f.html, 'utf8'), { pageUrl, mapUrl: testMapUrl, injectHead: '<script>window.__x="café ✓ 😀"</script>' });
      expect(a.equals(b), f.name).toBe(true);
    }
  });

  it('drops a UTF-8 BOM as a decoder does, and answers the input itself when nothing changes', () => {
    const [a, b] = both(Buffer.from('\uFEFF<p>é</p>', 'utf8'), { pageUrl, mapUrl: testMapUrl, injectHead: '<x>' });
    expect(a.equals(b)).toBe(true);
    expect(a.toString('utf8')).toBe('<head><x><p>é</p>');
    const plain = Buffer.from('<p>é <a href="/x">y</a></p>', 'utf8');
    expect(rewriteHtmlUtf8(plain, { pageUrl, mapUrl: testMapUrl })).toBe(plain);
  });

  it('decodes multi-byte values it rewrites (IDN host, path, entities, CSS) and encodes its edits', () => {
    const html = `<a href="https://bücher.example/ä?q=ü&amp;r=✓">x</a><div style="background:url('https://x.example/é.png')">ü</div><style>a{background:url(https://x.example/😀.png)}</style><img srcset="https://x.example/ö.png 2x">`;
    const [a, b] = both(Buffer.from(html, 'utf8'), { pageUrl, mapUrl: testMapUrl });
    expect(a.toString('utf8')).toBe(b.toString('utf8'));
    expect(a.toString('utf8')).toContain('xn--bcher-kva');
    expect(a.toString('utf8')).toContain('%C3%A4');
  });
});

// Random HTML-ish input, multi-byte characters mixed into the markup.
const wide = fc.constantFrom('é', 'ü', '✓', '😀', '\u00a0', '\u2028', '\uFEFF', 'Ā', '中文');
const piece = fc.oneof(
  fc.constantFrom(
    '<a href="https://x.example/',
    '<a href=https://y.example/',
    "<img src='//z.example/",
    '<img srcset="https://x.example/1.png 1x, //y.example/',
    '<link rel=stylesheet href=',
    '<base href="https://b.example/',
    '<meta http-equiv=refresh content="0; url=https://r.example/',
    '<iframe srcdoc="<a href=&quot;https://s.example/',
    '<div style="background:url(https://u.example/',
    '<style>a{background:url(https://v.example/',
    '</style>',
    '<script>var s="',
    '</script>',
    '<svg><use xlink:href="https://w.example/',
    '</svg>',
    '<head>',
    '<html>',
    '<!--',
    '-->',
    '<!doctype html>',
    '&eacute;',
    '&#x1F600;',
    '&amp;',
    '"',
    "'",
    '>',
    '/>',
    '<',
    '</',
    ' ',
    '\n',
    ')',
  ),
  wide,
  fc.string({ maxLength: 6 }),
);
const htmlArb = fc.array(piece, { maxLength: 50 }).map((xs) => xs.join(''));

describe('property: rewriteHtmlUtf8 on random input', () => {
  it('equals rewriteHtml encoded, with and without head injection', () => {
    fc.assert(
      fc.property(htmlArb, fc.boolean(), (html, inject) => {
        const ctx = { pageUrl, mapUrl: testMapUrl, injectHead: inject ? '<script>"ü"</script>' : undefined };
        const [a, b] = both(Buffer.from(html, 'utf8'), ctx);
        expect(a.toString('utf8')).toBe(b.toString('utf8'));
        expect(a.equals(b)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('invalid UTF-8 passes through and reads as the string path reads it', () => {
    const junk = fc.constantFrom(Buffer.from([0xc3]), Buffer.from([0xe2, 0x82]), Buffer.from([0xa9]), Buffer.from([0xff]), Buffer.from([0xf0, 0x9f, 0x98]));
    fc.assert(
      fc.property(fc.array(fc.oneof(htmlArb.map((s) => Buffer.from(s, 'utf8')), junk), { maxLength: 12 }), (parts) => {
        const bytes = Buffer.concat(parts);
        const ctx = { pageUrl, mapUrl: testMapUrl, injectHead: '<x>' };
        const [a, b] = both(bytes, ctx);
        expect(decode(a)).toBe(decode(b));
      }),
      { numRuns: 2000 },
    );
  });
});
