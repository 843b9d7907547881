// Which postMessage origins are our proxy origins: `<scheme>//<26 base32 chars><suffix>`, where the
// scheme is the shell page's own (http in dev) and the suffix is e.g. '.localhost:8081'.

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function makeProxyOriginCheck(pageProtocol: string, suffix: string): (origin: string) => boolean {
  const scheme = pageProtocol.replace(/:$/, '').toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return () => false;
  const re = new RegExp(`^${scheme}://[a-z2-7]{26}${escapeRe(suffix.toLowerCase())}$`);
  return (origin: string) => typeof origin === 'string' && re.test(origin);
}

/** Absolute ws(s) URL for the socket, from an absolute ws/http URL or a path on this page's host. */
export function resolveWsUrl(wsUrl: string, pageHref: string): string {
  const u = new URL(wsUrl, pageHref);
  if (u.protocol === 'http:') u.protocol = 'ws:';
  else if (u.protocol === 'https:') u.protocol = 'wss:';
  return u.href;
}
