// What a site owner may set from the embed snippet (data-lang, data-accent, data-t-<key>) or the
// hyperlink (lang=, accent=, t.<key>=): the language, the accent colour and any shell string.
// Everything is validated here and anything bad is dropped silently (the shell still works):
// the accent must be a hex colour (so it can never carry CSS), a string override must name a
// known key, parse as a message and use only the arguments the English message has; overrides
// are only ever set as text. Runtime-neutral (used by the shell and the embed snippet).
import { argumentsOf, parseMessage } from './icu.ts';
import { canonicalTag } from './negotiate.ts';

export interface Customization<K extends string = string> {
  lang: string | null;
  /** `#rrggbb`. */
  accent: string | null;
  strings: Partial<Record<K, string>>;
}

export const MAX_OVERRIDE_CHARS = 500;
const MAX_OVERRIDES = 200;
/** The query parameters /start forwards to the shell (and the embed snippet writes into its link). */
export const CUSTOM_PARAM = /^(?:lang|accent|t\.[a-z][A-Za-z0-9.]{0,60})$/;

export function parseAccent(value: string | null | undefined): string | null {
  const m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((value ?? '').trim());
  if (!m) return null;
  const hex = m[1].length === 3 ? [...m[1]].map((c) => c + c).join('') : m[1];
  return `#${hex.toLowerCase()}`;
}

/** WCAG relative luminance of `#rrggbb`. */
function luminance(hex: string): number {
  const ch = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  return 0.2126 * ch[0] + 0.7152 * ch[1] + 0.0722 * ch[2];
}

export function contrastRatio(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

const WHITE = '#ffffff';
// Pure black: with white, one of the two always reaches 4.5:1 on any accent (worst case ≈ 4.58).
const INK = '#000000';

/**
 * Colours derived from an accent so text stays readable (WCAG AA, 4.5:1): `ink` for text on the
 * accent (white or black, whichever contrasts more), `text` for the accent used as text on
 * white (the accent itself when it is dark enough, else the ink colour).
 */
export function accentPalette(accent: string): { accent: string; ink: string; text: string } {
  const ink = contrastRatio(accent, WHITE) >= contrastRatio(accent, INK) ? WHITE : INK;
  const text = contrastRatio(accent, WHITE) >= 4.5 ? accent : INK;
  return { accent, ink, text };
}

export function validOverride(value: string, english: string | undefined): string | null {
  if (english === undefined) return null;
  // Control characters (and bidi overrides, which could make a message read as something else) are dropped.
  const clean = value.replace(/[\u0000-\u001f\u007f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  if (!clean || clean.length > MAX_OVERRIDE_CHARS) return null;
  const parsed = parseMessage(clean);
  const base = parseMessage(english);
  if (!parsed || !base) return null;
  const allowed = argumentsOf(base);
  for (const a of argumentsOf(parsed)) if (!allowed.has(a)) return null;
  return clean;
}

/** Reads lang, accent and `t.<key>` overrides from query parameters (or any name/value pairs). */
export function readCustomization<K extends string>(params: Iterable<[string, string]>, english: Readonly<Record<K, string>>): Customization<K> {
  const out: Customization<K> = { lang: null, accent: null, strings: {} };
  let count = 0;
  for (const [name, value] of params) {
    if (name === 'lang') out.lang = out.lang ?? canonicalTag(value);
    else if (name === 'accent') out.accent = out.accent ?? parseAccent(value);
    else if (name.startsWith('t.') && count < MAX_OVERRIDES) {
      const key = name.slice(2) as K;
      if (!Object.prototype.hasOwnProperty.call(english, key)) continue;
      const ok = validOverride(value, english[key]);
      if (ok !== null) {
        out.strings[key] = ok;
        count++;
      }
    }
  }
  return out;
}
