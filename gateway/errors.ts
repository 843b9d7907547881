// Gateway error catalogue. Codes are stable: logs, HTTP error bodies and tests match on them. Wire
// (WebSocket) errors live in protocol/errors.ts and are re-exported here so there is one place to look.
export { WireErrors, type WireErrorCode } from '../protocol/errors.ts';

export const GatewayErrors = {
  CB_ERR_CONFIG: { status: 500, message: 'Invalid configuration' },
  CB_ERR_UWS_LOAD: { status: 500, message: 'uWebSockets.js could not be loaded' },
  CB_ERR_LISTEN: { status: 500, message: 'The gateway could not listen on its address (in use, or not permitted); set another HOST, PORT or PROXY_PORT.' },
  CB_ERR_BAD_REQUEST: { status: 400, message: 'The request is malformed; check the parameters.' },
  CB_ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  CB_ERR_AUTH_REQUIRED: { status: 401, message: 'Sign in first.' },
  CB_ERR_AUTH_INVALID: { status: 401, message: 'Wrong email or password.' },
  CB_ERR_AUTH_DISABLED: { status: 403, message: 'This account is disabled; ask an admin.' },
  CB_ERR_FORBIDDEN_ORIGIN: { status: 403, message: 'Cross-origin request refused.' },
  CB_ERR_FORBIDDEN: { status: 403, message: 'You may not do this.' },
  CB_ERR_NOT_FOUND: { status: 404, message: 'Not found.' },
  CB_ERR_SESSION_UNKNOWN: { status: 404, message: 'No such session; start a new one from the site.' },
  CB_ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; slow down and retry.' },
  CB_ERR_LOGIN_THROTTLED: { status: 429, message: 'Too many sign-in attempts for this account or from this network; wait, then sign in again.' },
  CB_ERR_TARGET_REFUSED: { status: 403, message: 'This address is not allowed as a co-browse target.' },
  CB_ERR_URL_INVALID: { status: 400, message: 'Not a valid http(s) URL.' },
  CB_ERR_PROXY_TOKEN: { status: 404, message: 'This co-browse link has expired or never existed; ask the agent to lead you again.' },
  CB_ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'The site took too long to answer.' },
  CB_ERR_UPSTREAM_UNREACHABLE: { status: 502, message: 'The site could not be reached.' },
  CB_ERR_UPSTREAM_BAD_RESPONSE: { status: 502, message: 'The site sent a response the proxy could not read.' },
  CB_ERR_REDIS_UNREACHABLE: { status: 503, message: 'Redis (REDIS_URL) could not be reached.' },
  CB_ERR_STORE_UNREACHABLE: {
    status: 503,
    message: 'The database (DATABASE_URL) could not be reached: check that PostgreSQL is running and that the URL\'s host, port, user, password and database are right, then start the gateway again.',
  },
  CB_ERR_STORE_LOCKED: {
    status: 500,
    message: 'Another gateway is already running on this SQLite file (DATABASE_PATH): stop it, give this gateway its own DATABASE_PATH, or run several gateways on PostgreSQL (DATABASE_URL) with Redis (REDIS_URL).',
  },
  CB_ERR_STORE_SCHEMA: { status: 500, message: 'The database schema is newer than this gateway knows (a newer gateway migrated it): upgrade this gateway.' },
  CB_ERR_NOT_READY: { status: 503, message: 'The chat service is briefly unavailable (its shared state store is unreachable); try again in a moment.' },
  CB_ERR_INTERNAL: { status: 500, message: 'Internal error; the gateway logged it.' },
} as const;

export type GatewayErrorCode = keyof typeof GatewayErrors;

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly status: number;
  /** For 429 and 503 answers: the Retry-After header, whole seconds. */
  readonly retryAfterSeconds?: number;
  constructor(code: GatewayErrorCode, detail?: string, options?: { cause?: unknown; retryAfterSeconds?: number }) {
    super(detail ? `${GatewayErrors[code].message} ${detail}` : GatewayErrors[code].message, options);
    this.name = 'GatewayError';
    this.code = code;
    this.status = GatewayErrors[code].status;
    if (options?.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}
