// Cookie state delivered with the response that set it. Upstream Set-Cookie goes to the session's
// jar, never to the browser, so document.cookie (emulated by the overlay) would learn about a cookie
// a fetch/XHR response set only after a refresh round trip. Instead such a response carries the
// jar's document.cookie string for the requesting page in `x-cb-cookie` (URI-encoded: header-safe
// whatever the cookie bytes), and the overlay applies it before the page's `await fetch()` resumes
// (and, for XHR, synchronously on the next document.cookie read).
import type { CookieJars } from './cookie-jars.ts';

export const COOKIE_ECHO_HEADER = 'x-cb-cookie';

/**
 * The document whose cookies the page reads: the Referer when it is a page of the same proxy host
 * (same-origin requests send the full URL by default), else the real origin's root.
 */
export function echoDocumentUrl(targetOrigin: string, host: string | undefined, referer: string | undefined): string {
  if (referer && host) {
    try {
      const r = new URL(referer);
      if (r.host === host) return targetOrigin + r.pathname + r.search;
    } catch {
      /* the root below */
    }
  }
  return targetOrigin + '/';
}

/** The header for a non-navigation response that set cookies, or null (navigations embed them). */
export async function cookieEchoHeader(
  jars: CookieJars,
  sessionId: string,
  targetOrigin: string,
  headers: Record<string, string>,
): Promise<[string, string] | null> {
  const dest = headers['sec-fetch-dest'];
  if (dest === 'document' || dest === 'iframe') return null;
  const doc = echoDocumentUrl(targetOrigin, headers.host, headers.referer);
  return [COOKIE_ECHO_HEADER, encodeURIComponent(await jars.documentCookie(sessionId, doc))];
}
