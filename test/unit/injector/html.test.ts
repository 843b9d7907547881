import { describe, expect, it } from 'vitest';
import { rewriteHtml, type RewriteContext, type UrlKind } from '../../../injector/index.ts';
import { testMapUrl } from './helpers.ts';

const pageUrl = 'https://shop.example/a/b.html';
const rw = (html: string, extra: Partial<RewriteContext> = {}): string =>
  rewriteHtml(html, { pageUrl, mapUrl: testMapUrl, ...extra });

function calls(html: string, extra: Partial<RewriteContext> = {}): [string, UrlKind][] {
  const seen: [string, UrlKind][] = [];
  rewriteHtml(html, { pageUrl, ...extra, mapUrl: (u, k) => (seen.push([u, k]), null) });
  return seen;
}

describe('rewriteHtml kinds', () => {
  it.each<[string, UrlKind]>([
    ['<a href="https://x.example/">', 'navigation'],
    ['<area href="https://x.example/">', 'navigation'],
    ['<form action="https://x.example/">', 'form'],
    ['<button formaction="https://x.example/">', 'form'],
    ['<input formaction="https://x.example/">', 'form'],
    ['<img src="https://x.example/">', 'resource'],
    ['<img srcset="https://x.example/ 2x">', 'resource'],
    ['<source src="https://x.example/">', 'resource'],
    ['<video poster="https://x.example/">', 'resource'],
    ['<track src="https://x.example/">', 'resource'],
    ['<script src="https://x.example/">', 'script'],
    ['<link rel="stylesheet" href="https://x.example/">', 'style'],
    ['<link rel="Alternate StyleSheet" href="https://x.example/">', 'style'],
    ['<link rel="preload" as="script" href="https://x.example/">', 'script'],
    ['<link rel="preload" as="style" href="https://x.example/">', 'style'],
    ['<link rel="preload" as="font" href="https://x.example/">', 'resource'],
    ['<link rel="modulepreload" href="https://x.example/">', 'script'],
    ['<link rel="icon" href="https://x.example/">', 'resource'],
    ['<link rel="canonical" href="https://x.example/">', 'navigation'],
    ['<iframe src="https://x.example/">', 'frame'],
    ['<frame src="https://x.example/">', 'frame'],
    ['<object data="https://x.example/">', 'frame'],
    ['<embed src="https://x.example/">', 'frame'],
    ['<meta http-equiv="refresh" content="0;url=https://x.example/">', 'navigation'],
    ['<base href="https://x.example/">', 'navigation'],
    ['<div style="background:url(https://x.example/)">', 'resource'],
    ['<style>@import "https://x.example/";</style>', 'style'],
    ['<svg><use href="https://x.example/"/></svg>', 'resource'],
    ['<svg><a href="https://x.example/"></a></svg>', 'navigation'],
    ['<svg><script xlink:href="https://x.example/"></script></svg>', 'script'],
  ])('%s → %s', (html, kind) => {
    expect(calls(html)).toEqual([['https://x.example/', kind]]);
  });
});

describe('rewriteHtml URLs', () => {
  it('passes the mapper normalized absolute URLs', () => {
    expect(calls('<a href=" HTTPS://X.Example:443/a/../b?q#h ">').map((c) => c[0])).toEqual(['https://x.example/b?q#h']);
  });

  it('leaves an attribute byte-identical when the mapper returns the same URL', () => {
    const html = '<a href="https://x.example/?a=1&amp;b=2">';
    expect(rewriteHtml(html, { pageUrl, mapUrl: (u) => u })).toBe(html);
  });

  it('re-encodes the replacement for the attribute quoting', () => {
    const mapUrl = (): string => "http://p.test/it's&\"q\" x";
    expect(rewriteHtml(`<a href='https://x.example/'>`, { pageUrl, mapUrl })).toBe(
      `<a href='http://p.test/it&#39;s&amp;"q" x'>`,
    );
    expect(rewriteHtml(`<a href="https://x.example/">`, { pageUrl, mapUrl })).toBe(
      `<a href="http://p.test/it's&amp;&quot;q&quot; x">`,
    );
    expect(rewriteHtml(`<a href=https://x.example/>`, { pageUrl, mapUrl })).toBe(
      `<a href="http://p.test/it's&amp;&quot;q&quot; x">`,
    );
  });

  it('does not rewrite script, style-less raw text, textarea, title, comments or text', () => {
    const html =
      '<title>https://t.example/</title><script>x="<a href=\'https://s.example/\'>"</script>' +
      '<textarea><a href="https://ta.example/"></textarea><!-- <a href="https://c.example/"> -->' +
      '<p>https://p.example/</p><xmp><a href="https://xmp.example/"></xmp>';
    expect(rw(html)).toBe(html);
  });

  it('rewrites attributes of template content, but not its text', () => {
    expect(rw('<template>https://t.example/<img src="https://i.example/x.png"></template>')).toBe(
      '<template>https://t.example/<img src="http://p-i-example.proxy.test/x.png"></template>',
    );
  });

  it('rewrites <style> text up to EOF when unterminated', () => {
    expect(rw('<style>a{b:url(https://i.example/x.png)}')).toBe('<style>a{b:url(http://p-i-example.proxy.test/x.png)}');
  });

  it('only treats href as a URL inside <svg> for non-link elements', () => {
    expect(rw('<svg><g href="https://x.example/1"/></svg><g href="https://x.example/2"></g><svg/><g href="https://x.example/3">')).toBe(
      '<svg><g href="http://p-x-example.proxy.test/1"/></svg><g href="https://x.example/2"></g><svg/><g href="https://x.example/3">',
    );
  });

  it('rewrites srcdoc documents recursively and leaves them alone with a null mapper', () => {
    const html = '<iframe srcdoc="<a href=&quot;https://x.example/&quot;>x</a>"></iframe>';
    expect(rw(html)).toBe('<iframe srcdoc="<a href=&quot;http://p-x-example.proxy.test/&quot;>x</a>"></iframe>');
    expect(rewriteHtml(html, { pageUrl, mapUrl: () => null })).toBe(html);
  });

  it('does not decode legacy entities followed by = or alphanumerics', () => {
    expect(calls('<a href="https://x.example/?a=1&copy=2&lang=en&amp;x=1&not;">').map((c) => c[0])).toEqual([
      'https://x.example/?a=1&copy=2&lang=en&x=1%C2%AC',
    ]);
  });
});

describe('rewriteHtml base', () => {
  it('resolves scheme-relative URLs against the first <base href>', () => {
    const seen = calls(
      '<base href="https://cdn.example/x/"><base href="http://ignored.example/"><img src="//i.example/a.png"><img src="rel.png">',
      { pageUrl: 'http://shop.example/' },
    ).map((c) => c[0]);
    expect(seen).toEqual(['https://cdn.example/x/', 'http://ignored.example/', 'https://i.example/a.png']);
  });

  it('resolves a relative base against the page URL and leaves it unmapped', () => {
    expect(rw('<base href="/sub/"><img src="x.png">')).toBe('<base href="/sub/"><img src="x.png">');
  });

  it('URLs before <base> use the page URL', () => {
    const seen = calls('<img src="//i.example/1.png"><base href="http://cdn.example/"><img src="//i.example/2.png">');
    expect(seen.map((c) => c[0])).toEqual(['https://i.example/1.png', 'http://cdn.example/', 'http://i.example/2.png']);
  });

  it('ignores a base href that does not parse', () => {
    const seen = calls('<base href="http://[::1"><img src="//i.example/a.png">');
    expect(seen.map((c) => c[0])).toEqual(['https://i.example/a.png']);
  });
});

describe('rewriteHtml integrity and CSP', () => {
  it('drops integrity only where a URL was rewritten, wherever it sits', () => {
    expect(rw('<script integrity="sha-1" src="https://c.example/a.js" crossorigin></script><script src="/b.js" integrity="sha-2"></script>')).toBe(
      '<script src="http://p-c-example.proxy.test/a.js" crossorigin></script><script src="/b.js" integrity="sha-2"></script>',
    );
    expect(rw('<link href="https://c.example/a.css"\n\tintegrity=sha-3 rel=stylesheet>')).toBe(
      '<link href="http://p-c-example.proxy.test/a.css" rel=stylesheet>',
    );
  });

  it('keeps integrity when the mapper declines', () => {
    const html = '<script src="https://c.example/a.js" integrity="sha-1"></script>';
    expect(rewriteHtml(html, { pageUrl, mapUrl: () => null })).toBe(html);
  });

  it('removes CSP meta elements, any case, even with a null mapper', () => {
    expect(
      rewriteHtml('<head><meta http-equiv="content-security-policy" content="x"><META Http-Equiv=Content-Security-Policy CONTENT=y/><meta name=x>', {
        pageUrl,
        mapUrl: () => null,
      }),
    ).toBe('<head><meta name=x>');
  });
});

describe('rewriteHtml head injection', () => {
  const inject = '<script src="/__cb/overlay.js"></script>';
  const ih = (html: string): string => rw(html, { injectHead: inject });

  it.each([
    ['', '<head>' + inject],
    ['   \n', '   \n<head>' + inject],
    ['<!doctype html><!--c-->', '<!doctype html><!--c--><head>' + inject],
    ['<html>', '<html><head>' + inject],
    ['<html><head', '<html><head>' + inject + '<head'],
    ['<HTML><HEAD>', '<HTML><HEAD>' + inject],
    ['<head/>', '<head/>' + inject],
    ['\uFEFF<p>x', '\uFEFF<head>' + inject + '<p>x'],
    ['</p>x', '<head>' + inject + '</p>x'],
    ['<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head>', '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head>' + inject],
    ['<p>a</p><head><title>late head</title>', '<head>' + inject + '<p>a</p><head><title>late head</title>'],
    ['<meta http-equiv="Content-Security-Policy" content="x"><title>t</title>', '<head>' + inject + '<title>t</title>'],
  ])('%j', (html, expected) => {
    expect(ih(html)).toBe(expected);
  });

  it('injects exactly once', () => {
    const out = ih('<html><head></head><head></head><body><head></head></body></html>');
    expect(out.split(inject).length).toBe(2);
  });

  it('does not inject without injectHead or with an empty one', () => {
    expect(rw('<html><head></head></html>', { injectHead: '' })).toBe('<html><head></head></html>');
  });
});

describe('rewriteHtml identity', () => {
  it('a null mapper and no injection returns the very same string', () => {
    const html =
      '\uFEFF<!DOCTYPE html><HTML><head><base href="https://b.example/"><link rel=stylesheet href="https://c.example/a.css" integrity=x>' +
      '<style>a{b:url(https://i.example/x.png)}</style></head><body background=//i.example/b.png>' +
      '<a href=\'https://x.example/?a=1&amp;b=2\'>x</a><img srcset="https://i.example/1.png 1x, //i.example/2.png 2x">' +
      '<div style="background:url(&quot;https://i.example/s.png&quot;)"></div><svg><use xlink:href="https://x.example/s.svg#a"/></svg>' +
      '<meta http-equiv=refresh content="0;url=https://x.example/"><iframe srcdoc="<img src=https://i.example/z.png>"></iframe>';
    expect(rewriteHtml(html, { pageUrl, mapUrl: () => null })).toBe(html);
  });
});

describe('rewriteHtml with an unusable pageUrl', () => {
  it('still maps absolute URLs and skips scheme-relative ones', () => {
    expect(rewriteHtml('<a href="https://x.example/">a</a><a href="//y.example/">b</a>', { pageUrl: 'not a url', mapUrl: testMapUrl })).toBe(
      '<a href="http://p-x-example.proxy.test/">a</a><a href="//y.example/">b</a>',
    );
  });
});
