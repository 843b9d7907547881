// The throttling decisions, as pure functions of counts and remaining times (no I/O, no clock): the
// stores below keep the counters and locks, these say what they mean.
//
// Two mechanisms, each chosen for what it limits:
//  - Wrong passwords: exponential back-off. The first `freeAttempts` failures cost nothing (people
//    mistype); each further one locks the key for base × 2^(n − free), capped. A guesser's cost grows
//    with every guess (20 guesses past the free ones already cost the cap), while a person who
//    mistyped waits a second or two. An attempt is counted (and the lock it would earn set) before
//    its password is checked, in one atomic step, so parallel guesses cannot all slip in before the
//    first failure is recorded; a right password then takes its count back. Attempts refused while
//    locked are not counted, so hammering does not lengthen a lock. The known cost of per-account
//    locks: someone guessing one guess per cap period can keep that account locked; the address
//    limit stops them after its own free attempts, and the lockout log line names the account.
//  - Work-creating visitor requests: a fixed-window counter (N per address per minute). It is one
//    atomic INCR (+ PEXPIRE on the first hit) in Redis, so every instance shares it in one round trip;
//    its known flaw, up to 2N across a window boundary, is acceptable for an abuse limit, where a
//    token bucket's smoother rate would need a read-modify-write script per request.

export interface BackoffPolicy {
  /** Failures allowed before the first lockout. */
  freeAttempts: number;
  baseMs: number;
  maxMs: number;
  /** A counter is forgotten this long after its latest failure. */
  windowMs: number;
}

/** How long to lock after the `failures`-th failure in a row (0 = not yet). */
export function lockoutMs(failures: number, p: BackoffPolicy): number {
  if (failures < p.freeAttempts) return 0;
  const doublings = Math.min(failures - p.freeAttempts, 40);
  return Math.min(p.maxMs, p.baseMs * 2 ** doublings);
}

/** What the store answers for one attempt: refused while locked, or counted (and maybe locking the next). */
export type Attempt = { allowed: false; retryAfterMs: number } | { allowed: true; count: number; lockMs: number };

export type Verdict = { ok: true } | { ok: false; retryAfterMs: number };

/** A fixed window of `limit` hits: the `count`-th hit, with `ttlMs` left in its window. */
export function windowVerdict(count: number, ttlMs: number, limit: number): Verdict {
  if (limit <= 0 || count <= limit) return { ok: true };
  return { ok: false, retryAfterMs: Math.max(1, ttlMs) };
}

/** Retry-After is whole seconds, rounded up so a client that waits that long is let in. */
export const retryAfterSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
