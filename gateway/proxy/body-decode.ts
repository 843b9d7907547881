// Turns an upstream body into text for rewriting: undo Content-Encoding (gzip, br, deflate), then
// decode with the charset from Content-Type, a BOM, or a <meta> in the first 1024 bytes.
import { isAscii } from 'node:buffer';
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const gunzip = promisify(zlib.gunzip);
const brotli = promisify(zlib.brotliDecompress);
const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);

export async function decompress(buf: Buffer, encoding: string | undefined): Promise<Buffer> {
  const enc = (encoding ?? '').trim().toLowerCase();
  if (!enc || enc === 'identity') return buf;
  if (enc === 'gzip' || enc === 'x-gzip') return gunzip(buf);
  if (enc === 'br') return brotli(buf);
  if (enc === 'deflate') {
    // Some servers send raw deflate under this name.
    return inflate(buf).catch(() => inflateRaw(buf));
  }
  throw new Error(`unsupported content-encoding ${enc}`);
}

function charsetFromContentType(ct: string | undefined): string | null {
  const m = /charset\s*=\s*"?([^";\s]+)/i.exec(ct ?? '');
  return m ? m[1] : null;
}

function sniffMetaCharset(head: string): string | null {
  const m = /<meta[^>]+charset\s*=\s*["']?([a-zA-Z0-9_.:-]+)/i.exec(head);
  return m ? m[1] : null;
}

function decoderFor(label: string | null): TextDecoder | null {
  if (!label) return null;
  try {
    return new TextDecoder(label);
  } catch {
    return null;
  }
}

const UTF8 = new TextDecoder('utf-8');

/** The decoder for `buf` by Content-Type, else a <meta> (when `sniffMeta`), else UTF-8. No BOM check. */
function decoderOf(buf: Buffer, contentType: string | undefined, sniffMeta: boolean): TextDecoder {
  return (
    decoderFor(charsetFromContentType(contentType)) ??
    (sniffMeta ? decoderFor(sniffMetaCharset(buf.subarray(0, 1024).toString('latin1'))) : null) ??
    UTF8
  );
}

/**
 * Whether `buf` already is UTF-8 (by BOM, charset, <meta> or default; or all ASCII under
 * windows-1252, which reads the same), so it can be rewritten as bytes (rewriteHtmlUtf8) instead of
 * through decodeText.
 */
export function isUtf8Text(buf: Buffer, contentType: string | undefined, sniffMeta: boolean): boolean {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return true;
  if ((buf[0] === 0xff && buf[1] === 0xfe) || (buf[0] === 0xfe && buf[1] === 0xff)) return false;
  const enc = decoderOf(buf, contentType, sniffMeta).encoding;
  return enc === 'utf-8' || (enc === 'windows-1252' && isAscii(buf));
}

/** Decodes HTML bytes to a string; the caller re-encodes as UTF-8 and says so in Content-Type. */
export function decodeText(buf: Buffer, contentType: string | undefined, sniffMeta: boolean): string {
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) return new TextDecoder('utf-8').decode(buf.subarray(3));
  if (buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder('utf-16le').decode(buf.subarray(2));
  if (buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder('utf-16be').decode(buf.subarray(2));
  const dec = decoderOf(buf, contentType, sniffMeta);
  // Bytes that are all ASCII read the same in every ASCII-compatible charset, and a latin1 copy
  // into a one-byte string costs about 1/25 of a UTF-8 decode (many pages spell non-ASCII with entities).
  if ((dec.encoding === 'utf-8' || dec.encoding === 'windows-1252') && isAscii(buf)) return buf.toString('latin1');
  return dec.decode(buf);
}
