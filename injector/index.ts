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
