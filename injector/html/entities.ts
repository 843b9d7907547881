import { Tokenizer, QuoteType } from 'htmlparser2';

// Attribute values are decoded with htmlparser2's own tokenizer so we follow exactly the same
// entity table and the attribute-specific legacy rule (`?a=1&copy=2` stays literal) as the parser,
// without depending on a transitive copy of `entities`.
let src = '';
let out = '';
const noop = (): void => {};
const decoder = new Tokenizer(
  { decodeEntities: true },
  {
    onattribdata(start: number, end: number) {
      out += src.slice(start, end);
    },
    onattribentity(cp: number) {
      out += String.fromCodePoint(cp);
    },
    onattribend: noop,
    onattribname: noop,
    oncdata: noop,
    onclosetag: noop,
    oncomment: noop,
    ondeclaration: noop,
    onend: noop,
    onopentagend: noop,
    onopentagname: noop,
    onprocessinginstruction: noop,
    onselfclosingtag: noop,
    ontext: noop,
    ontextentity: noop,
  },
);

const DQ = /"/g;

/** Decodes character references in a raw attribute value (as found between its quotes). */
export function decodeAttr(raw: string): string {
  if (raw.indexOf('&') === -1) return raw;
  // A literal `"` can't take part in a character reference, so swapping it for `&#34;`
  // lets any raw value (single-quoted or unquoted) sit inside our double-quoted probe.
  src = '<a a="' + raw.replace(DQ, '&#34;') + '">';
  out = '';
  decoder.reset();
  decoder.write(src);
  decoder.end();
  const r = out;
  src = out = '';
  return r;
}

const NEEDS_QUOTES = /[\s"'=<>`]/;

/**
 * Encodes `value` to replace the raw value range of an attribute written with `quote`.
 * Unquoted values that would no longer survive unquoted get double quotes.
 */
export function encodeAttr(value: string, quote: QuoteType): string {
  if (quote === QuoteType.Double) return encodeDouble(value);
  if (quote === QuoteType.Single) {
    return value.indexOf('&') === -1 && value.indexOf("'") === -1
      ? value
      : value.replace(/&/g, '&amp;').replace(/'/g, '&#39;');
  }
  if (value === '' || NEEDS_QUOTES.test(value)) return '"' + encodeDouble(value) + '"';
  return value.indexOf('&') === -1 ? value : value.replace(/&/g, '&amp;');
}

function encodeDouble(value: string): string {
  return value.indexOf('&') === -1 && value.indexOf('"') === -1
    ? value
    : value.replace(/&/g, '&amp;').replace(DQ, '&quot;');
}
