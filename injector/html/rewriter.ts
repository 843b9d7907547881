import { Tokenizer, QuoteType, type TokenizerCallbacks } from 'htmlparser2';
import type { MapUrl, RewriteContext, UrlKind } from '../types.ts';
import { mapOne, resolveBase } from '../url.ts';
import { decodeAttr, encodeAttr } from './entities.ts';
import { INTERESTING_ATTRS, SRCSET_ATTRS, URL_ATTRS, linkKind } from '../rules/url-attrs.ts';
import { rewriteSrcset } from '../rules/srcset.ts';
import { rewritePing } from '../rules/ping.ts';
import { rewriteRefresh } from '../rules/meta-refresh.ts';
import { isCspMeta } from '../rules/meta-csp.ts';
import { svgHrefKind } from '../rules/svg-href.ts';
import { headInsertion, firstContentIndex } from '../rules/head.ts';
import { rewriteCss } from '../css/rewrite.ts';

const UPPER = /[A-Z]/;
const NON_ASCII = /[^\x00-\x7f]/;

/** A "binary" string (one char per byte) of UTF-8 bytes → the text it spells. */
function fromBytes(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'latin1').toString('utf8') : s;
}

/** Text → its UTF-8 bytes as a "binary" string (one char per byte). */
function toBytes(s: string): string {
  return NON_ASCII.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

/**
 * Splices rewritten attribute values into the original markup.
 *
 * htmlparser2's Tokenizer runs with decodeEntities off, so each attribute value arrives as one
 * raw [start, end) range of the input and text is skipped with indexOf-like fast-forwarding.
 * We never build a DOM and never re-serialize: the output is the input with a sorted list of
 * (start, end, replacement) edits applied, so every byte we don't rewrite passes through as is.
 */
export class HtmlRewriter implements TokenizerCallbacks {
  private readonly html: string;
  /**
   * `html` holds UTF-8 bytes, one char per byte (Buffer#toString('latin1')). Markup is ASCII, and
   * every byte of a multi-byte UTF-8 character is >= 0x80, so the tokenizer sees the same tokens;
   * only the values we interpret are decoded (fromBytes) and only our edits encoded (toBytes).
   * It spares decoding the page to UTF-16 and encoding the output back, and one-byte strings
   * tokenize faster than two-byte ones.
   */
  private readonly bytes: boolean;
  private readonly mapUrl: MapUrl;
  private readonly pageUrl: string;
  /** Real base URL for resolving scheme-relative references; set by the first <base href>. */
  private base: string;
  private baseSeen = false;

  // Edits, in push order; `sorted` stays true while pushes arrive in position order.
  private readonly eStart: number[] = [];
  private readonly eEnd: number[] = [];
  private readonly eText: string[] = [];
  private sorted = true;

  // Current start tag.
  private tagStart = 0;
  private tagName = '';
  // Interesting attributes of the current tag (parallel arrays, reused across tags).
  private nAttr = 0;
  private cur = -1;
  private readonly aName: string[] = [];
  private readonly aNameStart: number[] = [];
  private readonly aValStart: number[] = [];
  private readonly aValEnd: number[] = [];
  private readonly aQuote: QuoteType[] = [];
  private readonly aEnd: number[] = [];

  /** Content start of the <style> element we are in, or -1. */
  private styleStart = -1;
  /** Open <svg> elements; inside them `href` on any element is a reference. */
  private svgDepth = 0;

  // Head injection: pending until the first token that is not BOM/whitespace, comment,
  // doctype or the <html> start tag. `skipEnd` is the end of the last such token.
  private inject: string | undefined;
  private skipEnd = 0;

  constructor(html: string, ctx: RewriteContext, bytes = false) {
    this.html = html;
    this.bytes = bytes;
    this.mapUrl = ctx.mapUrl;
    this.pageUrl = ctx.pageUrl;
    this.base = ctx.pageUrl;
    this.inject = ctx.injectHead ? ctx.injectHead : undefined;
  }

  run(): string {
    const tokenizer = new Tokenizer({ decodeEntities: false, xmlMode: false }, this);
    tokenizer.write(this.html);
    tokenizer.end();
    return this.apply();
  }

  // ---- tokenizer callbacks -------------------------------------------------------------

  ontext(start: number, end: number): void {
    if (this.inject === undefined) return;
    // A (second) BOM left at the start reads as U+FEFF after a decode: skip its three bytes here.
    const from = this.bytes && start === 0 && this.html.startsWith('\xef\xbb\xbf') ? Math.min(3, end) : start;
    const i = from === end ? -1 : firstContentIndex(this.html, from, end);
    if (i === -1) this.skipEnd = end;
    else this.injectAt(i, true);
  }

  ontextentity(): void {}

  onopentagname(start: number, end: number): void {
    this.tagStart = start - 1; // the `<` right before the name
    const raw = this.html.slice(start, end);
    this.tagName = UPPER.test(raw) ? raw.toLowerCase() : raw;
    this.nAttr = 0;
    this.cur = -1;
    if (this.inject !== undefined && this.tagName !== 'html' && this.tagName !== 'head') {
      this.injectAt(this.tagStart, true);
    }
  }

  onattribname(start: number, end: number): void {
    let name = this.html.slice(start, end);
    if (!INTERESTING_ATTRS.has(name)) {
      if (!UPPER.test(name)) {
        this.cur = -1;
        return;
      }
      name = name.toLowerCase();
      if (!INTERESTING_ATTRS.has(name)) {
        this.cur = -1;
        return;
      }
    }
    const k = this.nAttr++;
    this.cur = k;
    this.aName[k] = name;
    this.aNameStart[k] = start;
    this.aValStart[k] = -1;
    this.aValEnd[k] = -1;
  }

  onattribdata(start: number, end: number): void {
    const k = this.cur;
    if (k < 0) return;
    if (this.aValStart[k] < 0) this.aValStart[k] = start;
    this.aValEnd[k] = end;
  }

  onattribentity(): void {}

  onattribend(quote: QuoteType, end: number): void {
    const k = this.cur;
    if (k < 0) return;
    this.aQuote[k] = quote;
    this.aEnd[k] = end;
    this.cur = -1;
  }

  onopentagend(end: number): void {
    this.endStartTag(end, false);
  }

  onselfclosingtag(end: number): void {
    this.endStartTag(end, true);
  }

  onclosetag(start: number, end: number): void {
    if (this.inject !== undefined) this.injectAt(start - 2, true);
    if (this.styleStart >= 0) {
      // The tokenizer leaves raw-text mode only at `</style`, so this is the matching close tag.
      this.rewriteStyleText(this.styleStart, start - 2);
      this.styleStart = -1;
      return;
    }
    if (this.svgDepth > 0 && end - start === 3 && this.html.slice(start, end).toLowerCase() === 'svg') {
      this.svgDepth--;
    }
  }

  oncomment(_start: number, end: number): void {
    if (this.inject !== undefined) this.skipEnd = Math.min(end + 1, this.html.length);
  }

  oncdata(_start: number, end: number): void {
    if (this.inject !== undefined) this.skipEnd = Math.min(end + 1, this.html.length);
  }

  ondeclaration(_start: number, end: number): void {
    if (this.inject !== undefined) this.skipEnd = end + 1;
  }

  onprocessinginstruction(_start: number, end: number): void {
    if (this.inject !== undefined) this.skipEnd = end + 1;
  }

  onend(): void {
    if (this.styleStart >= 0) {
      this.rewriteStyleText(this.styleStart, this.html.length);
      this.styleStart = -1;
    }
    // Nothing but skippable tokens (or a truncated tag at EOF): put the head after them.
    if (this.inject !== undefined) this.injectAt(this.skipEnd, true);
  }

  // ---- tags ----------------------------------------------------------------------------

  private endStartTag(end: number, selfClosing: boolean): void {
    const tag = this.tagName;
    if (this.nAttr > 0) {
      if (!this.rewriteAttributes(tag, end)) return; // the element was removed
    }
    if (tag === 'style') {
      if (!selfClosing) this.styleStart = end + 1;
    } else if (tag === 'svg') {
      if (!selfClosing) this.svgDepth++;
    } else if (tag === 'html') {
      if (this.inject !== undefined) this.skipEnd = end + 1;
    } else if (tag === 'head') {
      if (this.inject !== undefined) this.injectAt(end + 1, false);
    }
  }

  /** Returns false when the whole element was removed. */
  private rewriteAttributes(tag: string, tagEnd: number): boolean {
    const n = this.nAttr;
    const urlAttrs = URL_ATTRS.get(tag);
    const srcsetAttr = SRCSET_ATTRS.get(tag);
    let rewrote = false;

    if (tag === 'meta') return this.rewriteMeta(tagEnd);

    for (let k = 0; k < n; k++) {
      if (this.aValStart[k] < 0) continue; // no value: nothing to rewrite
      const name = this.aName[k];
      let kind: UrlKind | undefined = urlAttrs?.get(name);
      if (kind !== undefined) {
        rewrote = this.rewriteUrl(k, kind) || rewrote;
        continue;
      }
      switch (name) {
        case 'href':
          if (tag === 'link') kind = linkKind(this.attrValue('rel'), this.attrValue('as'));
          else if (tag === 'base') {
            rewrote = this.rewriteBase(k) || rewrote;
            continue;
          } else if (this.svgDepth > 0 || tag === 'svg') kind = svgHrefKind(tag);
          if (kind !== undefined) rewrote = this.rewriteUrl(k, kind) || rewrote;
          break;
        case 'xlink:href':
          rewrote = this.rewriteUrl(k, svgHrefKind(tag)) || rewrote;
          break;
        case 'style':
          this.rewriteStyleAttr(k);
          break;
        case 'ping':
          if (tag === 'a' || tag === 'area') {
            this.rewriteWith(k, (v) => rewritePing(v, (u) => this.map(u, 'resource')));
          }
          break;
        case 'srcdoc':
          if (tag === 'iframe') this.rewriteSrcdoc(k);
          break;
        default:
          if (name === srcsetAttr) {
            rewrote = this.rewriteWith(k, (v) => rewriteSrcset(v, (u) => this.map(u, 'resource'))) || rewrote;
          }
      }
    }
    // Subresource integrity can't match once the bytes come through the proxy (which may
    // rewrite them), so drop it; crossorigin stays so CORS mode doesn't change.
    if (rewrote) {
      for (let k = 0; k < n; k++) if (this.aName[k] === 'integrity') this.removeAttr(k);
    }
    return true;
  }

  private rewriteMeta(tagEnd: number): boolean {
    const equiv = this.attrValue('http-equiv');
    if (equiv === '') return true;
    if (isCspMeta(equiv)) {
      this.edit(this.tagStart, tagEnd + 1, '');
      return false;
    }
    if (equiv.trim().toLowerCase() === 'refresh') {
      const k = this.attrIndex('content');
      if (k >= 0) this.rewriteWith(k, (v) => rewriteRefresh(v, (u) => this.map(u, 'navigation')));
    }
    // <meta> may also carry a style attribute, pointlessly; keep parity with other elements.
    const s = this.attrIndex('style');
    if (s >= 0) this.rewriteStyleAttr(s);
    return true;
  }

  private rewriteBase(k: number): boolean {
    const value = this.decodedValue(k);
    // The base href itself resolves against the document URL; only the first one counts.
    const rewrote = this.replaceValue(k, mapOne(value, this.pageUrl, 'navigation', this.mapUrl));
    if (!this.baseSeen) {
      this.baseSeen = true;
      this.base = resolveBase(value, this.pageUrl);
    }
    return rewrote;
  }

  private rewriteStyleAttr(k: number): void {
    const value = this.decodedValue(k);
    if (value.indexOf('(') === -1) return;
    const css = rewriteCss(value, { baseUrl: this.base, mapUrl: this.mapUrl });
    if (css !== value) this.replaceValue(k, css);
  }

  private rewriteSrcdoc(k: number): void {
    const doc = this.decodedValue(k);
    // The srcdoc document inherits our base URL. The head script is not injected there: it
    // is the gateway's call whether the overlay should run in nested documents.
    const out = new HtmlRewriter(doc, { pageUrl: this.base, mapUrl: this.mapUrl }).run();
    if (out !== doc) this.replaceValue(k, out);
  }

  private rewriteStyleText(start: number, end: number): void {
    if (end <= start) return;
    const raw = this.html.slice(start, end);
    const text = this.bytes ? fromBytes(raw) : raw;
    const css = rewriteCss(text, { baseUrl: this.base, mapUrl: this.mapUrl });
    if (css !== text) this.edit(start, end, css);
  }

  // ---- attribute helpers ---------------------------------------------------------------

  private map(url: string, kind: UrlKind): string | null {
    return mapOne(url, this.base, kind, this.mapUrl);
  }

  private rewriteUrl(k: number, kind: UrlKind): boolean {
    return this.replaceValue(k, this.map(this.decodedValue(k), kind));
  }

  private rewriteWith(k: number, fn: (decoded: string) => string | null): boolean {
    return this.replaceValue(k, fn(this.decodedValue(k)));
  }

  /** Decoded value of attribute k. */
  private decodedValue(k: number): string {
    const raw = this.html.slice(this.aValStart[k], this.aValEnd[k]);
    return decodeAttr(this.bytes ? fromBytes(raw) : raw);
  }

  private replaceValue(k: number, decoded: string | null): boolean {
    if (decoded === null) return false;
    this.edit(this.aValStart[k], this.aValEnd[k], encodeAttr(decoded, this.aQuote[k]));
    return true;
  }

  private attrIndex(name: string): number {
    for (let k = 0; k < this.nAttr; k++) if (this.aName[k] === name && this.aValStart[k] >= 0) return k;
    return -1;
  }

  private attrValue(name: string): string {
    const k = this.attrIndex(name);
    return k < 0 ? '' : this.decodedValue(k);
  }

  private removeAttr(k: number): void {
    const nameStart = this.aNameStart[k];
    const end = this.aEnd[k];
    const html = this.html;
    let after = end;
    while (isHtmlWs(html.charCodeAt(after))) after++;
    if (html.charCodeAt(after) === 0x3d /* = */) {
      // Malformed `... integrity=x =y`: without the attribute, `=y` could become the value of
      // the previous one. An empty integrity is ignored by SRI, so blank the value instead.
      if (this.aValStart[k] >= 0) {
        this.edit(this.aValStart[k], this.aValEnd[k], this.aQuote[k] === QuoteType.Unquoted ? '""' : '');
      }
      return;
    }
    let s = nameStart;
    // The tag name always precedes, so walking back over whitespace stays inside the tag.
    while (s > this.tagStart && isHtmlWs(html.charCodeAt(s - 1))) s--;
    const next = html.charCodeAt(end);
    if (isHtmlWs(next) || next === 0x3e /* > */) {
      this.edit(s, end, '');
    } else if (s < nameStart) {
      // Something glued to the attribute follows (`integrity="x"title=y`, `integrity="x"/>`):
      // keep one separator so it isn't absorbed by the previous name or unquoted value.
      this.edit(s + 1, end, '');
    } else {
      this.edit(nameStart, end, ' ');
    }
  }

  // ---- head injection ------------------------------------------------------------------

  /** `wrap`: no <head> start tag here, so the inserted markup opens one itself. */
  private injectAt(pos: number, wrap: boolean): void {
    const html = this.inject!;
    this.inject = undefined;
    this.edit(pos, pos, headInsertion(html, wrap));
  }

  // ---- output --------------------------------------------------------------------------

  private edit(start: number, end: number, text: string): void {
    if (this.bytes) text = toBytes(text);
    const n = this.eStart.length;
    if (n > 0 && start < this.eStart[n - 1]) this.sorted = false;
    this.eStart.push(start);
    this.eEnd.push(end);
    this.eText.push(text);
  }

  private apply(): string {
    const n = this.eStart.length;
    if (n === 0) return this.html;
    let order: number[] | null = null;
    if (!this.sorted) {
      order = Array.from({ length: n }, (_, i) => i);
      // Stable, so an insertion pushed before a replacement at the same position stays first.
      order.sort((a, b) => this.eStart[a] - this.eStart[b] || a - b);
    }
    const parts: string[] = [];
    let last = 0;
    for (let x = 0; x < n; x++) {
      const i = order === null ? x : order[x];
      const s = this.eStart[i];
      if (s < last) continue; // never overlaps by construction; guard rather than corrupt output
      if (s > last) parts.push(this.html.slice(last, s));
      parts.push(this.eText[i]);
      last = this.eEnd[i];
    }
    if (last < this.html.length) parts.push(this.html.slice(last));
    return parts.join('');
  }
}

function isHtmlWs(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}
