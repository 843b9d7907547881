// The overlay bundle as one shared, immutable, content-addressed URL on a dedicated origin:
// http://static.<proxyDomain>:<port>/__cb/overlay.js?v=<sha256 of the bytes>, instead of
// /__cb/overlay.js on every proxy origin. Every (session, site) pair has its own proxy origin, so a
// per-origin URL made the browser fetch and compile the same 52 KB again on each site the agent
// leads to; one URL is fetched once per browser and then comes from the HTTP cache (and V8's code
// cache) without even a revalidation.
//
// Isolation is unchanged: `static` is never a proxy token (tokens are 26 base32 characters), the
// host serves nothing but this file (no cookies, no API, no proxied content), and a classic script
// runs in the document that includes it, so the overlay still boots in the page's own origin. It is
// loaded in CORS mode without credentials (`crossorigin="anonymous"`, answered with
// `Access-Control-Allow-Origin: *`), so it also loads under a site's COEP and its errors are not
// muted for the page. Chromium partitions its HTTP cache by top-level site (and frame site): the
// shell and the console are the top level and share the proxy domain's site with every proxy
// origin, so all of a visitor's proxied pages hit one cache entry; another top-level site would
// fetch its own copy, which is all partitioning means here.
import { createHash } from 'node:crypto';

import { OVERLAY_HOST_LABEL } from '../../protocol/limits.ts';

export { OVERLAY_HOST_LABEL };
export const OVERLAY_PATH = '/__cb/overlay.js';

export interface OverlayFile {
  body: Buffer;
  /** First 16 characters of the bytes' base64url SHA-256. */
  hash: string;
}

/** The current overlay bytes and their hash, recomputed only when the bytes change (a new build). */
export class OverlayAsset {
  #bytes: Buffer | null = null;
  #hash = '';

  constructor(private readonly read: () => Buffer | null) {}

  current(): OverlayFile | null {
    const b = this.read();
    if (!b) return null;
    if (b !== this.#bytes) {
      this.#bytes = b;
      this.#hash = createHash('sha256').update(b).digest('base64url').slice(0, 16);
    }
    return { body: b, hash: this.#hash };
  }

  /** The dedicated origin's Host header value for proxy origins ending in `hostSuffix` (`.cobrowse.localhost:8081`). */
  static host(hostSuffix: string): string {
    return OVERLAY_HOST_LABEL + hostSuffix;
  }

  /**
   * The tag the injector puts at the top of <head>. Without a build, the per-origin path (which
   * answers 503 "not built") keeps the failure visible on the page's own origin.
   */
  scriptTag(scheme: string, hostSuffix: string): string {
    const f = this.current();
    if (!f) return `<script src="${OVERLAY_PATH}"></script>`;
    return `<script src="${scheme}://${OverlayAsset.host(hostSuffix)}${OVERLAY_PATH}?v=${f.hash}" crossorigin="anonymous"></script>`;
  }

  /**
   * Status, headers and body for a request to the dedicated origin. The hashed URL is immutable;
   * any other version (a page rendered before a redeploy) gets today's bytes, revalidated.
   */
  response(method: string, url: string, query: string): { status: number; headers: Record<string, string>; body: Buffer | string } {
    const common = { 'x-content-type-options': 'nosniff', 'cross-origin-resource-policy': 'cross-origin', 'access-control-allow-origin': '*' };
    if (url !== OVERLAY_PATH || (method !== 'GET' && method !== 'HEAD')) {
      return { status: 404, headers: { ...common, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'Not found' };
    }
    const f = this.current();
    if (!f) return { status: 503, headers: { ...common, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, body: 'overlay not built: run npm run build' };
    const v = new URLSearchParams(query).get('v');
    return {
      status: 200,
      headers: {
        ...common,
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': v === f.hash ? 'public, max-age=31536000, immutable' : 'no-cache',
      },
      body: method === 'HEAD' ? '' : f.body,
    };
  }
}
