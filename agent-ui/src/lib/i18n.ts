// The console's translator: the same catalogue mechanism as the visitor shell (ICU messages,
// Intl.PluralRules, negotiation). The locale is the console URL's `?lang=`, else the agent's
// browser languages, else English. Chosen once at load.
import { createTranslator, type Translator } from '../../../visitor-shell/src/i18n/translator.ts';
import { negotiateLocale } from '../../../visitor-shell/src/i18n/negotiate.ts';
import type { Params } from '../../../visitor-shell/src/i18n/icu.ts';
import { en, type ConsoleCatalogue, type ConsoleKey } from '../i18n/en.ts';
import { de } from '../i18n/de.ts';

export const CONSOLE_CATALOGUES: Readonly<Record<string, ConsoleCatalogue>> = { en, de };

export function consoleTranslator(prefs: readonly (string | null | undefined)[]): Translator<ConsoleKey> {
  const { locale, formatLocale } = negotiateLocale(prefs, Object.keys(CONSOLE_CATALOGUES), 'en');
  return createTranslator({ locale, formatLocale, dir: 'ltr', catalogue: CONSOLE_CATALOGUES[locale], fallback: en });
}

const browserPrefs = (): (string | null)[] => {
  if (typeof location === 'undefined' || typeof navigator === 'undefined') return [];
  return [new URLSearchParams(location.search).get('lang'), ...(navigator.languages ?? [navigator.language])];
};

const current = consoleTranslator(browserPrefs());
if (typeof document !== 'undefined') document.documentElement.lang = current.formatLocale;

export const t = (key: ConsoleKey, params?: Params): string => current.t(key, params);
export const consoleLocale = (): string => current.formatLocale;

/** "German (Germany) · de-DE" in the console's language, for a visitor's BCP 47 tag. */
export function languageName(tag: string | null | undefined, uiLocale: string = consoleLocale()): string | null {
  if (!tag) return null;
  try {
    const name = new Intl.DisplayNames([uiLocale], { type: 'language' }).of(tag);
    return name && name !== tag ? `${name} · ${tag}` : tag;
  } catch {
    return tag;
  }
}
