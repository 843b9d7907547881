// Server-side cookie jars, one per session (tough-cookie). Set-Cookie from upstream never reaches
// the browser: HttpOnly cookies stay on the server, and the jar scopes every cookie by its real
// domain, path and secure flag, which the per-origin proxy hosts alone could not express.
import { CookieJar } from 'tough-cookie';

export class CookieJars {
  #jars = new Map<string, CookieJar>();

  jar(sessionId: string): CookieJar {
    let j = this.#jars.get(sessionId);
    if (!j) {
      j = new CookieJar(undefined, { looseMode: true, allowSpecialUseDomain: true, rejectPublicSuffixes: false });
      this.#jars.set(sessionId, j);
    }
    return j;
  }

  cookieHeader(sessionId: string, url: string): string {
    return this.jar(sessionId).getCookieStringSync(url);
  }

  store(sessionId: string, url: string, setCookie: string | string[] | undefined): void {
    if (!setCookie) return;
    const jar = this.jar(sessionId);
    for (const c of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      try {
        jar.setCookieSync(c, url, { ignoreError: true });
      } catch {
        /* a malformed cookie is dropped, as a browser would */
      }
    }
  }

  /** What `document.cookie` shows a page at `url`: the jar's cookies, HttpOnly ones excluded. */
  documentCookie(sessionId: string, url: string): string {
    return this.jar(sessionId).getCookieStringSync(url, { http: false });
  }

  /** A page script's `document.cookie = ...`: it may not set or overwrite HttpOnly cookies. */
  setFromDocument(sessionId: string, url: string, cookie: string): void {
    try {
      this.jar(sessionId).setCookieSync(cookie, url, { http: false, ignoreError: true });
    } catch {
      /* ignored, as a browser ignores a malformed assignment */
    }
  }

  drop(sessionId: string): void {
    this.#jars.delete(sessionId);
  }
}
