// Which postMessage origins are the co-browse proxy (docs/ARCHITECTURE.md): every (session, target
// origin) pair is served from `<26 base32 chars>.<PROXY_DOMAIN>:<PROXY_PORT>`, so a frame that
// follows a link to another site changes origin while staying on the proxy. We accept the session's
// current proxy origin, and any token host with the same scheme, domain and port.

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function isProxyOriginFor(proxyUrl: string | null | undefined, origin: string): boolean {
  if (!proxyUrl || !origin) return false;
  let u: URL;
  try {
    u = new URL(proxyUrl);
  } catch {
    return false;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return false;
  if (origin === u.origin) return true;
  const dot = u.host.indexOf('.');
  if (dot < 0) return false;
  const suffix = u.host.slice(dot); // ".localhost:8081"
  const re = new RegExp(`^${escapeRe(u.protocol)}//[a-z2-7]{26}${escapeRe(suffix)}$`);
  return re.test(origin);
}
