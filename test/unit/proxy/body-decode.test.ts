// decodeText's ASCII fast path (a latin1 copy) must give what the charset's decoder gives.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeText } from '../../../gateway/proxy/body-decode.ts';

const ascii = fc.uint8Array({ minLength: 0, maxLength: 300, max: 0x7f }).map((a) => Buffer.from(a));

describe('decodeText', () => {
  it('reads all-ASCII bytes exactly as the UTF-8 and windows-1252 decoders do', () => {
    fc.assert(
      fc.property(ascii, fc.constantFrom('text/html', 'text/html; charset=utf-8', 'text/html; charset=iso-8859-1', 'text/html; charset=us-ascii'), (buf, ct) => {
        const label = /charset=([^;]+)/.exec(ct)?.[1] ?? 'utf-8';
        // A leading BOM-like sequence cannot occur in ASCII, so the decoders see the same bytes.
        expect(decodeText(buf, ct, false)).toBe(new TextDecoder(label).decode(buf));
      }),
      { numRuns: 500 },
    );
  });

  it('still decodes non-ASCII UTF-8 and legacy charsets with their decoders', () => {
    expect(decodeText(Buffer.from('<p>café ✓</p>', 'utf8'), 'text/html; charset=utf-8', true)).toBe('<p>café ✓</p>');
    expect(decodeText(Buffer.from('<p>caf\xe9</p>', 'latin1'), 'text/html; charset=iso-8859-1', true)).toBe('<p>café</p>');
    expect(decodeText(Buffer.from('<meta charset="iso-8859-1"><p>\xe9</p>', 'latin1'), 'text/html', true)).toBe('<meta charset="iso-8859-1"><p>é</p>');
    // An ASCII-looking page in a charset that is not ASCII-compatible keeps its decoder.
    const utf16 = Buffer.from('\ufeff<p>x</p>', 'utf16le');
    expect(decodeText(utf16, 'text/html', true)).toBe('<p>x</p>');
  });
});
