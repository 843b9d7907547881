import type { MapUrl } from './types.ts';
import { mapOne } from './url.ts';
import { findRefreshUrl, rewriteRefresh } from './rules/meta-refresh.ts';

export interface HeaderContext {
  /** Real URL of the request the header answers; relative references resolve against it. */
  pageUrl: string;
  mapUrl: MapUrl;
  /** Which header this is; by default a value that parses as a refresh (`5; url=…`) is one. */
  header?: 'location' | 'refresh';
}

// `<digits/dots> ;|,|whitespace|end` — a Location can't look like this unless it is a bare
// number, which is relative and stays as is either way.
const REFRESH_LIKE = /^[\t\n\f\r ]*[0-9.]+(?:[;,\t\n\f\r ]|$)/;

/**
 * Rewrites a 3xx Location (or a Refresh header value). Relative references are kept: they
 * resolve against the proxy URL, which keeps the path.
 */
export function rewriteLocationHeader(location: string, ctx: HeaderContext): string {
  const refresh = ctx.header === 'refresh' || (ctx.header === undefined && REFRESH_LIKE.test(location));
  if (refresh) {
    if (findRefreshUrl(location) === null) return location;
    return rewriteRefresh(location, (u) => mapOne(u, ctx.pageUrl, 'navigation', ctx.mapUrl)) ?? location;
  }
  return mapOne(location, ctx.pageUrl, 'navigation', ctx.mapUrl) ?? location;
}

/** Rewrites a Refresh header value (`5; url=https://…`). */
export function rewriteRefreshHeader(value: string, ctx: Omit<HeaderContext, 'header'>): string {
  return rewriteLocationHeader(value, { ...ctx, header: 'refresh' });
}
