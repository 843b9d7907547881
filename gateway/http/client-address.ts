// The client's address for per-address limits. By default the socket's peer address: a client can
// put anything in X-Forwarded-For, so it is only read when the operator says how many proxies they
// run in front (TRUST_PROXY_HOPS = N): each appends the address it saw, so the N-th entry from the
// right is the one the outermost trusted proxy saw, and anything left of it is the client's own claim.
// IPv6 clients are limited per /64 (one subscriber usually has a whole /64 to rotate through).
import ipaddr from 'ipaddr.js';
import type { HttpRequest, HttpResponse } from '../uws.ts';

// A dotted quad already in ipaddr's canonical form (no leading zeros): its own key. Every request
// from an IPv4 peer takes this path; ipaddr's isValid + parse cost about 10 µs a request.
const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Normalised key for an address: IPv4 as is (also when IPv4-mapped), IPv6 as its /64. */
export function addressKey(raw: string): string {
  const s = raw.trim().replace(/^\[|\]$/g, '');
  if (CANONICAL_IPV4.test(s)) return s;
  if (!ipaddr.isValid(s)) return s.slice(0, 64) || 'unknown';
  let a = ipaddr.parse(s);
  if (a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress()) a = (a as ipaddr.IPv6).toIPv4Address();
  if (a.kind() === 'ipv4') return a.toString();
  const parts = (a as ipaddr.IPv6).parts.slice(0, 4).map((p) => p.toString(16));
  return `${parts.join(':')}::/64`;
}

/** The address a request counts against, from the peer address and X-Forwarded-For. */
export function clientAddress(peer: string, forwardedFor: string, trustProxyHops: number): string {
  if (trustProxyHops > 0 && forwardedFor) {
    const hops = forwardedFor.split(',').map((h) => h.trim()).filter(Boolean);
    const pick = hops[hops.length - trustProxyHops] ?? hops[0];
    if (pick) return addressKey(pick);
  }
  return addressKey(peer);
}

/** Reads it from a uWS request: call synchronously in the handler (req and res are only valid then). */
export function clientAddressOf(res: HttpResponse, req: HttpRequest, trustProxyHops: number): string {
  const peer = Buffer.from(res.getRemoteAddressAsText()).toString();
  return clientAddress(peer, trustProxyHops > 0 ? req.getHeader('x-forwarded-for') : '', trustProxyHops);
}
