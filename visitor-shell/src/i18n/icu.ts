// A small ICU MessageFormat subset, enough for UI catalogues and safe for site-owner overrides:
// `{name}` arguments and `{n, plural, [offset:k] =N {…} zero|one|two|few|many|other {…}}` with `#`
// (the number minus the offset, in the locale's digits), nested. Plural categories come from
// `Intl.PluralRules`, so every locale's rules are the browser's own (no new dependency).
// Runtime-neutral: no DOM or Node APIs. Output is plain text, meant for textContent only.

export type Part = string | { arg: string } | { hash: true } | { arg: string; offset: number; options: Map<string, Part[]> };
export type Params = Record<string, string | number>;

const CATEGORY = /^(?:=\d+|zero|one|two|few|many|other)$/;

/** Parsed pattern, or null when it is not well-formed (unbalanced braces, plural without `other`…). */
export function parseMessage(pattern: string): Part[] | null {
  let i = 0;
  const fail = () => {
    throw new SyntaxError(`bad message at ${i}`);
  };
  const skipWs = () => {
    while (i < pattern.length && /\s/.test(pattern[i])) i++;
  };
  const ident = (): string => {
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(pattern.slice(i));
    if (!m) fail();
    i += m![0].length;
    return m![0];
  };
  const parts = (inPlural: boolean, depth: number): Part[] => {
    if (depth > 4) fail();
    const out: Part[] = [];
    let text = '';
    const flush = () => {
      if (text) out.push(text);
      text = '';
    };
    while (i < pattern.length) {
      const c = pattern[i];
      if (c === '}') break;
      if (c === '#' && inPlural) {
        flush();
        out.push({ hash: true });
        i++;
        continue;
      }
      if (c !== '{') {
        text += c;
        i++;
        continue;
      }
      flush();
      i++;
      skipWs();
      const arg = ident();
      skipWs();
      if (pattern[i] === '}') {
        i++;
        out.push({ arg });
        continue;
      }
      if (pattern[i] !== ',') fail();
      i++;
      skipWs();
      if (ident() !== 'plural') fail();
      skipWs();
      if (pattern[i] !== ',') fail();
      i++;
      skipWs();
      let offset = 0;
      const off = /^offset:(\d+)/.exec(pattern.slice(i));
      if (off) {
        offset = Number(off[1]);
        i += off[0].length;
        skipWs();
      }
      const options = new Map<string, Part[]>();
      while (pattern[i] !== '}') {
        const m = /^(=\d+|[a-z]+)/.exec(pattern.slice(i));
        if (!m || !CATEGORY.test(m[1]) || options.has(m[1])) fail();
        i += m![0].length;
        skipWs();
        if (pattern[i] !== '{') fail();
        i++;
        options.set(m![1], parts(true, depth + 1));
        if (pattern[i] !== '}') fail();
        i++;
        skipWs();
        if (i >= pattern.length) fail();
      }
      i++;
      if (!options.has('other')) fail();
      out.push({ arg, offset, options });
    }
    flush();
    return out;
  };
  try {
    const out = parts(false, 0);
    return i === pattern.length ? out : null;
  } catch {
    return null;
  }
}

/** The argument names a pattern uses (to check a translation or an override against English). */
export function argumentsOf(parsed: Part[]): Set<string> {
  const names = new Set<string>();
  const walk = (ps: Part[]) => {
    for (const p of ps) {
      if (typeof p === 'string' || 'hash' in p) continue;
      names.add(p.arg);
      if ('options' in p) for (const o of p.options.values()) walk(o);
    }
  };
  walk(parsed);
  return names;
}

const pluralRules = new Map<string, Intl.PluralRules>();
const numberFormats = new Map<string, Intl.NumberFormat>();
const rulesFor = (locale: string) => pluralRules.get(locale) ?? pluralRules.set(locale, new Intl.PluralRules(locale)).get(locale)!;
const numbersFor = (locale: string) => numberFormats.get(locale) ?? numberFormats.set(locale, new Intl.NumberFormat(locale)).get(locale)!;

export function formatParts(parsed: Part[], locale: string, params: Params = {}, hash: number | null = null): string {
  let out = '';
  for (const p of parsed) {
    if (typeof p === 'string') out += p;
    else if ('hash' in p) out += hash === null ? '#' : numbersFor(locale).format(hash);
    else if (!('options' in p)) {
      const v = params[p.arg];
      out += typeof v === 'number' ? numbersFor(locale).format(v) : (v ?? '');
    } else {
      const n = Number(params[p.arg]);
      const value = Number.isFinite(n) ? n : 0;
      const exact = p.options.get(`=${value}`);
      const chosen = exact ?? p.options.get(rulesFor(locale).select(value - p.offset)) ?? p.options.get('other')!;
      out += formatParts(chosen, locale, params, value - p.offset);
    }
  }
  return out;
}
