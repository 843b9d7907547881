// Browsers resolve every *.localhost name to loopback (the gateway lives on cobrowse.localhost and
// proxied pages on <token>.cobrowse.localhost); glibc here does not. Node test clients use this
// lookup so they reach the same addresses a browser would.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { Agent, setGlobalDispatcher } from 'undici';

type Cb = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function localhostLookup(hostname: string, options: LookupOptions, cb: Cb): void {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
    return options.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4);
  }
  dnsLookup(hostname, options, cb as never);
}

/** Makes global fetch resolve *.localhost like a browser. */
export function installLocalhostDns(): void {
  setGlobalDispatcher(new Agent({ connect: { lookup: localhostLookup as never } }));
}
