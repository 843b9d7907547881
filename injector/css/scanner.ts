import type { MapUrl, UrlKind } from '../types.ts';
import { mapOne } from '../url.ts';
import {
  cssUnescape,
  escapeCssString,
  escapeCssUrl,
  isCssNewline,
  isCssWhitespace,
  isHexDigit,
} from './url.ts';

/**
 * A resumable scanner that finds the URL-bearing tokens of CSS (url(), @import strings,
 * image-set() strings) and records replacements for the absolute ones.
 *
 * It is not a full CSS tokenizer: it only tracks what can change whether a `url(` or a
 * string is a URL (comments, strings, escapes, identifiers, at-rule preludes, parens).
 *
 * `scan(buf, from, final)` consumes complete tokens only. With `final` false it stops at the
 * start of a token that might continue past the end of `buf` and returns that index, so a
 * stream can carry the tail over and rescan it with the next chunk. State is only mutated for
 * tokens that were fully consumed, which is what makes any chunking produce the same output.
 */

const C_BORING = 0;
const C_NAME = 1;
const C_SLASH = 2;
const C_QUOTE = 3;
const C_AT = 4;
const C_OPEN = 5;
const C_CLOSE = 6;
const C_BLOCK = 7;

const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  if (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2d /* - */ ||
    c === 0x5f /* _ */ ||
    c === 0x5c /* \ */ ||
    c === 0x00
  ) {
    CLASS[c] = C_NAME;
  }
}
CLASS[0x2f] = C_SLASH;
CLASS[0x22] = C_QUOTE;
CLASS[0x27] = C_QUOTE;
CLASS[0x40] = C_AT;
CLASS[0x28] = C_OPEN;
CLASS[0x29] = C_CLOSE;
CLASS[0x3b] = C_BLOCK;
CLASS[0x7b] = C_BLOCK;
CLASS[0x7d] = C_BLOCK;

const NEED_MORE = -1;

function isNameCode(c: number): boolean {
  return c >= 0x80 || (CLASS[c] === C_NAME && c !== 0x5c);
}

/** Characters that make an unquoted url() a bad url. */
function isBadUrlChar(c: number): boolean {
  return (
    c === 0x22 ||
    c === 0x27 ||
    c === 0x28 ||
    (c <= 0x08 && c !== 0) ||
    c === 0x0b ||
    (c >= 0x0e && c <= 0x1f) ||
    c === 0x7f
  );
}

/**
 * Index after a hex escape's digits and its optional trailing whitespace, starting at the
 * first hex digit; NEED_MORE when the buffer ends before that is decided.
 */
function skipHexEscape(css: string, j: number, n: number, final: boolean): number {
  const stop = j + 6;
  while (j < stop && j < n && isHexDigit(css.charCodeAt(j))) j++;
  if (j >= n) return final ? n : NEED_MORE;
  const c = css.charCodeAt(j);
  if (c === 0x0d) {
    if (j + 1 >= n && !final) return NEED_MORE;
    return css.charCodeAt(j + 1) === 0x0a ? j + 2 : j + 1;
  }
  return isCssWhitespace(c) ? j + 1 : j;
}

export class CssScanner {
  /** Saw `@import`; its first string or url() is a stylesheet. */
  private importPending = false;
  /** Inside an `@namespace` prelude, whose url() is an identifier, not a fetch. */
  private inNamespace = false;
  /** Saw `url(` followed by a quote: the next string is the URL. */
  private urlStringNext = false;
  private parenDepth = 0;
  /** Paren depths at which an image-set() opened; its strings are URLs. */
  private imageSet: number[] = [];
  /** Set by consumeString: false for a bad string (cut by a newline). */
  private strOk = false;
  /** Set by consumeString: whether it ended with its closing quote (not EOF). */
  private strClosed = false;
  /** Set by consumeUrl: the url value range, or -1 when it is a bad url / quoted form. */
  private urlValStart = -1;
  private urlValEnd = -1;

  readonly starts: number[] = [];
  readonly ends: number[] = [];
  readonly texts: string[] = [];

  constructor(
    private readonly baseUrl: string,
    private readonly mapUrl: MapUrl,
  ) {}

  scan(css: string, from: number, final: boolean): number {
    const n = css.length;
    let i = from;
    while (i < n) {
      let c = css.charCodeAt(i);
      while (c < 128 && CLASS[c] === C_BORING) {
        if (++i >= n) return n;
        c = css.charCodeAt(i);
      }
      const cls = c >= 128 ? C_NAME : CLASS[c];
      switch (cls) {
        case C_NAME: {
          const e = this.consumeName(css, i, n, final);
          if (e === NEED_MORE) return i;
          if (e === i) {
            i++; // a backslash before a newline is a lone delimiter
            break;
          }
          if (e >= n || css.charCodeAt(e) !== 0x28 /* ( */) {
            i = e;
            break;
          }
          const fn = this.functionName(css, i, e);
          if (fn === 'url') {
            const r = this.consumeUrl(css, e + 1, n, final);
            if (r === NEED_MORE) return i;
            if (this.urlValStart === -2) {
              // `url(` + whitespace + quote: a function whose string argument is the URL.
              this.urlStringNext = true;
              this.parenDepth++;
              i = r;
              break;
            }
            if (this.urlValStart >= 0 && !this.inNamespace) {
              const raw = css.slice(this.urlValStart, this.urlValEnd);
              const mapped = this.map(cssUnescape(raw, false));
              if (mapped !== null) this.edit(this.urlValStart, this.urlValEnd, escapeCssUrl(mapped));
            }
            this.importPending = false;
            i = r;
            break;
          }
          this.parenDepth++;
          if (fn === 'image-set' || fn === '-webkit-image-set') this.imageSet.push(this.parenDepth);
          i = e + 1;
          break;
        }
        case C_QUOTE: {
          const e = this.consumeString(css, i, n, final);
          if (e === NEED_MORE) return i;
          if (
            this.strOk &&
            !this.inNamespace &&
            (this.urlStringNext || this.importPending || this.imageSet.length > 0)
          ) {
            const raw = css.slice(i + 1, this.strClosed ? e - 1 : e);
            const mapped = this.map(cssUnescape(raw, true));
            if (mapped !== null) {
              const q = String.fromCharCode(c);
              // A string cut by EOF stays unclosed, like the input.
              this.edit(i, e, q + escapeCssString(mapped, c) + (this.strClosed ? q : ''));
            }
          }
          this.urlStringNext = false;
          this.importPending = false;
          i = e;
          break;
        }
        case C_SLASH: {
          if (i + 1 >= n) {
            if (!final) return i;
            i++;
            break;
          }
          if (css.charCodeAt(i + 1) !== 0x2a /* * */) {
            i++;
            break;
          }
          const end = css.indexOf('*/', i + 2);
          if (end === -1) {
            if (!final) return i;
            i = n;
          } else {
            i = end + 2;
          }
          break;
        }
        case C_AT: {
          const e = this.consumeName(css, i + 1, n, final);
          if (e === NEED_MORE) return i;
          if (e > i + 1) {
            const name = this.lowerName(css, i + 1, e);
            if (name === 'import') this.importPending = true;
            else if (name === 'namespace') this.inNamespace = true;
          }
          i = Math.max(e, i + 1);
          break;
        }
        case C_OPEN:
          this.parenDepth++;
          i++;
          break;
        case C_CLOSE:
          if (this.imageSet.length > 0 && this.imageSet[this.imageSet.length - 1] === this.parenDepth) {
            this.imageSet.pop();
          }
          if (this.parenDepth > 0) this.parenDepth--;
          i++;
          break;
        default: {
          // ; { }
          this.importPending = false;
          this.inNamespace = false;
          if (c === 0x7d) {
            this.parenDepth = 0;
            this.imageSet.length = 0;
          }
          i++;
        }
      }
    }
    return n;
  }

  /** Applies and clears the recorded edits for buf[0, upto). */
  flush(buf: string, upto: number): string {
    const k = this.starts.length;
    if (k === 0) return upto === buf.length ? buf : buf.slice(0, upto);
    let out = '';
    let last = 0;
    for (let x = 0; x < k; x++) {
      out += buf.slice(last, this.starts[x]) + this.texts[x];
      last = this.ends[x];
    }
    out += buf.slice(last, upto);
    this.starts.length = this.ends.length = this.texts.length = 0;
    return out;
  }

  get editCount(): number {
    return this.starts.length;
  }

  private edit(start: number, end: number, text: string): void {
    this.starts.push(start);
    this.ends.push(end);
    this.texts.push(text);
  }

  private map(value: string): string | null {
    const kind: UrlKind = this.importPending ? 'style' : 'resource';
    return mapOne(value, this.baseUrl, kind, this.mapUrl);
  }

  private lowerName(css: string, start: number, end: number): string {
    const raw = css.slice(start, end);
    return (raw.indexOf('\\') === -1 ? raw : cssUnescape(raw, false)).toLowerCase();
  }

  /** The lower-cased function name when it is one we care about, else ''. */
  private functionName(css: string, start: number, end: number): string {
    const raw = css.slice(start, end);
    let name = '';
    if (raw.indexOf('\\') !== -1) name = cssUnescape(raw, false).toLowerCase();
    else if (raw.length === 3 || raw.length === 9 || raw.length === 17) name = raw.toLowerCase();
    return name === 'url' || name === 'image-set' || name === '-webkit-image-set' ? name : '';
  }

  /** End of the identifier-like run starting at i (may be i), or NEED_MORE. */
  private consumeName(css: string, i: number, n: number, final: boolean): number {
    while (i < n) {
      const c = css.charCodeAt(i);
      if (isNameCode(c)) {
        i++;
        continue;
      }
      if (c !== 0x5c) return i;
      if (i + 1 >= n) {
        if (!final) return NEED_MORE;
        return n; // `\` at EOF escapes to U+FFFD, still part of the name
      }
      const d = css.charCodeAt(i + 1);
      if (isCssNewline(d)) return i;
      if (isHexDigit(d)) {
        const j = skipHexEscape(css, i + 1, n, final);
        if (j === NEED_MORE) return NEED_MORE;
        i = j;
      } else {
        i += 2;
      }
    }
    return final ? n : NEED_MORE;
  }

  /** Index after the string token starting at the quote at i; sets strOk. */
  private consumeString(css: string, i: number, n: number, final: boolean): number {
    const q = css.charCodeAt(i);
    let j = i + 1;
    while (j < n) {
      const c = css.charCodeAt(j);
      if (c === q) {
        this.strOk = this.strClosed = true;
        return j + 1;
      }
      if (isCssNewline(c)) {
        this.strOk = this.strClosed = false; // bad string: ends before the newline
        return j;
      }
      if (c === 0x5c) {
        if (j + 1 >= n) {
          if (!final) return NEED_MORE;
          j = n;
          break;
        }
        const d = css.charCodeAt(j + 1);
        if (d === 0x0d) {
          if (j + 2 >= n && !final) return NEED_MORE;
          j += css.charCodeAt(j + 2) === 0x0a ? 3 : 2;
        } else if (isHexDigit(d)) {
          const k = skipHexEscape(css, j + 1, n, final);
          if (k === NEED_MORE) return NEED_MORE;
          j = k;
        } else {
          j += 2;
        }
        continue;
      }
      j++;
    }
    if (!final) return NEED_MORE;
    this.strOk = true; // EOF closes a string
    this.strClosed = false;
    return n;
  }

  /**
   * Consumes what follows `url(` (i is just after the paren). Returns the index after the token
   * and sets urlValStart/urlValEnd (-1 for a bad url; -2 when a quote follows, in which case
   * the return value is the quote's index).
   */
  private consumeUrl(css: string, i: number, n: number, final: boolean): number {
    let j = i;
    while (j < n && isCssWhitespace(css.charCodeAt(j))) j++;
    if (j >= n) {
      if (!final) return NEED_MORE;
      this.urlValStart = this.urlValEnd = -1;
      return n;
    }
    const first = css.charCodeAt(j);
    if (first === 0x22 || first === 0x27) {
      this.urlValStart = -2;
      return j;
    }
    const vs = j;
    while (true) {
      if (j >= n) {
        if (!final) return NEED_MORE;
        this.urlValStart = vs;
        this.urlValEnd = n;
        return n;
      }
      const c = css.charCodeAt(j);
      if (c === 0x29 /* ) */) {
        this.urlValStart = vs;
        this.urlValEnd = j;
        return j + 1;
      }
      if (isCssWhitespace(c)) {
        const we = j;
        while (j < n && isCssWhitespace(css.charCodeAt(j))) j++;
        if (j >= n) {
          if (!final) return NEED_MORE;
          this.urlValStart = vs;
          this.urlValEnd = we;
          return n;
        }
        if (css.charCodeAt(j) === 0x29) {
          this.urlValStart = vs;
          this.urlValEnd = we;
          return j + 1;
        }
        return this.consumeBadUrl(css, j, n, final);
      }
      if (isBadUrlChar(c)) return this.consumeBadUrl(css, j, n, final);
      if (c === 0x5c) {
        if (j + 1 >= n) {
          if (!final) return NEED_MORE;
          j = n;
          continue;
        }
        const d = css.charCodeAt(j + 1);
        if (isCssNewline(d)) return this.consumeBadUrl(css, j, n, final);
        if (isHexDigit(d)) {
          const k = skipHexEscape(css, j + 1, n, final);
          if (k === NEED_MORE) return NEED_MORE;
          j = k;
        } else {
          j += 2;
        }
        continue;
      }
      j++;
    }
  }

  private consumeBadUrl(css: string, j: number, n: number, final: boolean): number {
    while (j < n) {
      const c = css.charCodeAt(j);
      if (c === 0x29) {
        this.urlValStart = this.urlValEnd = -1;
        return j + 1;
      }
      // An escaped `)` doesn't end the remnants; other escapes can't contain a `)`.
      j += c === 0x5c && j + 1 < n && !isCssNewline(css.charCodeAt(j + 1)) ? 2 : 1;
      if (c === 0x5c && j >= n && !final) return NEED_MORE;
    }
    if (!final) return NEED_MORE;
    this.urlValStart = this.urlValEnd = -1;
    return n;
  }
}
