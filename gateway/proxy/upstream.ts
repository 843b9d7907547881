// Upstream HTTP clients (undici). Keep-alive pools per origin come with undici's Agent. Two agents:
// one whose connections are checked after DNS (public targets), one for origins the operator allowed
// explicitly (which may live on loopback, like the demo site).
import { Agent } from 'undici';
import { guardedLookup } from './guarded-lookup.ts';

export interface Upstreams {
  guarded: Agent;
  trusted: Agent;
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
  return {
    guarded,
    trusted,
    close: async () => {
      await Promise.all([guarded.close(), trusted.close()]);
    },
  };
}
