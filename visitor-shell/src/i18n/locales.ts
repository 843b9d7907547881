// The shell's locales: one catalogue file each (en.ts is the source). To add a locale, write
// `xx.ts` exporting a `Catalogue`, list it here (and in RTL if it is written right to left); the
// unit test checks that it translates every key with the same arguments. See README "Languages".
import { ar } from './ar.ts';
import { de } from './de.ts';
import { en, type Catalogue } from './en.ts';
import { es } from './es.ts';
import { fr } from './fr.ts';

export const CATALOGUES: Readonly<Record<string, Catalogue>> = { en, de, fr, es, ar };
export const LOCALES = Object.keys(CATALOGUES);
export const DEFAULT_LOCALE = 'en';

/** Scripts written right to left (by language subtag). */
const RTL = new Set(['ar', 'he', 'fa', 'ur', 'ps', 'yi', 'dv', 'ckb', 'sd', 'ug']);

export function dirOf(locale: string): 'rtl' | 'ltr' {
  return RTL.has(locale.split('-')[0].toLowerCase()) ? 'rtl' : 'ltr';
}
