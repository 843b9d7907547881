import { describe, expect, it } from 'vitest';
import { proxifyUrl, proxifyWsUrl, type ProxyContext } from '../../../visitor-shell/src/overlay/proxify.ts';

const ctx: ProxyContext = {
  proxyOrigin: 'http://abcdefghijklmnopqrstuvwxyz.localhost:8081',
  realOrigin: 'https://shop.example',
  realBase: 'https://shop.example/products/lamp?x=1',
};
const P = ctx.proxyOrigin;

describe('proxifyUrl', () => {
  it('leaves relative URLs alone', () => {
    for (const u of ['/cart', 'cart', '?q=1', '#top', '../a/b.png', '']) expect(proxifyUrl(u, ctx)).toBe(u);
  });

  it('maps the real origin to the same path on the proxy origin', () => {
    expect(proxifyUrl('https://shop.example/api/items?page=2#x', ctx)).toBe(`${P}/api/items?page=2#x`);
    expect(proxifyUrl('https://shop.example:443/a', ctx)).toBe(`${P}/a`);
  });

  it('resolves protocol-relative URLs against the real page (https), not the proxy (http)', () => {
    expect(proxifyUrl('//shop.example/a.js', ctx)).toBe(`${P}/a.js`);
    expect(proxifyUrl('//cdn.example/lib.js', ctx)).toBe(`${P}/__cb/go?u=${encodeURIComponent('https://cdn.example/lib.js')}`);
  });

  it('sends other http(s) origins through /__cb/go', () => {
    expect(proxifyUrl('https://api.other.example/v1?a=1&b=2', ctx)).toBe(`${P}/__cb/go?u=${encodeURIComponent('https://api.other.example/v1?a=1&b=2')}`);
    // Same host, other scheme: a different origin.
    expect(proxifyUrl('http://shop.example/x', ctx)).toBe(`${P}/__cb/go?u=${encodeURIComponent('http://shop.example/x')}`);
  });

  it('leaves the proxy origin and non-http schemes alone', () => {
    for (const u of [`${P}/already`, 'data:text/plain,hi', 'blob:https://shop.example/1', 'mailto:a@b.c', 'javascript:void(0)', 'about:blank', 'tel:123']) {
      expect(proxifyUrl(u, ctx)).toBe(u);
    }
  });

  it('never throws on garbage', () => {
    expect(proxifyUrl('http://[bad', ctx)).toBe('http://[bad');
  });
});

describe('proxifyWsUrl', () => {
  it('keeps same-origin sockets on the proxy host with its ws scheme', () => {
    expect(proxifyWsUrl('wss://shop.example/live?room=1', ctx)).toBe('ws://abcdefghijklmnopqrstuvwxyz.localhost:8081/live?room=1');
    expect(proxifyWsUrl('/live', ctx)).toBe('ws://abcdefghijklmnopqrstuvwxyz.localhost:8081/live');
    expect(proxifyWsUrl('https://shop.example/live', ctx)).toBe('ws://abcdefghijklmnopqrstuvwxyz.localhost:8081/live');
  });

  it('tunnels cross-origin sockets through /__cb/ws', () => {
    expect(proxifyWsUrl('wss://chat.other.example/socket?x=1#frag', ctx)).toBe(
      `ws://abcdefghijklmnopqrstuvwxyz.localhost:8081/__cb/ws?u=${encodeURIComponent('wss://chat.other.example/socket?x=1')}`,
    );
    // ws:// (not wss) on the real host is another origin than https://shop.example
    expect(proxifyWsUrl('ws://shop.example/x', ctx)).toContain('/__cb/ws?u=');
  });

  it('uses wss when the proxy is served over https', () => {
    const c = { ...ctx, proxyOrigin: 'https://abcdefghijklmnopqrstuvwxyz.cobrowse.example' };
    expect(proxifyWsUrl('wss://shop.example/live', c)).toBe('wss://abcdefghijklmnopqrstuvwxyz.cobrowse.example/live');
  });
});

describe('links to the gateway itself', () => {
  it('are left alone (no chat inside the co-browse frame)', () => {
    const withGateway: ProxyContext = { ...ctx, gatewayOrigin: 'http://cobrowse.localhost:8080' };
    const start = 'http://cobrowse.localhost:8080/start?site=demo&url=x';
    expect(proxifyUrl(start, withGateway)).toBe(start);
    expect(proxifyUrl(start, ctx)).toContain('/__cb/go?u=');
  });
});
