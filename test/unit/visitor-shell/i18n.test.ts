// The shell's message catalogues and their machinery: every locale translates every key with the
// same arguments and parses; ICU plurals follow Intl.PluralRules (Arabic's six categories, offset);
// locale negotiation; and the site owner's overrides are validated (bad values dropped, no markup).
import { describe, expect, it } from 'vitest';
import { en, type MessageKey } from '../../../visitor-shell/src/i18n/en.ts';
import { CATALOGUES, LOCALES, dirOf } from '../../../visitor-shell/src/i18n/locales.ts';
import { argumentsOf, formatParts, parseMessage } from '../../../visitor-shell/src/i18n/icu.ts';
import { negotiateLocale, parseAcceptLanguage, canonicalTag } from '../../../visitor-shell/src/i18n/negotiate.ts';
import { accentPalette, contrastRatio, parseAccent, readCustomization } from '../../../visitor-shell/src/i18n/customize.ts';
import { createTranslator } from '../../../visitor-shell/src/i18n/translator.ts';
import { chooseShellLocale } from '../../../visitor-shell/src/i18n/choose.ts';
import { renderShellPage } from '../../../visitor-shell/src/shell-page.ts';

const tr = (locale: string) => createTranslator({ locale, formatLocale: locale, dir: dirOf(locale), catalogue: CATALOGUES[locale], fallback: en });

describe('catalogues', () => {
  it('has en, de, fr, es and ar, Arabic right to left', () => {
    expect(LOCALES).toEqual(expect.arrayContaining(['en', 'de', 'fr', 'es', 'ar']));
    expect(dirOf('ar')).toBe('rtl');
    expect(dirOf('de')).toBe('ltr');
  });
  for (const locale of LOCALES) {
    it(`${locale}: every key, parsable, same arguments as English`, () => {
      const cat = CATALOGUES[locale];
      expect(Object.keys(cat).sort()).toEqual(Object.keys(en).sort());
      for (const key of Object.keys(en) as MessageKey[]) {
        const p = parseMessage(cat[key]);
        expect(p, `${locale} ${key}`).not.toBeNull();
        expect([...argumentsOf(p!)].sort(), `${locale} ${key}`).toEqual([...argumentsOf(parseMessage(en[key])!)].sort());
      }
    });
  }
});

describe('ICU plurals', () => {
  it('queue position: exact =1, then the number ahead (offset:1) by the locale rules', () => {
    const t = tr('en');
    expect(t.t('queue.position', { position: 1 })).toBe('You are number 1 in the queue — you are next');
    expect(t.t('queue.position', { position: 2 })).toBe('You are number 2 in the queue, 1 person ahead of you');
    expect(t.t('queue.position', { position: 5 })).toBe('You are number 5 in the queue, 4 people ahead of you');
    const de = tr('de');
    expect(de.t('queue.position', { position: 1 })).toBe('Sie sind Nummer 1 in der Warteschlange – Sie sind als Nächstes dran');
    expect(de.t('queue.position', { position: 2 })).toBe('Sie sind Nummer 2 in der Warteschlange, vor Ihnen ist 1 Person');
    expect(de.t('queue.position', { position: 5 })).toBe('Sie sind Nummer 5 in der Warteschlange, vor Ihnen sind 4 Personen');
  });
  it('Arabic: one, two, few, many (digits as the locale formats them)', () => {
    const ar = tr('ar');
    expect(ar.t('queue.position', { position: 1 })).toContain('دورك التالي');
    expect(ar.t('queue.position', { position: 2 })).toContain('أمامك شخص واحد'); // 1 ahead: one
    expect(ar.t('queue.position', { position: 3 })).toContain('أمامك شخصان'); // 2 ahead: two
    expect(ar.t('queue.position', { position: 5 })).toMatch(/أمامك [4٤] أشخاص/); // 4 ahead: few
    expect(ar.t('queue.position', { position: 15 })).toMatch(/أمامك (14|١٤) شخصًا/); // 14 ahead: many
  });
  it('rejects malformed patterns', () => {
    for (const bad of ['{', '}', '{n, plural, one {x}}', '{n, select, a {x} other {y}}', '{n, plural, other {x}', '{1}', '{n, plural, bogus {x} other {y}}']) {
      expect(parseMessage(bad), bad).toBeNull();
    }
    expect(formatParts(parseMessage('a {b} c')!, 'en', { b: '<img src=x>' })).toBe('a <img src=x> c');
  });
});

describe('negotiation', () => {
  it('exact, then language, then English; keeps the visitor variant for formatting', () => {
    expect(negotiateLocale(['de-CH', 'en'], LOCALES, 'en')).toEqual({ locale: 'de', formatLocale: 'de-CH' });
    expect(negotiateLocale(['xx', 'fr-CA'], LOCALES, 'en')).toEqual({ locale: 'fr', formatLocale: 'fr-CA' });
    expect(negotiateLocale(['ja', 'zz-top!'], LOCALES, 'en')).toEqual({ locale: 'en', formatLocale: 'en' });
    expect(negotiateLocale([null, undefined, ''], LOCALES, 'en').locale).toBe('en');
  });
  it('Accept-Language by q', () => {
    expect(parseAcceptLanguage('en;q=0.5, ar-EG, de;q=0.9, *;q=0.1, fr;q=0')).toEqual(['ar-EG', 'de', 'en']);
    expect(parseAcceptLanguage('')).toEqual([]);
    expect(canonicalTag('<script>')).toBeNull();
    expect(canonicalTag('de_de')).toBe('de-DE');
  });
  it('the link lang wins over the browser, the browser over Accept-Language', () => {
    expect(chooseShellLocale({ search: '?lang=es', navigatorLanguages: ['de-DE'], acceptLanguage: 'fr' }).translator.locale).toBe('es');
    expect(chooseShellLocale({ search: '', navigatorLanguages: ['de-DE'], acceptLanguage: 'fr' }).translator.locale).toBe('de');
    expect(chooseShellLocale({ search: '', navigatorLanguages: [], acceptLanguage: 'fr' }).translator.locale).toBe('fr');
    expect(chooseShellLocale({ search: '?lang=%3Cb%3E', navigatorLanguages: ['ja'] }).translator.locale).toBe('en');
  });
  it('the shell page is rendered in the likely locale and direction', () => {
    const html = renderShellPage({ sessionId: 's', wsUrl: 'ws://x/ws', assetBase: '/a', proxyOriginSuffix: '.x', siteId: 'd', entryUrl: 'http://e/', acceptLanguage: 'ar,en;q=0.5' });
    expect(html).toContain('<html lang="ar" dir="rtl">');
    expect(html).toContain('<title>مساعدة مباشرة');
    expect(renderShellPage({ sessionId: 's', wsUrl: 'ws://x/ws', assetBase: '/a', proxyOriginSuffix: '.x', siteId: 'd', entryUrl: 'http://e/', lang: 'de' })).toContain('<html lang="de" dir="ltr">');
  });
});

describe('site owner customisation', () => {
  it('accepts a hex accent only', () => {
    expect(parseAccent('#0F7B5F')).toBe('#0f7b5f');
    expect(parseAccent('abc')).toBe('#aabbcc');
    for (const bad of ['red', '#12', '#1234567', 'url(x)', '#fff;background:url(x)', '', null]) expect(parseAccent(bad)).toBeNull();
  });
  it('picks readable text colours for any accent', () => {
    for (const accent of ['#ffff00', '#0f7b5f', '#000000', '#ffffff', '#3451d1', '#ff6600', '#777777', '#e5004c']) {
      const p = accentPalette(accent);
      expect(contrastRatio(p.accent, p.ink)).toBeGreaterThanOrEqual(4.5);
      expect(contrastRatio(p.text, '#ffffff')).toBeGreaterThanOrEqual(4.5);
    }
  });
  it('keeps valid string overrides and drops the rest', () => {
    const c = readCustomization(
      new URLSearchParams({
        lang: 'de',
        accent: '#112233',
        't.queue.title': 'Gleich ist jemand für Sie da',
        't.queue.position': '{position, plural, =1 {Next!} other {No. {position}}}',
        't.queue.joined': '{name} and {secret}', // unknown argument
        't.chat.send': '{broken', // does not parse
        't.not.a.key': 'x',
        't.header.title': 'x'.repeat(600), // too long
        't.chat.placeholder': 'Type\u202e here\u0000',
      }),
      en,
    );
    expect(c.lang).toBe('de');
    expect(c.accent).toBe('#112233');
    expect(c.strings).toEqual({
      'queue.title': 'Gleich ist jemand für Sie da',
      'queue.position': '{position, plural, =1 {Next!} other {No. {position}}}',
      'chat.placeholder': 'Type here',
    });
    const t = createTranslator({ locale: 'de', formatLocale: 'de', dir: 'ltr', catalogue: CATALOGUES.de, fallback: en, overrides: c.strings });
    expect(t.t('queue.position', { position: 1 })).toBe('Next!');
    expect(t.t('queue.position', { position: 3 })).toBe('No. 3');
    expect(t.t('chat.send')).toBe('Senden');
  });
});

describe('dates and times', () => {
  it('in the visitor locale', () => {
    const ts = Date.UTC(2026, 11, 1, 14, 5);
    const local = (l: string) => new Intl.DateTimeFormat(l, { timeStyle: 'short' }).format(ts);
    expect(tr('de').time(ts)).toBe(local('de'));
    expect(tr('en').time(ts)).toBe(local('en'));
    expect(tr('de').time(ts)).not.toBe(tr('en').time(ts));
  });
});

describe("the gateway's system messages", () => {
  it('are recognised in the wording the hub writes, and shown in the visitor language', async () => {
    const { readFileSync, readdirSync } = await import('node:fs');
    // The hub's parts write these sentences (gateway/channel/*.ts).
    const dir = new URL('../../../gateway/channel/', import.meta.url);
    const hub = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => readFileSync(new URL(f, dir), 'utf8')).join('\n');
    const { SYSTEM_TEXTS, localizeSystemText } = await import('../../../visitor-shell/src/shell/system-texts.ts');
    const { useTranslator } = await import('../../../visitor-shell/src/i18n/current.ts');
    // Each sentence (without its name) is still in the channel's source: a reworded gateway message is caught here.
    for (const { re } of SYSTEM_TEXTS) {
      const literal = re.source.replace(/^\^|\$$/g, '').replace(/\(\?<name>[^)]*\)/, '').replace(/\\\./g, '.').trim();
      expect(hub, literal).toContain(literal);
    }
    try {
      useTranslator(tr('de'));
      expect(localizeSystemText('Dana joined the chat.')).toBe('Dana ist dem Chat beigetreten.');
      expect(localizeSystemText('Waiting for an agent…')).toBe('Warten auf einen Mitarbeiter…');
      expect(localizeSystemText('Chat ended by the agent.')).toBe('Chat ended by the agent.'); // unknown: as written
    } finally {
      useTranslator(tr('en'));
    }
    expect(localizeSystemText('Dana joined the chat.')).toBe('Dana joined the chat.');
  });
});
