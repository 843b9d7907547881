/**
 * Rewrites every URL of a srcset value. Parsing follows the HTML "parse a srcset attribute"
 * algorithm, so data: URLs with commas and descriptors like `(…)` are handled; untouched
 * candidates keep their exact text. Returns null when nothing changed.
 */
export function rewriteSrcset(value: string, mapOne: (url: string) => string | null): string | null {
  const n = value.length;
  let out = '';
  let last = 0;
  let pos = 0;
  while (pos < n) {
    // Skip whitespace and separating commas.
    let c = value.charCodeAt(pos);
    while (pos < n && (isWs(c) || c === 0x2c)) c = value.charCodeAt(++pos);
    if (pos >= n) break;
    const urlStart = pos;
    while (pos < n && !isWs(value.charCodeAt(pos))) pos++;
    let urlEnd = pos;
    if (value.charCodeAt(urlEnd - 1) === 0x2c) {
      // A URL ending in commas has no descriptors; the commas are separators.
      while (urlEnd > urlStart && value.charCodeAt(urlEnd - 1) === 0x2c) urlEnd--;
    } else {
      // Descriptors run to the next comma that is not inside parentheses.
      let inParens = false;
      while (pos < n) {
        c = value.charCodeAt(pos);
        if (c === 0x28) inParens = true;
        else if (c === 0x29) inParens = false;
        else if (c === 0x2c && !inParens) break;
        pos++;
      }
    }
    if (urlEnd > urlStart) {
      const mapped = mapOne(value.slice(urlStart, urlEnd));
      if (mapped !== null) {
        out += value.slice(last, urlStart) + srcsetSafe(mapped);
        last = urlEnd;
      }
    }
  }
  return last === 0 ? null : out + value.slice(last);
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

/** A candidate URL can't contain whitespace or end in a comma without changing the list. */
function srcsetSafe(url: string): string {
  return url.replace(/[\t\n\f\r ]|,+$/g, (m) => m.replace(/[^]/g, (ch) => '%' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')));
}
