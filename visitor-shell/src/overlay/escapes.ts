// Holes the overlay cannot close, only see: it tells the embedding window (FrameUp `escape`), which
// tells the other party too, so a request or navigation that left the proxy is never a silent
// divergence between the two views.
//  - subresources: every resource the page fetched is in its resource timing entries, with its
//    URL; one on neither a proxy origin nor the gateway went to the real site directly (CSS
//    `url()` in a stylesheet built at run time, an `<img>` inserted with innerHTML and fetched in
//    the same task, SVG `<use>`, `<object data>`, a CDN module the import map did not cover…);
//  - navigations that could not be cancelled (navigation.ts), a browser without the Navigation API;
//  - workers whose script the runtime could not wrap (worker-patches.ts).
// One report per kind and origin per page: the notice names the hole, not every request.
import type { EscapeKind } from '../../../protocol/index.ts';
import { OVERLAY_HOST_LABEL } from '../../../protocol/limits.ts';
import { config, framed, post, safe } from './env.ts';
import { isProxyOrigin } from './proxify.ts';

const seen = new Set<string>();

/** Whether a URL would leave the proxy (an http(s) URL on neither a proxy origin nor the gateway). */
export function leavesProxy(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url, location.href);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  return !isProxyOrigin(u.origin, location.origin) && !isOverlayHost(u) && u.origin !== config()?.parentOrigin;
}

/** The gateway's shared overlay host on the proxy domain (static.<proxy domain>, the page's own scheme and port). */
function isOverlayHost(u: URL): boolean {
  const here = location.host;
  return u.protocol === location.protocol && u.host === OVERLAY_HOST_LABEL + here.slice(here.indexOf('.'));
}

export function reportEscape(kind: EscapeKind, url?: string): void {
  if (!framed) return;
  let key: string = kind;
  try {
    if (url) key += `|${new URL(url, location.href).origin}`;
  } catch {
    /* keyed by kind */
  }
  if (seen.has(key)) return;
  seen.add(key);
  post({ cb: 1, type: 'escape', kind, url: url?.slice(0, 4096) });
}

export function installEscapeDetection(): void {
  const PO = window.PerformanceObserver;
  if (!PO || !PO.supportedEntryTypes?.includes('resource')) return;
  new PO(
    safe((list: PerformanceObserverEntryList) => {
      for (const e of list.getEntries()) if (leavesProxy(e.name)) reportEscape('subresource', e.name);
    }),
  ).observe({ type: 'resource', buffered: true });
}
