// A dns.lookup replacement for undici's connector: resolves, then refuses the connection when any
// returned address is loopback, private, link-local or otherwise non-public. Checking the addresses
// actually connected to (not a separate resolution) defeats DNS rebinding.
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isBlockedAddress } from './target-policy.ts';

type Callback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

type BaseLookup = (hostname: string, options: LookupOptions & { all: true }, cb: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/** Wraps a resolver (dns.lookup by default; tests inject their own) with the address check. */
export function makeGuardedLookup(base: BaseLookup = dnsLookup as unknown as BaseLookup) {
  return (hostname: string, options: LookupOptions, callback: Callback): void => guarded(base, hostname, options, callback);
}

export const guardedLookup = makeGuardedLookup();

function guarded(base: BaseLookup, hostname: string, options: LookupOptions, callback: Callback): void {
  base(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const list = addresses as LookupAddress[];
    const bad = list.find((a) => isBlockedAddress(a.address));
    if (bad) {
      const e = new Error(`${hostname} resolves to ${bad.address}, a loopback, private or reserved address`) as NodeJS.ErrnoException;
      e.code = 'CB_ERR_TARGET_REFUSED';
      return callback(e, '');
    }
    if (options.all) return callback(null, list);
    return callback(null, list[0].address, list[0].family);
  });
}
