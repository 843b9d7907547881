// The gateway's throttles, built from the configuration: login back-off per account and per address,
// and the per-address limit of the visitor endpoints that create work. One store for both: memory for
// one instance, Redis (shared by every instance) in a cluster.
import type { Redis } from 'ioredis';
import type { Config } from '../../config.ts';
import type { HttpRequest, HttpResponse } from '../../uws.ts';
import { LoginThrottle } from '../../auth/login-throttle.ts';
import { clientAddressOf } from '../client-address.ts';
import { MemoryThrottleStore, type ThrottleStore } from './store.ts';
import { RedisThrottleStore } from './redis-store.ts';
import { VisitorLimit } from './visitor-limit.ts';

export interface Throttles {
  login: LoginThrottle;
  visitor: VisitorLimit;
  /** The client address a request counts against (call synchronously in the handler). */
  addressOf(res: HttpResponse, req: HttpRequest): string;
  close(): void;
}

export function createThrottles(cfg: Config, redis: { cmd: Redis; ready(): boolean } | null, now: () => number = Date.now): Throttles {
  const store: ThrottleStore = redis ? new RedisThrottleStore(redis.cmd, () => redis.ready(), now) : new MemoryThrottleStore(now);
  const backoff = (freeAttempts: number) => ({
    freeAttempts,
    baseMs: cfg.loginLockoutBaseSeconds * 1000,
    maxMs: cfg.loginLockoutMaxSeconds * 1000,
    windowMs: cfg.loginFailureWindowSeconds * 1000,
  });
  return {
    login: new LoginThrottle(store, { account: backoff(cfg.loginAccountFreeAttempts), address: backoff(cfg.loginAddressFreeAttempts) }),
    visitor: new VisitorLimit(store, cfg.visitorRequestsPerMinute),
    addressOf: (res, req) => clientAddressOf(res, req, cfg.trustProxyHops),
    close: () => store.close(),
  };
}
