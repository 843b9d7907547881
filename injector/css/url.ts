// CSS escaping helpers for the values of url(...) tokens and strings.

export function isCssNewline(c: number): boolean {
  return c === 0x0a || c === 0x0d || c === 0x0c;
}

export function isCssWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c;
}

export function isHexDigit(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}

/**
 * Decodes CSS escapes. `inString` selects string rules: an escaped newline is a line
 * continuation and a trailing backslash vanishes; elsewhere the latter becomes U+FFFD.
 */
export function cssUnescape(raw: string, inString: boolean): string {
  if (raw.indexOf('\\') === -1) return raw;
  let out = '';
  const n = raw.length;
  let i = 0;
  let last = 0;
  while (i < n) {
    if (raw.charCodeAt(i) !== 0x5c) {
      i++;
      continue;
    }
    out += raw.slice(last, i);
    if (i + 1 >= n) {
      if (!inString) out += '\uFFFD';
      i = last = n;
      break;
    }
    const d = raw.charCodeAt(i + 1);
    if (isCssNewline(d)) {
      if (inString) {
        // A line continuation.
        i += d === 0x0d && raw.charCodeAt(i + 2) === 0x0a ? 3 : 2;
      } else {
        // Not an escape outside strings: the backslash is literal.
        out += '\\';
        i += 1;
      }
    } else if (isHexDigit(d)) {
      let j = i + 1;
      const stop = Math.min(n, j + 6);
      while (j < stop && isHexDigit(raw.charCodeAt(j))) j++;
      const cp = parseInt(raw.slice(i + 1, j), 16);
      out +=
        cp === 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff ? '\uFFFD' : String.fromCodePoint(cp);
      if (j < n && isCssWhitespace(raw.charCodeAt(j))) {
        j += raw.charCodeAt(j) === 0x0d && raw.charCodeAt(j + 1) === 0x0a ? 2 : 1;
      }
      i = j;
    } else {
      const cp = raw.codePointAt(i + 1)!;
      out += String.fromCodePoint(cp);
      i += cp > 0xffff ? 3 : 2;
    }
    last = i;
  }
  return out + raw.slice(last);
}

function hexEscape(c: number): string {
  return '\\' + c.toString(16) + ' ';
}

/**
 * Escapes a value for a CSS string delimited by `quote`. `<` is escaped too so the result can
 * never close the surrounding <style> element.
 */
export function escapeCssString(value: string, quote: number): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let rep: string | null = null;
    if (c === 0x5c || c === quote) rep = '\\' + value[i];
    else if (c < 0x20 || c === 0x7f || c === 0x3c) rep = hexEscape(c === 0 ? 0xfffd : c);
    if (rep !== null) {
      out += value.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? value : out + value.slice(last);
}

/** Escapes a value for an unquoted url(...) token. */
export function escapeCssUrl(value: string): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let rep: string | null = null;
    if (c === 0x5c || c === 0x28 || c === 0x29 || c === 0x22 || c === 0x27) rep = '\\' + value[i];
    else if (c <= 0x20 || c === 0x7f || c === 0x3c) rep = hexEscape(c === 0 ? 0xfffd : c);
    if (rep !== null) {
      out += value.slice(last, i) + rep;
      last = i + 1;
    }
  }
  return last === 0 ? value : out + value.slice(last);
}
