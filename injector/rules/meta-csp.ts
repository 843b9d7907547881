/**
 * A CSP delivered by <meta> would block the injected overlay and the proxy origins, and it
 * can't be rewritten reliably (it lists real origins), so the element is removed. The gateway
 * handles CSP response headers itself.
 */
export function isCspMeta(httpEquiv: string): boolean {
  return httpEquiv.trim().toLowerCase() === 'content-security-policy';
}
