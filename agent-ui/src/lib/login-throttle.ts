// The login form's throttled state: the gateway answers 429 CB_ERR_LOGIN_THROTTLED with
// `Retry-After: <seconds>` (issue 14); the form stays disabled until then and says how long.
// Pure, with an injected clock, so the countdown is unit-tested; auth.svelte.ts holds one.

/** Seconds from a Retry-After header: delta-seconds or an HTTP date; null when absent or unusable. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  if (!header) return null;
  const v = header.trim();
  if (/^\d{1,7}$/.test(v)) return Number(v);
  if (!/^[A-Za-z]{3},/.test(v)) return null; // an IMF-fixdate ("Tue, 01 Dec 2026 12:00:00 GMT")
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, Math.ceil((at - now) / 1000)) : null;
}

/** When the gateway says "throttled" without a usable Retry-After. */
export const DEFAULT_THROTTLE_SECONDS = 30;
/** Never lock the form for longer than this, whatever a proxy in between says. */
export const MAX_THROTTLE_SECONDS = 3600;

export class LoginThrottle {
  #until = 0;
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** The gateway refused a login: wait `seconds` (null: the default). */
  hit(seconds: number | null): void {
    const s = Math.min(MAX_THROTTLE_SECONDS, Math.max(1, seconds ?? DEFAULT_THROTTLE_SECONDS));
    this.#until = Math.max(this.#until, this.#clock() + s * 1000);
  }

  /** Whole seconds left (rounded up), 0 when the form may be used. */
  remaining(): number {
    return Math.max(0, Math.ceil((this.#until - this.#clock()) / 1000));
  }

  get active(): boolean {
    return this.remaining() > 0;
  }
}
