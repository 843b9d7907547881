// Which locale a visitor gets: the first of their preferences (in order) that we have a catalogue
// for, by exact tag then by language; English when none matches. Pure and runtime-neutral.

/** A BCP 47 tag in canonical case, or null for anything that is not one (bad input is ignored). */
export function canonicalTag(tag: string | null | undefined): string | null {
  if (!tag || tag.length > 35 || !/^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$/.test(tag.trim())) return null;
  try {
    return Intl.getCanonicalLocales(tag.trim().replace(/_/g, '-'))[0] ?? null;
  } catch {
    return null;
  }
}

/** `Accept-Language: de-CH, de;q=0.9, en;q=0.8` → ['de-CH', 'de', 'en'] (by q, then order; `*` and q=0 dropped). */
export function parseAcceptLanguage(header: string | null | undefined): string[] {
  if (!header) return [];
  const items: { tag: string; q: number; i: number }[] = [];
  header
    .split(',')
    .slice(0, 20)
    .forEach((part, i) => {
      const [rawTag, ...params] = part.trim().split(';');
      const tag = canonicalTag(rawTag);
      if (!tag) return;
      let q = 1;
      for (const p of params) {
        const m = /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/.exec(p);
        if (m) q = Number(m[1]);
      }
      if (q > 0) items.push({ tag, q, i });
    });
  return items.sort((a, b) => b.q - a.q || a.i - b.i).map((x) => x.tag);
}

export interface Negotiated {
  /** The catalogue to use, e.g. 'de'. */
  locale: string;
  /** The tag to format dates and numbers with: the visitor's own variant when it matches (e.g. 'de-CH'). */
  formatLocale: string;
}

export function negotiateLocale(preferences: readonly (string | null | undefined)[], available: readonly string[], fallback: string): Negotiated {
  const have = new Map(available.map((l) => [l.toLowerCase(), l]));
  for (const raw of preferences) {
    const tag = canonicalTag(raw);
    if (!tag) continue;
    const exact = have.get(tag.toLowerCase());
    if (exact) return { locale: exact, formatLocale: tag };
    const lang = have.get(tag.split('-')[0].toLowerCase());
    if (lang) return { locale: lang, formatLocale: tag };
  }
  return { locale: fallback, formatLocale: fallback };
}
