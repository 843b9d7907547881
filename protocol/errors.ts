// Wire error catalogue: codes are stable (clients and tests match on them); messages say what to do.

export const WireErrors = {
  CB_ERR_FRAME_JSON: 'Frame is not valid JSON; send one JSON object per text frame.',
  CB_ERR_FRAME_SCHEMA: 'Frame does not match the protocol; see protocol/messages.ts.',
  CB_ERR_FRAME_BINARY: 'Binary frames are not accepted; send JSON text frames.',
  CB_ERR_FRAME_TOO_LARGE: 'Frame exceeds the size limit.',
  CB_ERR_NOT_ALLOWED: 'This role may not send this frame.',
  CB_ERR_SESSION_UNKNOWN: 'No such session, or it is not yours; reload the page.',
  CB_ERR_SESSION_ENDED: 'The session has ended; start a new one.',
  CB_ERR_ALREADY_TAKEN: 'Another agent took this visitor first.',
  CB_ERR_NOT_OFFERED: 'This visitor is not offered to you (it may have timed out or been taken).',
  CB_ERR_AT_CAPACITY: 'You are at your maximum number of concurrent sessions; end one first.',
  CB_ERR_TARGET_REFUSED: 'That address is not allowed as a co-browse target.',
  CB_ERR_URL_INVALID: 'That is not a valid http(s) URL.',
  CB_ERR_RATE_LIMITED: 'Too many requests; slow down and retry.',
  CB_ERR_INTERNAL: 'Internal error; the gateway logged it. Retry, and report it if it persists.',
} as const;

export type WireErrorCode = keyof typeof WireErrors;

/**
 * Problems a proxied page reports about itself (the overlay's FrameUp `problem`, shown to both
 * parties with an "open it directly" way out). Not errors of the gateway: the page works, only not
 * through the proxy.
 */
export const PageProblems = {
  CB_ERR_SIGNIN_REFUSES_PROXY: 'This sign-in page does not work in co-browsing. Open it directly, sign in, then come back.',
  CB_ERR_PAGE_BLANK: 'This page did not render in co-browsing; it may refuse proxies. Open it directly.',
} as const;

export type PageProblemCode = keyof typeof PageProblems;
