import type { RewriteContext } from './types.ts';
import { HtmlRewriter } from './html/rewriter.ts';

export type { RewriteContext, UrlKind, MapUrl, CssContext } from './types.ts';
export { rewriteCss, createCssRewriteStream, type CssRewriteStream } from './css/rewrite.ts';
export { rewriteLocationHeader, rewriteRefreshHeader, type HeaderContext } from './location.ts';
export { rewriteSrcset } from './rules/srcset.ts';
export { externalHttpUrl } from './url.ts';

/**
 * Rewrites absolute URLs in an HTML document (or fragment) through ctx.mapUrl and injects
 * ctx.injectHead at the top of <head>. Bytes that aren't rewritten are passed through as is;
 * with a mapper that returns null and no injectHead the output equals the input (except for
 * removed <meta http-equiv=Content-Security-Policy> elements).
 */
export function rewriteHtml(html: string, ctx: RewriteContext): string {
  return new HtmlRewriter(html, ctx).run();
}

/**
 * rewriteHtml on UTF-8 bytes, answering UTF-8 bytes: the same edits, without decoding the page to a
 * string or encoding the answer (see HtmlRewriter's `bytes`). A UTF-8 BOM is dropped, as a decoder
 * would. Bytes that are not valid UTF-8 pass through untouched (the browser replaces them as it
 * would have); inside a value we rewrite they read as U+FFFD, as after a decode.
 */
export function rewriteHtmlUtf8(html: Buffer, ctx: RewriteContext): Buffer {
  const start = html[0] === 0xef && html[1] === 0xbb && html[2] === 0xbf ? 3 : 0;
  const bin = html.toString('latin1', start);
  const out = new HtmlRewriter(bin, ctx, true).run();
  return out === bin ? (start ? html.subarray(start) : html) : Buffer.from(out, 'latin1');
}
