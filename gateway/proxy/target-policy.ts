// Which targets the proxy may fetch (SSRF defence). Pure: the address checks here run on URL
// literals before any connection, and again on every address DNS returns (see guarded-lookup.ts),
// so a name that resolves to loopback, or re-resolves to it later (rebinding), is refused too.
// Redirects are not followed server-side: each hop comes back through the proxy and is checked again.
import ipaddr from 'ipaddr.js';

export interface TargetPolicy {
  /** Origins allowed whatever they resolve to (e.g. the demo site on loopback). */
  allowedTargets: ReadonlySet<string>;
  /** Ports allowed on other targets. */
  allowedPorts: ReadonlySet<number>;
}

export type TargetCheck =
  | { ok: true; url: URL; trusted: boolean }
  | { ok: false; code: 'CB_ERR_URL_INVALID' | 'CB_ERR_TARGET_REFUSED'; reason: string };

/** True when an address is anything but public unicast: loopback, private, link-local, metadata, multicast… */
export function isBlockedAddress(address: string): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return true;
  }
  if (ip.kind() === 'ipv6') {
    const v6 = ip as ipaddr.IPv6;
    // ::ffff:127.0.0.1 and friends: judge the IPv4 inside.
    if (v6.isIPv4MappedAddress()) ip = v6.toIPv4Address();
  }
  return ip.range() !== 'unicast';
}

const IPV4_DOTTED = /^[0-9.]+$/;

function defaultPort(u: URL): number {
  return u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
}

export function checkTarget(raw: string, policy: TargetPolicy): TargetCheck {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, code: 'CB_ERR_URL_INVALID', reason: 'not a URL' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, code: 'CB_ERR_URL_INVALID', reason: `scheme ${url.protocol} is not http(s)` };
  }
  if (url.username || url.password) {
    return { ok: false, code: 'CB_ERR_TARGET_REFUSED', reason: 'URLs with credentials are refused' };
  }
  if (policy.allowedTargets.has(url.origin)) return { ok: true, url, trusted: true };
  const port = defaultPort(url);
  if (!policy.allowedPorts.has(port)) {
    return { ok: false, code: 'CB_ERR_TARGET_REFUSED', reason: `port ${port} is not allowed` };
  }
  // WHATWG URL parsing already turned decimal, octal and hex IPv4 forms into dotted quads.
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // After that parsing an address literal is a dotted quad or (bracketed) IPv6: ask ipaddr only
  // then. Its isValid on a name costs 10-40 µs (it tries every IPv4 and IPv6 form), paid on every
  // visitor's /start and every proxied request.
  if ((IPV4_DOTTED.test(host) || host.includes(':')) && ipaddr.isValid(host)) {
    if (isBlockedAddress(host)) return { ok: false, code: 'CB_ERR_TARGET_REFUSED', reason: `${host} is a loopback, private or reserved address` };
    return { ok: true, url, trusted: false };
  }
  if (host === 'localhost' || host.endsWith('.localhost') || !host.includes('.')) {
    return { ok: false, code: 'CB_ERR_TARGET_REFUSED', reason: `${host} is a local name` };
  }
  return { ok: true, url, trusted: false };
}
