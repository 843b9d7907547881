// The visitor's locale and the site owner's customisation, from (in order): the hyperlink's or
// embed snippet's `lang`, the browser's languages (navigator.languages), the Accept-Language the
// gateway saw, then English.
import { readCustomization, type Customization } from './customize.ts';
import { en, type MessageKey } from './en.ts';
import { CATALOGUES, DEFAULT_LOCALE, LOCALES, dirOf } from './locales.ts';
import { negotiateLocale, parseAcceptLanguage } from './negotiate.ts';
import { createTranslator, type Translator } from './translator.ts';

export interface ShellLocaleInput {
  /** The shell page's query string (lang, accent, t.<key>), forwarded by /start. */
  search: string;
  navigatorLanguages: readonly string[];
  acceptLanguage?: string;
}

export function chooseShellLocale(input: ShellLocaleInput): { translator: Translator<MessageKey>; custom: Customization<MessageKey> } {
  const custom = readCustomization<MessageKey>(new URLSearchParams(input.search), en);
  const prefs = [custom.lang, ...input.navigatorLanguages, ...parseAcceptLanguage(input.acceptLanguage)];
  const { locale, formatLocale } = negotiateLocale(prefs, LOCALES, DEFAULT_LOCALE);
  const translator = createTranslator({ locale, formatLocale, dir: dirOf(locale), catalogue: CATALOGUES[locale], fallback: en, overrides: custom.strings });
  return { translator, custom };
}
