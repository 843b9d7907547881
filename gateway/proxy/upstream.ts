// Upstream HTTP clients. Keep-alive pools per origin come with undici's Agent and with the lean
// plain-http client (upstream-h1.ts, GET and HEAD without a body: most assets). Two of each: one
// whose connections are checked after DNS (public targets), one for origins the operator allowed
// explicitly (which may live on loopback, like the demo site).
import { Agent } from 'undici';
import { guardedLookup } from './guarded-lookup.ts';
import { H1Agent } from './upstream-h1.ts';

export interface Upstreams {
  guarded: Agent;
  trusted: Agent;
  h1Guarded: H1Agent;
  h1Trusted: H1Agent;
  close(): Promise<void>;
}

export function createUpstreams(timeoutMs: number): Upstreams {
  const common = {
    connections: 64,
    keepAliveTimeout: 10_000,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connectTimeout: Math.min(timeoutMs, 10_000),
  };
  const guarded = new Agent({ ...common, connect: { lookup: guardedLookup as never, timeout: common.connectTimeout } });
  const trusted = new Agent({ ...common, connect: { timeout: common.connectTimeout } });
  const h1Guarded = new H1Agent({ ...common, guarded: true });
  const h1Trusted = new H1Agent({ ...common, guarded: false });
  return {
    guarded,
    trusted,
    h1Guarded,
    h1Trusted,
    close: async () => {
      h1Guarded.close();
      h1Trusted.close();
      await Promise.all([guarded.close(), trusted.close()]);
    },
  };
}
