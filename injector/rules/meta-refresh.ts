/**
 * Finds the URL inside a refresh value (`<meta http-equiv=refresh content>` or the Refresh
 * header), following the HTML "shared declarative refresh steps": `5; url=x`, `5;URL='x'`,
 * `0, x` and `5 x` all carry a URL. Returns [start, end) of the URL in `value`, or null.
 */
export function findRefreshUrl(value: string): [number, number] | null {
  const n = value.length;
  let pos = skipWs(value, 0);
  const digitsStart = pos;
  while (pos < n && isDigit(value.charCodeAt(pos))) pos++;
  if (pos === digitsStart && value.charCodeAt(pos) !== 0x2e /* . */) return null;
  while (pos < n && (isDigit(value.charCodeAt(pos)) || value.charCodeAt(pos) === 0x2e)) pos++;
  if (pos < n) {
    const c = value.charCodeAt(pos);
    if (c !== 0x3b && c !== 0x2c && !isWs(c)) return null;
    pos = skipWs(value, pos);
    if (pos < n && (value.charCodeAt(pos) === 0x3b || value.charCodeAt(pos) === 0x2c)) pos++;
    pos = skipWs(value, pos);
  }
  if (pos >= n) return null;
  const urlStart = pos;
  // Optional `url =` prefix; when it doesn't fully match, the whole rest is the URL.
  let p = pos;
  if (
    (value.charCodeAt(p) | 0x20) === 0x75 &&
    (value.charCodeAt(p + 1) | 0x20) === 0x72 &&
    (value.charCodeAt(p + 2) | 0x20) === 0x6c
  ) {
    p = skipWs(value, p + 3);
    if (value.charCodeAt(p) === 0x3d /* = */) {
      pos = skipWs(value, p + 1);
    } else {
      return trimEnd(value, urlStart, n);
    }
  }
  const q = value.charCodeAt(pos);
  if (q === 0x22 || q === 0x27) {
    pos++;
    const close = value.indexOf(String.fromCharCode(q), pos);
    return [pos, close === -1 ? n : close];
  }
  return trimEnd(value, pos, n);
}

/** Rewrites the URL of a refresh value; null when there is none or it stays. */
export function rewriteRefresh(value: string, mapOne: (url: string) => string | null): string | null {
  const r = findRefreshUrl(value);
  if (r === null || r[0] >= r[1]) return null;
  const mapped = mapOne(value.slice(r[0], r[1]));
  return mapped === null ? null : value.slice(0, r[0]) + mapped + value.slice(r[1]);
}

function trimEnd(value: string, start: number, end: number): [number, number] {
  while (end > start && value.charCodeAt(end - 1) <= 0x20) end--;
  return [start, end];
}

function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

function isWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}
