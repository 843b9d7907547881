// Server-side cookie jars, one per session (tough-cookie). Set-Cookie from upstream never reaches
// the browser: HttpOnly cookies stay on the server, and the jar scopes every cookie by its real
// domain, path and secure flag, which the per-origin proxy hosts alone could not express.
//
// Two implementations behind one async interface: MemoryCookieJars here (one process), and
// RedisCookieJars in gateway/cluster/redis-cookie-jars.ts (cluster mode), where the jar lives in
// Redis so that the two parties of a session can be served by different instances and still carry
// the same cookies.
import { Cookie, CookieJar } from 'tough-cookie';

export interface CookieJars {
  /** The Cookie header for a request to `url` (HttpOnly included). */
  cookieHeader(sessionId: string, url: string): Promise<string>;
  /** Set-Cookie headers of an upstream response for `url`. */
  store(sessionId: string, url: string, setCookie: string | string[] | undefined): Promise<void>;
  /** What `document.cookie` shows a page at `url`: the jar's cookies, HttpOnly ones excluded. */
  documentCookie(sessionId: string, url: string): Promise<string>;
  /** A page script's `document.cookie = ...`: it may not set or overwrite HttpOnly cookies. */
  setFromDocument(sessionId: string, url: string, cookie: string): Promise<void>;
  /** Session ended: forget its cookies (everywhere, in cluster mode). */
  drop(sessionId: string): void;
  close(): void;
}

export const newJar = () => new CookieJar(undefined, { looseMode: true, allowSpecialUseDomain: true, rejectPublicSuffixes: false });

/** Sets cookies as a browser would; returns the cookies the jar accepted (expired ones delete). */
export function applyCookies(jar: CookieJar, url: string, cookies: string[], http: boolean): Cookie[] {
  const stored: Cookie[] = [];
  for (const c of cookies) {
    try {
      const got = jar.setCookieSync(c, url, http ? { ignoreError: true } : { http: false, ignoreError: true });
      if (got) stored.push(got);
    } catch {
      /* a malformed cookie is dropped, as a browser would */
    }
  }
  return stored;
}

export const asList = (setCookie: string | string[] | undefined): string[] => (!setCookie ? [] : Array.isArray(setCookie) ? setCookie : [setCookie]);

export class MemoryCookieJars implements CookieJars {
  #jars = new Map<string, CookieJar>();

  jar(sessionId: string): CookieJar {
    let j = this.#jars.get(sessionId);
    if (!j) {
      j = newJar();
      this.#jars.set(sessionId, j);
    }
    return j;
  }

  async cookieHeader(sessionId: string, url: string): Promise<string> {
    return this.#jars.get(sessionId)?.getCookieStringSync(url) ?? '';
  }

  async store(sessionId: string, url: string, setCookie: string | string[] | undefined): Promise<void> {
    const list = asList(setCookie);
    if (list.length) applyCookies(this.jar(sessionId), url, list, true);
  }

  async documentCookie(sessionId: string, url: string): Promise<string> {
    return this.#jars.get(sessionId)?.getCookieStringSync(url, { http: false }) ?? '';
  }

  async setFromDocument(sessionId: string, url: string, cookie: string): Promise<void> {
    applyCookies(this.jar(sessionId), url, [cookie], false);
  }

  drop(sessionId: string): void {
    this.#jars.delete(sessionId);
  }

  close(): void {
    this.#jars.clear();
  }
}
