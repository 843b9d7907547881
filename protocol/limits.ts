// Shared limits. The gateway enforces them; clients use them to refuse early with a clear message.

/** Largest WebSocket frame accepted by the gateway; larger frames close the socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024;
/** Longest chat message, in characters. */
export const MAX_CHAT_CHARS = 4000;
/** Longest URL accepted in a frame. */
export const MAX_URL_CHARS = 4096;
/** Longest element path (CSS-like selector) used by scroll/pointer/form sync. */
export const MAX_PATH_CHARS = 1024;
/** Longest synced form value. */
export const MAX_FORM_VALUE_CHARS = 8000;

/**
 * The gateway's own host on the proxy domain (`static.<proxyDomain>`): it serves the overlay from one
 * shared, content-hashed URL. Never a proxy token (tokens are [a-z2-7]{26}), so never a proxied site.
 */
export const OVERLAY_HOST_LABEL = 'static';
