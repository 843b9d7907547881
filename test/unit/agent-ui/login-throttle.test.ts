// The console's throttled-login state (issue 14's contract: 429 CB_ERR_LOGIN_THROTTLED with
// Retry-After seconds): the countdown with an injected clock, the header parsing, and the
// console catalogues (English and German complete, same arguments) that word it.
import { describe, expect, it } from 'vitest';
import { DEFAULT_THROTTLE_SECONDS, LoginThrottle, MAX_THROTTLE_SECONDS, parseRetryAfter } from '../../../agent-ui/src/lib/login-throttle.ts';
import { CONSOLE_CATALOGUES, consoleTranslator, languageName } from '../../../agent-ui/src/lib/i18n.ts';
import { en } from '../../../agent-ui/src/i18n/en.ts';
import { argumentsOf, parseMessage } from '../../../visitor-shell/src/i18n/icu.ts';

describe('LoginThrottle', () => {
  it('counts down the Retry-After seconds, then lets the form be used', () => {
    let now = 1_000_000;
    const th = new LoginThrottle(() => now);
    expect(th.active).toBe(false);
    th.hit(30);
    expect(th.remaining()).toBe(30);
    now += 400;
    expect(th.remaining()).toBe(30); // rounded up: never says 0 while still refused
    now += 600;
    expect(th.remaining()).toBe(29);
    now += 29_000;
    expect(th.remaining()).toBe(0);
    expect(th.active).toBe(false);
  });
  it('a second refusal never shortens the wait; missing or absurd values are bounded', () => {
    let now = 0;
    const th = new LoginThrottle(() => now);
    th.hit(60);
    th.hit(5);
    expect(th.remaining()).toBe(60);
    const d = new LoginThrottle(() => now);
    d.hit(null);
    expect(d.remaining()).toBe(DEFAULT_THROTTLE_SECONDS);
    const big = new LoginThrottle(() => now);
    big.hit(10 ** 9);
    expect(big.remaining()).toBe(MAX_THROTTLE_SECONDS);
    const zero = new LoginThrottle(() => now);
    zero.hit(0);
    expect(zero.remaining()).toBe(1);
  });
  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.UTC(2026, 11, 1, 12, 0, 0);
    expect(parseRetryAfter('42', now)).toBe(42);
    expect(parseRetryAfter(' 7 ', now)).toBe(7);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('console catalogues', () => {
  it('English and German are complete with the same arguments', () => {
    for (const [locale, cat] of Object.entries(CONSOLE_CATALOGUES)) {
      expect(Object.keys(cat).sort(), locale).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en) as (keyof typeof en)[]) {
        const p = parseMessage(cat[key]);
        expect(p, `${locale} ${key}`).not.toBeNull();
        expect([...argumentsOf(p!)].sort()).toEqual([...argumentsOf(parseMessage(en[key])!)].sort());
      }
    }
  });
  it('words the throttled state in the agent language', () => {
    expect(consoleTranslator(['en-GB']).t('login.throttled', { seconds: 12 })).toBe('Too many attempts, try again in 12 s');
    expect(consoleTranslator(['de-AT']).t('login.throttled', { seconds: 12 })).toBe('Zu viele Versuche, erneut versuchen in 12 s');
    expect(consoleTranslator(['ja']).locale).toBe('en');
  });
  it('names the visitor language for the agent', () => {
    expect(languageName('de-DE', 'en')).toBe('German (Germany) · de-DE');
    expect(languageName('ar', 'de')).toBe('Arabisch · ar');
    expect(languageName(null, 'en')).toBeNull();
  });
});
