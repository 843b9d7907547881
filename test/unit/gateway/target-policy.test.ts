import { describe, expect, it } from 'vitest';
import { checkTarget, isBlockedAddress } from '../../../gateway/proxy/target-policy.ts';
import { makeGuardedLookup } from '../../../gateway/proxy/guarded-lookup.ts';

const policy = { allowedTargets: new Set(['http://localhost:8082']), allowedPorts: new Set([80, 443]) };

describe('target policy (SSRF)', () => {
  it.each([
    'http://127.0.0.1/',
    'http://2130706433/', // decimal
    'http://0x7f000001/', // hex
    'http://0177.0.0.1/', // octal
    'http://127.1/',
    'http://[::1]/',
    'http://[::ffff:127.0.0.1]/', // IPv4-mapped
    'http://[::ffff:7f00:1]/',
    'http://10.0.0.5/',
    'http://172.16.3.4/',
    'http://192.168.1.1/',
    'http://169.254.169.254/latest/meta-data/', // cloud metadata
    'http://[fd00::1]/', // unique local
    'http://[fe80::1]/', // link-local
    'http://0.0.0.0/',
    'http://224.0.0.1/', // multicast
    'http://localhost/',
    'http://anything.localhost/',
    'http://intranet/',
    'http://user:pw@example.com/',
    'http://example.com:22/', // port not allowed
  ])('refuses %s', (url) => {
    const r = checkTarget(url, policy);
    expect(r.ok).toBe(false);
  });

  it.each(['javascript:alert(1)', 'file:///etc/passwd', 'not a url', 'ftp://example.com/'])('rejects non-http %s', (url) => {
    const r = checkTarget(url, policy);
    expect(r).toMatchObject({ ok: false, code: 'CB_ERR_URL_INVALID' });
  });

  it('allows public names and addresses, and allowed origins whatever they are', () => {
    expect(checkTarget('https://example.com/a?b#c', policy)).toMatchObject({ ok: true, trusted: false });
    expect(checkTarget('http://93.184.215.14/', policy)).toMatchObject({ ok: true });
    expect(checkTarget('http://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/', policy)).toMatchObject({ ok: true });
    expect(checkTarget('http://localhost:8082/cart', policy)).toMatchObject({ ok: true, trusted: true });
  });

  it('classifies addresses', () => {
    expect(isBlockedAddress('8.8.8.8')).toBe(false);
    expect(isBlockedAddress('100.64.0.1')).toBe(true); // carrier-grade NAT
    expect(isBlockedAddress('garbage')).toBe(true);
  });

  it('refuses a DNS name that resolves to loopback, after resolution', async () => {
    const lookup = makeGuardedLookup((_h, _o, cb) => cb(null, [{ address: '127.0.0.1', family: 4 }]));
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('evil.example', {}, (e) => resolve(e)));
    expect(err?.code).toBe('CB_ERR_TARGET_REFUSED');
    const rebinding = makeGuardedLookup((_h, _o, cb) => cb(null, [{ address: '93.184.215.14', family: 4 }, { address: '::ffff:10.0.0.1', family: 6 }]));
    const err2 = await new Promise<NodeJS.ErrnoException | null>((resolve) => rebinding('evil.example', {}, (e) => resolve(e)));
    expect(err2?.code).toBe('CB_ERR_TARGET_REFUSED');
    const ok = makeGuardedLookup((_h, _o, cb) => cb(null, [{ address: '93.184.215.14', family: 4 }]));
    const addr = await new Promise((resolve) => ok('good.example', {}, (e, a) => resolve(e ?? a)));
    expect(addr).toBe('93.184.215.14');
  });
});
