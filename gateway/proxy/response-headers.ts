// Which upstream response headers reach the browser. Headers that would stop the page from running
// inside the co-browse frame (CSP, X-Frame-Options, COOP/COEP/CORP) or that would pin the browser to
// the real origin (HSTS, Alt-Svc, Clear-Site-Data) are dropped for proxied content only; cookies go
// to the server-side jar; Location and CORS headers are mapped to proxy origins.
const DROP = new Set([
  'content-security-policy',
  'content-security-policy-report-only',
  'x-frame-options',
  'cross-origin-opener-policy',
  'cross-origin-opener-policy-report-only',
  'cross-origin-embedder-policy',
  'cross-origin-embedder-policy-report-only',
  'cross-origin-resource-policy',
  'strict-transport-security',
  'clear-site-data',
  'alt-svc',
  'public-key-pins',
  'expect-ct',
  'report-to',
  'nel',
  'set-cookie',
  // The proxy's own header (cookie-echo.ts): a site cannot speak for the jar.
  'x-cb-cookie',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'proxy-authenticate',
  'upgrade',
  'trailer',
  'date',
  'server',
]);

export type UpstreamHeaders = Record<string, string | string[] | undefined>;

export interface HeaderMapping {
  /** Maps a Location/Refresh/Content-Location target to its proxy URL. */
  mapLocation: (value: string) => string;
  /** Maps a real origin in Access-Control-Allow-Origin to the proxy origin, or null. */
  mapOrigin: (origin: string) => string | null;
  /** Drop these too (e.g. content-length and content-encoding when the body is rewritten). */
  alsoDrop?: readonly string[];
}

/** `alsoDrop` adds to `m.alsoDrop`. */
export function filterResponseHeaders(headers: UpstreamHeaders, m: HeaderMapping, alsoDrop?: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  const also = m.alsoDrop || alsoDrop ? new Set([...(m.alsoDrop ?? []), ...(alsoDrop ?? [])]) : null;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || DROP.has(name) || also?.has(name)) continue;
    if (typeof value === 'string' && name !== 'location' && name !== 'content-location' && name !== 'refresh' && name !== 'access-control-allow-origin') {
      out.push([name, value]); // the common case: one value, passed as it is
      continue;
    }
    for (const v of Array.isArray(value) ? value : [value]) {
      if (name === 'location' || name === 'content-location') out.push([name, m.mapLocation(v)]);
      else if (name === 'refresh') {
        const match = /^(\s*\d+\s*[;,]\s*url\s*=\s*)(.*)$/i.exec(v);
        out.push([name, match ? match[1] + m.mapLocation(match[2].replace(/^['"]|['"]$/g, '')) : v]);
      } else if (name === 'access-control-allow-origin' && v !== '*' && v !== 'null') {
        const mapped = m.mapOrigin(v);
        if (mapped) out.push([name, mapped]);
      } else out.push([name, v]);
    }
  }
  return out;
}
