import { describe, expect, it } from 'vitest';
import { browserFromUA, formatDuration, normalizeLeadUrl, pathOf, shortUrl, visitorLabel } from '../../../agent-ui/src/lib/format.ts';

describe('agent-ui format', () => {
  it('formats waiting durations as m:ss and h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00');
    expect(formatDuration(35_400)).toBe('0:35');
    expect(formatDuration(61_000)).toBe('1:01');
    expect(formatDuration(3_725_000)).toBe('1:02:05');
    expect(formatDuration(-5_000)).toBe('0:00');
  });

  it('shortens URLs for lists', () => {
    expect(shortUrl('https://www.shop.example/a/b?x=1#h')).toBe('shop.example/a/b?x=1#h');
    expect(shortUrl('http://localhost:8082/')).toBe('localhost:8082');
    expect(shortUrl('not a url')).toBe('not a url');
    expect(shortUrl(null)).toBe('');
    expect(pathOf('http://localhost:8082/cart?id=2')).toBe('/cart?id=2');
  });

  it('labels visitors by the tail of the session id', () => {
    expect(visitorLabel('sess_0001_abcd')).toBe('Visitor ABCD');
    expect(visitorLabel('zXG7AOUyEgGaJMouk8_ZEQ')).toBe('Visitor 8ZEQ');
    expect(visitorLabel('__')).toBe('Visitor');
  });

  it('names common browsers and systems', () => {
    expect(browserFromUA('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36')).toBe(
      'Chrome 126 on Windows',
    );
    expect(browserFromUA('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15')).toBe(
      'Safari 17.5 on macOS',
    );
    expect(browserFromUA('Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0')).toBe('Firefox 128 on Linux');
    expect(
      browserFromUA('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.2592.68'),
    ).toBe('Edge 126 on Windows');
    expect(browserFromUA('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0 Mobile/15E148 Safari/604.1')).toBe(
      'Chrome 126 on iOS',
    );
    expect(browserFromUA(undefined)).toBe('Unknown browser');
  });

  describe('normalizeLeadUrl', () => {
    const base = 'http://localhost:8082/products/kettle';
    it('keeps absolute http(s) URLs', () => {
      expect(normalizeLeadUrl('https://shop.example/cart')).toEqual({ ok: true, url: 'https://shop.example/cart' });
      expect(normalizeLeadUrl('  http://localhost:8082/checkout ')).toEqual({ ok: true, url: 'http://localhost:8082/checkout' });
    });
    it('adds a scheme to bare hosts (http for loopback)', () => {
      expect(normalizeLeadUrl('shop.example/cart')).toEqual({ ok: true, url: 'https://shop.example/cart' });
      expect(normalizeLeadUrl('localhost:8082/cart')).toEqual({ ok: true, url: 'http://localhost:8082/cart' });
      expect(normalizeLeadUrl('127.0.0.1:8082')).toEqual({ ok: true, url: 'http://127.0.0.1:8082/' });
      expect(normalizeLeadUrl('shop.example:8443/x')).toEqual({ ok: true, url: 'https://shop.example:8443/x' });
    });
    it('resolves paths against the current page', () => {
      expect(normalizeLeadUrl('/checkout', base)).toEqual({ ok: true, url: 'http://localhost:8082/checkout' });
      expect(normalizeLeadUrl('?color=blue', base)).toEqual({ ok: true, url: 'http://localhost:8082/products/kettle?color=blue' });
      expect(normalizeLeadUrl('teapot', base)).toEqual({ ok: true, url: 'http://localhost:8082/products/teapot' });
    });
    it('refuses empty input and other schemes', () => {
      expect(normalizeLeadUrl('   ').ok).toBe(false);
      expect(normalizeLeadUrl('javascript:alert(1)').ok).toBe(false);
      expect(normalizeLeadUrl('file:///etc/passwd').ok).toBe(false);
      expect(normalizeLeadUrl('teapot').ok).toBe(false);
      expect(normalizeLeadUrl(`https://x.example/${'a'.repeat(5000)}`).ok).toBe(false);
    });
  });
});
