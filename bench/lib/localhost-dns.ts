// Node's resolver here does not map *.localhost to loopback the way browsers do, and the gateway's
// origins are http://cobrowse.localhost:<port> and http://<token>.cobrowse.localhost:<port>. Clients
// pass this lookup so they connect to 127.0.0.1 while sending the Host/Origin a browser would.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';

type Cb = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function localhostLookup(hostname: string, options: LookupOptions, cb: Cb): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    return options.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
  }
  dnsLookup(hostname, options, cb as never);
}

/** The address to open sockets to for a URL (tools without a lookup hook, e.g. autocannon). */
export function connectHostOf(url: string): string {
  const h = new URL(url).hostname;
  return h === 'localhost' || h.endsWith('.localhost') ? '127.0.0.1' : h;
}
