import type { CssContext } from '../types.ts';
import { CssScanner } from './scanner.ts';

/** Rewrites absolute URLs in url(), @import and image-set() of a stylesheet or declaration list. */
export function rewriteCss(css: string, ctx: CssContext): string {
  // Every URL position needs a `(` (url(), image-set()) or an `@` (@import "x").
  if (css.indexOf('(') === -1 && css.indexOf('@') === -1) return css;
  const scanner = new CssScanner(ctx.baseUrl, ctx.mapUrl);
  scanner.scan(css, 0, true);
  return scanner.editCount === 0 ? css : scanner.flush(css, css.length);
}

export interface CssRewriteStream {
  /** Feeds a chunk; returns the rewritten output that is now final (possibly ''). */
  push(chunk: string): string;
  /** Flushes whatever was held back; the stream must not be used afterwards. */
  end(): string;
}

/**
 * Incremental rewriteCss: the concatenation of all push() results and end() equals
 * rewriteCss(whole input) for any chunking. Only a token that may continue into the next
 * chunk (a comment, string, url(), identifier, escape) is held back.
 */
export function createCssRewriteStream(ctx: CssContext): CssRewriteStream {
  const scanner = new CssScanner(ctx.baseUrl, ctx.mapUrl);
  /** Tail of the last scanned buffer: the start of a token that wasn't complete yet. */
  let carried = '';
  /** Chunks not scanned yet (see below). */
  let stash: string[] = [];
  let stashLen = 0;
  let ended = false;
  return {
    push(chunk: string): string {
      if (ended) throw new Error('css rewrite stream: push() after end()');
      if (chunk.length === 0) return '';
      stash.push(chunk);
      stashLen += chunk.length;
      // A big unfinished token (long comment, huge data: URL) is rescanned from its start on
      // every scan; waiting until as much new data has arrived as is carried keeps the total
      // work linear however small the chunks are.
      if (carried.length > 4096 && stashLen < carried.length) return '';
      const buf = carried + (stash.length === 1 ? stash[0] : stash.join(''));
      stash = [];
      stashLen = 0;
      const upto = scanner.scan(buf, 0, false);
      carried = upto === buf.length ? '' : buf.slice(upto);
      return scanner.flush(buf, upto);
    },
    end(): string {
      if (ended) return '';
      ended = true;
      const buf = carried + stash.join('');
      carried = '';
      stash = [];
      scanner.scan(buf, 0, true);
      return scanner.flush(buf, buf.length);
    },
  };
}
