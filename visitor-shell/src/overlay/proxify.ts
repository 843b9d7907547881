// URL mapping used by the overlay's runtime patches, pure so it can be unit tested.
// A proxied page lives on `proxyOrigin` (http://<token>.localhost:8081) and stands for `realOrigin`
// (https://shop.example). The path and query are kept as they are, so:
//   relative URL                → unchanged
//   URL on realOrigin           → same path on proxyOrigin
//   URL on another http(s) site → proxyOrigin/__cb/go?u=<encoded URL>  (the proxy 307s it into the session)
//   anything else (data:, blob:, mailto:, javascript:, our own or another proxy origin) → unchanged

export interface ProxyContext {
  /** location.origin of the proxied page. */
  proxyOrigin: string;
  /** Origin of the real site the page stands for. */
  realOrigin: string;
  /** The page's real URL (realOrigin + path + query), to resolve protocol-relative and odd URLs. */
  realBase: string;
  /** The gateway's own origin: its links stay as they are (the proxy leaves them too). */
  gatewayOrigin?: string;
}

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*:/;

function isRelative(url: string): boolean {
  const t = url.trimStart();
  return !SCHEME_RE.test(t) && !t.startsWith('//') && !t.startsWith('\\\\') && !t.startsWith('/\\') && !t.startsWith('\\/');
}

const TOKEN_RE = /^[a-z2-7]{26}$/;

/**
 * Whether `origin` is a proxy origin of this gateway: <26-char token> + the host suffix of ours
 * (same scheme and port). URLs the proxy already rewrote to another site's proxy origin (an
 * iframe's src, a link to another site) must stay as they are: /__cb/go would refuse them.
 */
export function isProxyOrigin(origin: string, proxyOrigin: string): boolean {
  if (origin === proxyOrigin) return true;
  try {
    const o = new URL(origin);
    const p = new URL(proxyOrigin);
    const dot = o.host.indexOf('.');
    return o.protocol === p.protocol && dot > 0 && TOKEN_RE.test(o.host.slice(0, dot)) && o.host.slice(dot) === p.host.slice(p.host.indexOf('.'));
  } catch {
    return false;
  }
}

export function proxifyUrl(url: string, ctx: ProxyContext): string {
  if (isRelative(url)) return url;
  let abs: URL;
  try {
    abs = new URL(url, ctx.realBase);
  } catch {
    return url;
  }
  if (abs.protocol !== 'http:' && abs.protocol !== 'https:') return url;
  if (isProxyOrigin(abs.origin, ctx.proxyOrigin) || abs.origin === ctx.gatewayOrigin) return url;
  if (abs.origin === ctx.realOrigin) return ctx.proxyOrigin + abs.pathname + abs.search + abs.hash;
  return `${ctx.proxyOrigin}/__cb/go?u=${encodeURIComponent(abs.href)}`;
}

/**
 * WebSocket URLs: same-origin (ws↔http, wss↔https of realOrigin) → same path on the proxy host with
 * the proxy's ws scheme; cross-origin → ws(s)://<proxy host>/__cb/ws?u=<encoded ws URL>.
 */
export function proxifyWsUrl(url: string, ctx: ProxyContext): string {
  let abs: URL;
  try {
    abs = new URL(url, ctx.realBase);
  } catch {
    return url;
  }
  if (abs.protocol === 'http:') abs.protocol = 'ws:';
  else if (abs.protocol === 'https:') abs.protocol = 'wss:';
  if (abs.protocol !== 'ws:' && abs.protocol !== 'wss:') return url;
  abs.hash = '';
  const proxy = new URL(ctx.proxyOrigin);
  const wsScheme = proxy.protocol === 'https:' ? 'wss:' : 'ws:';
  const httpOrigin = `${abs.protocol === 'wss:' ? 'https:' : 'http:'}//${abs.host}`;
  if (isProxyOrigin(httpOrigin, ctx.proxyOrigin)) return abs.href;
  if (httpOrigin === ctx.realOrigin) return `${wsScheme}//${proxy.host}${abs.pathname}${abs.search}`;
  return `${wsScheme}//${proxy.host}/__cb/ws?u=${encodeURIComponent(abs.href)}`;
}

/** A `srcset` / `imagesrcset` list: each candidate's URL proxified, descriptors kept. */
export function proxifySrcset(value: string, map: (url: string) => string): string {
  let out = '';
  let i = 0;
  const n = value.length;
  while (i < n) {
    const ws = /[\s,]*/y;
    ws.lastIndex = i;
    const lead = ws.exec(value)![0];
    out += lead;
    i += lead.length;
    if (i >= n) break;
    const urlRe = /\S+/y;
    urlRe.lastIndex = i;
    let url = urlRe.exec(value)![0];
    // A URL ending in commas ends the candidate there (the HTML parsing rule).
    const trail = /,+$/.exec(url)?.[0] ?? '';
    if (trail) url = url.slice(0, -trail.length);
    out += map(url) + trail;
    i += url.length + trail.length;
    if (trail) continue;
    const descRe = /[^,]*/y;
    descRe.lastIndex = i;
    const desc = descRe.exec(value)![0];
    out += desc;
    i += desc.length;
  }
  return out;
}

const CSS_URL = /url\(\s*(['"]?)([^'")]*?)\1\s*\)/gi;

/** CSS text with every `url(…)` proxified. */
export function proxifyCssUrls(css: string, map: (url: string) => string): string {
  if (!/url\(/i.test(css)) return css;
  return css.replace(CSS_URL, (m, q: string, u: string) => {
    const mapped = map(u);
    return mapped === u ? m : `url(${q || '"'}${mapped}${q || '"'})`;
  });
}
