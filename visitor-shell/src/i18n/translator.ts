// t(key, params): the message for the chosen locale (a site owner's override first, then the
// locale's catalogue, then English), formatted with icu.ts; plus dates and times in the visitor's
// locale. Generic over the catalogue so the agent console uses the same mechanism.
import { formatParts, parseMessage, type Params, type Part } from './icu.ts';

export interface Translator<K extends string> {
  /** Catalogue locale, e.g. 'de'. */
  readonly locale: string;
  /** Dates and numbers, e.g. 'de-CH'. */
  readonly formatLocale: string;
  readonly dir: 'ltr' | 'rtl';
  t(key: K, params?: Params): string;
  /** A time of day, e.g. "14:05" or "2:05 PM". */
  time(ts: number): string;
  /** Date and time, e.g. "1. Dez. 2026, 14:05". */
  dateTime(ts: number): string;
}

export interface TranslatorInput<K extends string> {
  locale: string;
  formatLocale: string;
  dir: 'ltr' | 'rtl';
  catalogue: Readonly<Record<K, string>>;
  fallback: Readonly<Record<K, string>>;
  overrides?: Readonly<Partial<Record<K, string>>>;
}

export function createTranslator<K extends string>(input: TranslatorInput<K>): Translator<K> {
  const parsed = new Map<K, Part[]>();
  const fmt = safeLocale(input.formatLocale, input.locale);
  const timeFmt = new Intl.DateTimeFormat(fmt, { timeStyle: 'short' });
  const dateTimeFmt = new Intl.DateTimeFormat(fmt, { dateStyle: 'medium', timeStyle: 'short' });
  const patternOf = (key: K): Part[] => {
    const hit = parsed.get(key);
    if (hit) return hit;
    // Overrides were validated when read; a catalogue entry that does not parse falls back to English.
    const p =
      (input.overrides?.[key] !== undefined ? parseMessage(input.overrides[key]!) : null) ??
      parseMessage(input.catalogue[key] ?? '') ??
      parseMessage(input.fallback[key] ?? key) ?? [String(key)];
    parsed.set(key, p);
    return p;
  };
  return {
    locale: input.locale,
    formatLocale: fmt,
    dir: input.dir,
    t: (key, params) => formatParts(patternOf(key), fmt, params),
    time: (ts) => timeFmt.format(ts),
    dateTime: (ts) => dateTimeFmt.format(ts),
  };
}

/** The formatting locale if Intl supports it, else the catalogue's. */
function safeLocale(tag: string, fallback: string): string {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([tag]).length ? tag : fallback;
  } catch {
    return fallback;
  }
}
