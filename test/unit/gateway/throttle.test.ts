// The throttle's pure core and its memory store, with a fake clock.
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { lockoutMs, retryAfterSeconds, windowVerdict, type BackoffPolicy } from '../../../gateway/http/throttle/policy.ts';
import { MemoryThrottleStore } from '../../../gateway/http/throttle/store.ts';
import { LoginThrottle } from '../../../gateway/auth/login-throttle.ts';
import { VisitorLimit } from '../../../gateway/http/throttle/visitor-limit.ts';
import { addressKey, clientAddress } from '../../../gateway/http/client-address.ts';

const P: BackoffPolicy = { freeAttempts: 3, baseMs: 1000, maxMs: 8000, windowMs: 60_000 };

function clock(t = 1_000_000) {
  const c = { t, now: () => c.t };
  return c;
}

describe('throttle policy', () => {
  it('locks after the free attempts, doubling up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map((n) => lockoutMs(n, P))).toEqual([0, 0, 1000, 2000, 4000, 8000, 8000, 8000]);
  });
  it('a fixed window lets `limit` hits through, then says how long is left', () => {
    expect(windowVerdict(30, 5000, 30)).toEqual({ ok: true });
    expect(windowVerdict(31, 5000, 30)).toEqual({ ok: false, retryAfterMs: 5000 });
    expect(windowVerdict(1000, 5000, 0)).toEqual({ ok: true });
  });
  it('rounds Retry-After up to whole seconds', () => {
    expect([1, 999, 1000, 1001, 0].map(retryAfterSeconds)).toEqual([1, 1, 1, 2, 1]);
  });
});

describe('memory throttle store', () => {
  it('refuses while locked without counting, and counts again once the lock ran out', async () => {
    const c = clock();
    const s = new MemoryThrottleStore(c.now, 0);
    expect(await s.attempt('k', P)).toEqual({ allowed: true, count: 1, lockMs: 0 });
    expect(await s.attempt('k', P)).toEqual({ allowed: true, count: 2, lockMs: 0 });
    expect(await s.attempt('k', P)).toEqual({ allowed: true, count: 3, lockMs: 1000 });
    expect(await s.attempt('k', P)).toEqual({ allowed: false, retryAfterMs: 1000 });
    c.t += 400;
    expect(await s.attempt('k', P)).toEqual({ allowed: false, retryAfterMs: 600 });
    c.t += 600;
    expect(await s.attempt('k', P)).toEqual({ allowed: true, count: 4, lockMs: 2000 });
  });
  it('forgets a counter a window after its latest attempt (sliding) and a fixed window after its first hit', async () => {
    const c = clock();
    const s = new MemoryThrottleStore(c.now, 0);
    await s.attempt('k', P);
    c.t += 59_000;
    expect((await s.attempt('k', P)).allowed && (await s.attempt('k', P))).toMatchObject({ count: 3 });
    c.t += 60_000 + 8000;
    expect(await s.attempt('k', P)).toEqual({ allowed: true, count: 1, lockMs: 0 });
    expect(await s.hit('w', 1000)).toEqual({ count: 1, ttlMs: 1000 });
    c.t += 700;
    expect(await s.hit('w', 1000)).toEqual({ count: 2, ttlMs: 300 });
    c.t += 300;
    expect(await s.hit('w', 1000)).toEqual({ count: 1, ttlMs: 1000 });
  });
  it('the sweep drops expired entries, so a flood of addresses does not grow it for ever', async () => {
    const c = clock();
    const s = new MemoryThrottleStore(c.now, 0);
    for (let i = 0; i < 1000; i++) await s.hit(`a${i}`, 1000);
    expect(s.size).toBe(1000);
    c.t += 1001;
    s.sweep();
    expect(s.size).toBe(0);
  });
});

describe('login throttle', () => {
  const policy = { account: P, address: { ...P, freeAttempts: 5 } };

  it('locks the account after its free attempts and a right password clears it', async () => {
    const c = clock();
    const t = new LoginThrottle(new MemoryThrottleStore(c.now, 0), policy);
    for (let i = 0; i < 2; i++) {
      const g = await t.begin('a@x.test', '1.2.3.4');
      expect(g.ok && g.attempt.failed()).toEqual([]);
    }
    const third = await t.begin('A@X.test ', '1.2.3.4'); // same account, however it is typed
    expect(third.ok && third.attempt.failed()).toEqual([{ scope: 'account', attempts: 3, ms: 1000 }]);
    expect(await t.begin('a@x.test', '5.6.7.8')).toEqual({ ok: false, retryAfterMs: 1000, scope: 'account' });
    c.t += 1000;
    const right = await t.begin('a@x.test', '1.2.3.4');
    expect(right.ok).toBe(true);
    if (right.ok) await right.attempt.succeeded();
    // Afresh: three more free... two free attempts before the third locks again.
    const next = await t.begin('a@x.test', '1.2.3.4');
    expect(next.ok && next.attempt.failed()).toEqual([]);
  });

  it('locks an address guessing many accounts, and a right password does not reset it', async () => {
    const c = clock();
    const t = new LoginThrottle(new MemoryThrottleStore(c.now, 0), policy);
    for (let i = 0; i < 4; i++) await t.begin(`u${i}@x.test`, '9.9.9.9');
    const own = await t.begin('mine@x.test', '9.9.9.9');
    if (own.ok) await own.attempt.succeeded(); // takes back its own attempt only
    const fifth = await t.begin('u5@x.test', '9.9.9.9');
    expect(fifth.ok && fifth.attempt.failed()).toEqual([{ scope: 'address', attempts: 5, ms: 1000 }]);
    expect(await t.begin('other@x.test', '9.9.9.9')).toMatchObject({ ok: false, scope: 'address' });
    // Another address is not affected.
    expect((await t.begin('other@x.test', '8.8.8.8')).ok).toBe(true);
  });

  it('parallel guesses cannot slip past the lock: only the free attempts reach the password check', async () => {
    const t = new LoginThrottle(new MemoryThrottleStore(Date.now, 0), policy);
    const gates = await Promise.all(Array.from({ length: 40 }, () => t.begin('a@x.test', '1.2.3.4')));
    expect(gates.filter((g) => g.ok)).toHaveLength(3);
  });
});

describe('visitor limit', () => {
  it('lets N requests per address per minute through', async () => {
    const c = clock();
    const v = new VisitorLimit(new MemoryThrottleStore(c.now, 0), 3);
    for (let i = 0; i < 3; i++) expect(await v.take('1.1.1.1')).toEqual({ ok: true });
    expect(await v.take('1.1.1.1')).toEqual({ ok: false, retryAfterMs: 60_000 });
    expect(await v.take('2.2.2.2')).toEqual({ ok: true });
    c.t += 60_000;
    expect(await v.take('1.1.1.1')).toEqual({ ok: true });
    expect(await new VisitorLimit(new MemoryThrottleStore(c.now, 0), 0).take('1.1.1.1')).toEqual({ ok: true });
  });
});

describe('client address', () => {
  it('ignores X-Forwarded-For unless proxies are trusted, then takes the N-th from the right', () => {
    expect(clientAddress('10.0.0.2', '6.6.6.6', 0)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', '6.6.6.6, 203.0.113.7', 1)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.2', 'spoofed, 203.0.113.7, 10.0.0.9', 2)).toBe('203.0.113.7');
    expect(clientAddress('10.0.0.2', '', 1)).toBe('10.0.0.2');
  });
  it('keys IPv4-mapped addresses as IPv4 and IPv6 by its /64', () => {
    expect(addressKey('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe(addressKey('2001:db8:1:2:bbbb::9'));
    expect(addressKey('2001:db8:1:2:aaaa::1')).not.toBe(addressKey('2001:db8:1:3::1'));
    expect(addressKey('[::1]')).toBe('0:0:0:0::/64');
  });
  it('keys every IPv4 form as ipaddr normalises it (the canonical dotted-quad fast path included)', () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.integer({ min: 0, max: 255 }).map((n) => `0${n}`));
    fc.assert(
      fc.property(fc.tuple(octet, octet, octet, octet), (parts) => {
        const s = parts.join('.');
        expect(addressKey(s)).toBe(ipaddr.isValid(s) ? ipaddr.parse(s).toString() : s);
      }),
      { numRuns: 2000 },
    );
  });
});
