import { describe, expect, it } from 'vitest';
import { jsonForScript, renderShellPage } from '../../../visitor-shell/src/shell-page.ts';

const base = {
  sessionId: 'abc_DEF-123',
  wsUrl: 'ws://127.0.0.1:8080/ws/visitor?sid=abc_DEF-123',
  assetBase: '/assets',
  proxyOriginSuffix: '.localhost:8081',
  siteId: 'demo',
  entryUrl: 'http://localhost:8082/products?a=1&b=2',
};

function config(html: string): unknown {
  const m = /<script type="application\/json" id="cb-config"[^>]*>([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no config');
  return JSON.parse(m[1]);
}

describe('renderShellPage', () => {
  it('loads the stylesheet and script from assetBase and carries the config as JSON', () => {
    const html = renderShellPage(base);
    expect(html).toContain('<link rel="stylesheet" href="/assets/shell-style.css">');
    expect(html).toContain('<script src="/assets/shell.js" defer></script>');
    expect(config(html)).toEqual({ ...base });
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
  });

  it('cannot be broken out of by hostile values', () => {
    const evil = '</script><script>alert(1)</script><!--';
    const html = renderShellPage({ ...base, siteId: evil, entryUrl: `https://x.example/"><img src=x onerror=alert(1)>${evil}`, nonce: '"><b>' });
    expect(html).not.toContain('<script>alert(1)');
    expect(html).not.toContain('<img src=x');
    expect(html).not.toContain('<b>');
    expect((config(html) as { siteId: string }).siteId).toBe(evil);
    expect(html.match(/<script/g)?.length).toBe(2);
  });

  it('puts the nonce on script and style elements', () => {
    const html = renderShellPage({ ...base, nonce: 'n0nce' });
    expect(html.match(/nonce="n0nce"/g)?.length).toBe(3);
  });

  it('json for script escapes markup and line separators', () => {
    expect(jsonForScript({ a: '<>&\u2028\u2029' })).toBe('{"a":"\\u003c\\u003e\\u0026\\u2028\\u2029"}');
  });
});
