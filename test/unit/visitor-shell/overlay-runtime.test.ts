// Pure parts of the overlay runtime: document.cookie emulation, proxy-origin recognition, and the
// sign-in hosts that refuse proxies.
import { describe, expect, it } from 'vitest';
import { applyAssignment, bridgeAssignment, parseAssignment } from '../../../visitor-shell/src/overlay/cookie-string.ts';
import { isProxyOrigin, proxifyUrl } from '../../../visitor-shell/src/overlay/proxify.ts';
import { refusesProxySignIn } from '../../../visitor-shell/src/overlay/sign-in-hosts.ts';

const NOW = Date.parse('2030-01-01T00:00:00Z');

describe('document.cookie assignments', () => {
  it('adds and replaces in place, keeping the order', () => {
    expect(applyAssignment('', 'a=1', NOW)).toBe('a=1');
    expect(applyAssignment('a=1; b=2', 'c=3; path=/', NOW)).toBe('a=1; b=2; c=3');
    expect(applyAssignment('a=1; b=2', 'a=9', NOW)).toBe('a=9; b=2');
    expect(applyAssignment('a=1', ' spaced = v w ; Path=/x', NOW)).toBe('a=1; spaced=v w');
  });

  it('deletes with Max-Age ≤ 0 or an Expires in the past; Max-Age wins', () => {
    expect(applyAssignment('a=1; b=2', 'a=; max-age=0', NOW)).toBe('b=2');
    expect(applyAssignment('a=1; b=2', 'b=x; Max-Age=-1', NOW)).toBe('a=1');
    expect(applyAssignment('a=1', 'a=; expires=Thu, 01 Jan 1970 00:00:00 GMT', NOW)).toBe('');
    expect(applyAssignment('a=1', 'a=2; expires=Thu, 01 Jan 1970 00:00:00 GMT; max-age=60', NOW)).toBe('a=2');
    expect(applyAssignment('a=1', 'a=2; expires=Fri, 01 Jan 2100 00:00:00 GMT', NOW)).toBe('a=2');
    expect(applyAssignment('a=1', 'zz=; max-age=0', NOW)).toBe('a=1');
  });

  it('shows a nameless cookie as its value, and ignores an empty assignment', () => {
    expect(applyAssignment('a=1', 'token', NOW)).toBe('a=1; token');
    expect(applyAssignment('a=1; token', 'other', NOW)).toBe('a=1; other');
    expect(applyAssignment('a=1', '', NOW)).toBe('a=1');
  });

  it('parses attributes case-insensitively', () => {
    expect(parseAssignment('n=v; Path=/a; SameSite=Lax; Secure', NOW)).toEqual({ name: 'n', value: 'v', deletes: false, attrs: { path: '/a', samesite: 'Lax', secure: '' } });
  });

  it('bridges to the browser with a capped lifetime, without domain or secure attributes', () => {
    const a = parseAssignment('n=v; Domain=.shop.example; Path=/a; Secure; SameSite=None; Max-Age=86400', NOW);
    expect(bridgeAssignment(a, 10)).toBe('n=v; Path=/a; Max-Age=10');
    expect(bridgeAssignment({ ...a, deletes: true }, 10)).toBe('n=v; Path=/a; Max-Age=0');
    expect(bridgeAssignment(parseAssignment('__Host-x=1; Path=/; Secure', NOW), 10)).toBeNull();
    expect(bridgeAssignment(parseAssignment('nameless', NOW), 10)).toBeNull();
    expect(bridgeAssignment(parseAssignment('n=v; path=relative', NOW), 10)).toBe('n=v; Max-Age=10');
  });
});

describe('proxy origins', () => {
  const P = 'http://abcdefghijklmnopqrstuvwxyz.cobrowse.localhost:8081';
  const OTHER = 'http://zyxwvutsrqponmlkjihgfedcba.cobrowse.localhost:8081';
  it('recognises another site of the same gateway and leaves its URLs alone', () => {
    expect(isProxyOrigin(OTHER, P)).toBe(true);
    expect(isProxyOrigin(P, P)).toBe(true);
    const ctx = { proxyOrigin: P, realOrigin: 'https://shop.example', realBase: 'https://shop.example/' };
    expect(proxifyUrl(`${OTHER}/widget?x=1`, ctx)).toBe(`${OTHER}/widget?x=1`);
  });

  it('refuses look-alikes', () => {
    for (const o of [
      'https://zyxwvutsrqponmlkjihgfedcba.cobrowse.localhost:8081', // other scheme
      'http://zyxwvutsrqponmlkjihgfedcba.cobrowse.localhost:9999', // other port
      'http://short.cobrowse.localhost:8081',
      'http://a.zyxwvutsrqponmlkjihgfedcba.cobrowse.localhost:8081', // extra label
      'http://zyxwvutsrqponmlkjihgfedcba.evil.example:8081',
      'http://cobrowse.localhost:8081',
      'null',
    ]) {
      expect(isProxyOrigin(o, P), o).toBe(false);
    }
  });
});

describe('sign-in hosts that refuse proxies', () => {
  it('matches the known hosts exactly', () => {
    expect(refusesProxySignIn('https://accounts.google.com')).toBe(true);
    expect(refusesProxySignIn('https://login.microsoftonline.com')).toBe(true);
    expect(refusesProxySignIn('https://APPLEID.apple.com')).toBe(true);
    expect(refusesProxySignIn('https://google.com')).toBe(false);
    expect(refusesProxySignIn('https://accounts.google.com.evil.example')).toBe(false);
    expect(refusesProxySignIn('not a url')).toBe(false);
  });
});
