// Browsers resolve every *.localhost name to loopback (the gateway lives on cobrowse.localhost and
// proxied pages on <token>.cobrowse.localhost); glibc here does not. Node test clients use the same
// lookup as the benchmark clients so they reach the addresses a browser would.
import { Agent, setGlobalDispatcher } from 'undici';
import { localhostLookup } from '../../bench/lib/localhost-dns.ts';

export { localhostLookup };

/** Makes global fetch resolve *.localhost like a browser. */
export function installLocalhostDns(): void {
  setGlobalDispatcher(new Agent({ connect: { lookup: localhostLookup as never } }));
}
