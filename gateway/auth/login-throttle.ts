// Login throttling: sign-in attempts are counted per account and per client address, each with
// exponential back-off past its free attempts (http/throttle/policy.ts says why). A locked account
// or address is answered 429 CB_ERR_LOGIN_THROTTLED with Retry-After before its password is checked,
// which also spares the CPU of scrypt. Attempts are counted before the check (so parallel guesses
// cannot all slip in) and a right password takes them back: the account starts afresh, the address
// only loses that one attempt. (Clearing the address too would let an attacker with one valid
// account reset their address between guesses.) Counters live in a ThrottleStore: memory for one
// instance, Redis for a cluster.
import { createHash } from 'node:crypto';
import type { BackoffPolicy } from '../http/throttle/policy.ts';
import type { ThrottleStore } from '../http/throttle/store.ts';

export interface LoginThrottlePolicy {
  account: BackoffPolicy;
  address: BackoffPolicy;
}

export type LockoutScope = 'account' | 'address';

export interface Lockout {
  scope: LockoutScope;
  /** Attempts counted in a row, including this one. */
  attempts: number;
  ms: number;
}

/** An attempt that may go on to the password check, and how to report its outcome. */
export interface LoginAttempt {
  /** The password was right: take the counts back. */
  succeeded(): Promise<void>;
  /** The password was wrong: the lockouts this attempt started (none within the free attempts). */
  failed(): Lockout[];
}

/** Emails are keys in a shared store: hashed, so Redis holds no address book. */
const accountKey = (email: string) => `login:acct:${createHash('sha256').update(email.trim().toLowerCase()).digest('base64url').slice(0, 22)}`;
const addressKey = (address: string) => `login:addr:${address}`;

export class LoginThrottle {
  constructor(
    private readonly store: ThrottleStore,
    private readonly policy: LoginThrottlePolicy,
  ) {}

  /** Starts an attempt, or answers how long to wait when the account or the address is locked. */
  async begin(email: string, address: string): Promise<{ ok: true; attempt: LoginAttempt } | { ok: false; retryAfterMs: number; scope: LockoutScope }> {
    const acct = accountKey(email);
    const addr = addressKey(address);
    // The address first: a locked address must not count attempts against the accounts it guesses.
    const a = await this.store.attempt(addr, this.policy.address);
    if (!a.allowed) return { ok: false, retryAfterMs: a.retryAfterMs, scope: 'address' };
    const b = await this.store.attempt(acct, this.policy.account);
    if (!b.allowed) {
      await this.store.forgive(addr);
      return { ok: false, retryAfterMs: b.retryAfterMs, scope: 'account' };
    }
    return {
      ok: true,
      attempt: {
        succeeded: async () => {
          await Promise.all([this.store.clear(acct), this.store.forgive(addr)]);
        },
        failed: () => [
          ...(b.lockMs > 0 ? [{ scope: 'account' as const, attempts: b.count, ms: b.lockMs }] : []),
          ...(a.lockMs > 0 ? [{ scope: 'address' as const, attempts: a.count, ms: a.lockMs }] : []),
        ],
      },
    };
  }
}
