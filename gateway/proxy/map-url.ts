// The proxy's URL mapper (injector's `mapUrl`): an absolute real http(s) URL → the same URL on its
// proxy origin in this session, or null to leave it as it is (not http(s), unparsable, or the
// gateway's own origin, whose "Talk to a live agent" links must not open a chat inside the frame).
//
// It runs for every absolute URL of every rewritten page (about 180 on the bench's 68 KB page), and
// the injector hands it URLs it has already normalized (`new URL(…).href`). Parsing them a second
// time cost about a third of the rewrite; a normalized http(s) href is `origin + path…` with a
// lower-case host and no default port, so the origin is sliced off instead. Anything that does not
// look exactly like that (userinfo, upper case, an explicit default port, no path) takes the URL
// parser, so the answer is the same either way (test/unit/proxy/map-url.test.ts).
import type { UrlKind } from '../../injector/index.ts';

export interface ProxyOrigins {
  proxyOrigin(sessionId: string, targetOrigin: string): string;
}

export function createUrlMapper(registry: () => ProxyOrigins, sessionId: string, parentOrigin: string): (abs: string, kind?: UrlKind) => string | null {
  // Pages link to few origins: remember the last one.
  let lastOrigin = '';
  let lastProxy = '';
  const proxyOf = (origin: string) => {
    if (origin !== lastOrigin) {
      lastProxy = registry().proxyOrigin(sessionId, origin);
      lastOrigin = origin;
    }
    return lastProxy;
  };
  return (abs) => {
    const end = normalizedOriginEnd(abs);
    if (end > 0) {
      const origin = abs.slice(0, end);
      return origin === parentOrigin ? null : proxyOf(origin) + abs.slice(end);
    }
    try {
      const u = new URL(abs);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
      if (u.origin === parentOrigin) return null;
      return proxyOf(u.origin) + u.pathname + u.search + u.hash;
    } catch {
      return null;
    }
  };
}

/**
 * Where the origin of `href` ends (the index of the path's `/`) when `href` is a normalized http(s)
 * URL without userinfo: scheme, lower-case host of [a-z0-9.-], an optional non-default port, then
 * `/`, and a rest the parser would not change (no empty query or fragment, no dot segment, no
 * character it escapes). Otherwise (IPv6 literals included) -1.
 */
export function normalizedOriginEnd(href: string): number {
  let start: number;
  let https: boolean;
  if (href.startsWith('https://')) {
    start = 8;
    https = true;
  } else if (href.startsWith('http://')) {
    start = 7;
    https = false;
  } else return -1;
  let colon = -1;
  let i = start;
  for (; i < href.length; i++) {
    const c = href.charCodeAt(i);
    if (c === 0x2f /* / */) break;
    if (colon < 0 && ((c >= 0x61 && c <= 0x7a) || c === 0x2e || c === 0x2d)) continue;
    if (c >= 0x30 && c <= 0x39) continue;
    if (c === 0x3a /* : */ && colon < 0 && i > start) {
      colon = i;
      continue;
    }
    return -1; // userinfo (@), upper case, percent-escapes, ?, #, \, anything else: let the parser decide
  }
  if (i === href.length || i === start) return -1;
  if (colon >= 0) {
    const port = href.slice(colon + 1, i);
    if (!/^[1-9][0-9]{0,4}$/.test(port) || Number(port) > 65535) return -1;
    if ((https && port === '443') || (!https && port === '80')) return -1;
  }
  // An empty query or fragment (`/x?`, `/x#`, `/x?#y`) is in the href but not in search/hash.
  const last = href.charCodeAt(href.length - 1);
  if (last === 0x3f || last === 0x23 || href.includes('?#', i)) return -1;
  // The rest must be what the parser leaves alone: no dot segments, nothing it would escape.
  if (href.includes('/.', i) || href.includes('%2e', i) || href.includes('%2E', i)) return -1;
  for (let k = i; k < href.length; k++) {
    const c = href.charCodeAt(k);
    if (c <= 0x20 || c >= 0x7f || c === 0x22 || c === 0x27 || c === 0x3c || c === 0x3e || c === 0x5c || c === 0x5e || c === 0x60 || c === 0x7b || c === 0x7c || c === 0x7d) return -1;
  }
  return i;
}
