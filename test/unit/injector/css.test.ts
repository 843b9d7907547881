import { describe, expect, it } from 'vitest';
import { rewriteCss, type UrlKind } from '../../../injector/index.ts';
import { testMapUrl } from './helpers.ts';

const baseUrl = 'https://site.example/css/main.css';
const css = (s: string): string => rewriteCss(s, { baseUrl, mapUrl: testMapUrl });

describe('rewriteCss url()', () => {
  it('rewrites unquoted, single- and double-quoted url()', () => {
    expect(css('a{b:url(https://i.example/a.png)}')).toBe('a{b:url(http://p-i-example.proxy.test/a.png)}');
    expect(css("a{b:url('https://i.example/a.png')}")).toBe("a{b:url('http://p-i-example.proxy.test/a.png')}");
    expect(css('a{b:url("https://i.example/a.png")}')).toBe('a{b:url("http://p-i-example.proxy.test/a.png")}');
  });

  it('keeps the whitespace inside url( … ) and the function name case', () => {
    expect(css('a{b:URL(  https://i.example/a.png  )}')).toBe('a{b:URL(  http://p-i-example.proxy.test/a.png  )}');
    expect(css('a{b:Url(\n"https://i.example/a.png"\n)}')).toBe('a{b:Url(\n"http://p-i-example.proxy.test/a.png"\n)}');
  });

  it('resolves protocol-relative URLs against the base scheme', () => {
    const seen: string[] = [];
    rewriteCss('a{b:url(//i.example/x.png)}', {
      baseUrl: 'http://site.example/',
      mapUrl: (u) => (seen.push(u), null),
    });
    expect(seen).toEqual(['http://i.example/x.png']);
  });

  it('leaves relative, fragment, data: and other schemes untouched', () => {
    const input =
      'a{b:url(x.png);c:url(/y.png);d:url(../z.png);e:url(#f);g:url(data:image/png;base64,AAAA);' +
      'h:url("data:image/svg+xml,<svg xmlns=\'http://www.w3.org/2000/svg\'/>");i:url(blob:https://s.example/1);j:url()}';
    expect(css(input)).toBe(input);
  });

  it('decodes escapes in the URL and re-escapes the output', () => {
    expect(css('a{b:url(https://i.example/a\\)b.png)}')).toBe('a{b:url(http://p-i-example.proxy.test/a\\)b.png)}');
    // \68 is "h": an escaped scheme is still an absolute URL.
    expect(css('a{b:url(\\68ttps://i.example/e.png)}')).toBe('a{b:url(http://p-i-example.proxy.test/e.png)}');
    expect(css('a{b:url("https://i.example/q\\"uote.png")}')).toBe(
      'a{b:url("http://p-i-example.proxy.test/q%22uote.png")}',
    );
    // An escaped newline in a string is a line continuation.
    expect(css('a{b:url("https://i.exa\\\nmple/c.png")}')).toBe('a{b:url("http://p-i-example.proxy.test/c.png")}');
    // An escaped function name is still url().
    expect(css('a{b:\\75 rl(https://i.example/f.png)}')).toBe('a{b:\\75 rl(http://p-i-example.proxy.test/f.png)}');
  });

  it('escapes characters the mapper returns that are special in CSS', () => {
    const mapUrl = (): string => "http://p.test/a b)c'd\"e\\f<g";
    expect(rewriteCss('x{y:url(https://a.example/)}', { baseUrl, mapUrl })).toBe(
      "x{y:url(http://p.test/a\\20 b\\)c\\'d\\\"e\\\\f\\3c g)}",
    );
    expect(rewriteCss('x{y:url("https://a.example/")}', { baseUrl, mapUrl })).toBe(
      'x{y:url("http://p.test/a b)c\'d\\"e\\\\f\\3c g")}',
    );
  });

  it('does not rewrite inside comments or ordinary strings', () => {
    const input = '/* url(https://c.example/a.png) */ a::before{content:"url(https://s.example/b.png)"}';
    expect(css(input)).toBe(input);
  });

  it('does not treat identifiers that merely end in url as url()', () => {
    const input = 'a{b:myurl(https://x.example/);c:-url(https://x.example/);d:10url(https://x.example/)}';
    expect(css(input)).toBe(input);
  });

  it('ignores bad urls', () => {
    const input = 'a{b:url(https://x.example/a b.png);c:url(https://x.example/"q)}';
    expect(css(input)).toBe(input);
  });

  it('rewrites image-set() strings and url()s', () => {
    expect(css('a{b:image-set("https://i.example/1.png" 1x, url(https://i.example/2.png) 2x)}')).toBe(
      'a{b:image-set("http://p-i-example.proxy.test/1.png" 1x, url(http://p-i-example.proxy.test/2.png) 2x)}',
    );
    expect(css("a{b:-webkit-image-set('//i.example/1.png' 1x)}")).toBe(
      "a{b:-webkit-image-set('http://p-i-example.proxy.test/1.png' 1x)}",
    );
    // Strings after the image-set closed are ordinary strings again.
    expect(css('a{b:image-set("x.png" 1x);content:"https://s.example/"}')).toBe(
      'a{b:image-set("x.png" 1x);content:"https://s.example/"}',
    );
  });
});

describe('rewriteCss @import', () => {
  it('rewrites @import "x", @import \'x\' and @import url(x) with kind style', () => {
    const kinds: [string, UrlKind][] = [];
    const out = rewriteCss(
      '@import "https://f.example/a.css";\n@import \'//f.example/b.css\' screen;\n@IMPORT url(https://f.example/c.css) layer(x);\n@import url("https://f.example/d.css");',
      { baseUrl, mapUrl: (u, k) => (kinds.push([u, k]), testMapUrl(u)) },
    );
    expect(out).toBe(
      '@import "http://p-f-example.proxy.test/a.css";\n@import \'http://p-f-example.proxy.test/b.css\' screen;\n@IMPORT url(http://p-f-example.proxy.test/c.css) layer(x);\n@import url("http://p-f-example.proxy.test/d.css");',
    );
    expect(kinds.map((k) => k[1])).toEqual(['style', 'style', 'style', 'style']);
  });

  it('uses kind resource for other url()s', () => {
    const kinds: UrlKind[] = [];
    rewriteCss('@import "a.css"; b{c:url(https://i.example/x.png)} @font-face{src:url(https://f.example/f.woff2)}', {
      baseUrl,
      mapUrl: (u, k) => (kinds.push(k), testMapUrl(u)),
    });
    expect(kinds).toEqual(['resource', 'resource']);
  });

  it('allows comments between @import and its URL', () => {
    expect(css('@import /* c */ "https://f.example/a.css";')).toBe('@import /* c */ "http://p-f-example.proxy.test/a.css";');
  });

  it('leaves relative imports and @namespace URIs alone', () => {
    const input =
      '@import "local.css";\n@import url(../up.css);\n@namespace url(http://www.w3.org/1999/xhtml);\n@namespace svg "http://www.w3.org/2000/svg";';
    expect(css(input)).toBe(input);
  });

  it('only the first URL of an @import is the stylesheet', () => {
    expect(css('@import url(https://f.example/a.css) supports(display: grid) "https://x.example/";')).toBe(
      '@import url(http://p-f-example.proxy.test/a.css) supports(display: grid) "https://x.example/";',
    );
  });
});

describe('rewriteCss robustness', () => {
  it('returns the input itself when nothing changes', () => {
    const input = 'a { color: red } b { background: url(x.png) }';
    expect(css(input)).toBe(input);
  });

  it('handles truncated input', () => {
    expect(css('a{b:url(https://i.example/x.png')).toBe('a{b:url(http://p-i-example.proxy.test/x.png');
    expect(css('a{b:url("https://i.example/x.png')).toBe('a{b:url("http://p-i-example.proxy.test/x.png');
    expect(css('a{b:url(')).toBe('a{b:url(');
    expect(css('/* unterminated url(https://x.example/)')).toBe('/* unterminated url(https://x.example/)');
    expect(css('@import "https://f.example/a.css\n;')).toBe('@import "https://f.example/a.css\n;'); // bad string
    expect(css('a\\')).toBe('a\\');
  });

  it('a null mapper leaves every byte in place', () => {
    const input = '@import "https://f.example/a.css"; a{b:url(https://i.example/x.png)}';
    expect(rewriteCss(input, { baseUrl, mapUrl: () => null })).toBe(input);
  });
});
