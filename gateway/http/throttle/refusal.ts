// The one way a throttle says no: a GatewayError (429) whose Retry-After and message carry the wait,
// so the console and the shell can show it (`429`, `Retry-After: <seconds>`, `{code, message}`).
import { GatewayError } from '../../errors.ts';
import { retryAfterSeconds } from './policy.ts';

export function throttled(code: 'CB_ERR_LOGIN_THROTTLED' | 'CB_ERR_RATE_LIMITED', retryAfterMs: number): GatewayError {
  const s = retryAfterSeconds(retryAfterMs);
  return new GatewayError(code, `Try again in ${s} s.`, { retryAfterSeconds: s });
}
