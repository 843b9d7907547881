// Per-origin isolation: every (session, target origin) pair is served from its own proxy origin,
// http://<token>.<proxyDomain>:<port>, so two proxied sites' cookies and storage never collide and
// none of them shares an origin (or a site) with the console. The path is kept as it is, so
// relative URLs need no rewriting and page scripts see their real location.pathname.
import { newProxyToken, PROXY_TOKEN_RE } from '../ids.ts';

export interface ProxyOriginEntry {
  token: string;
  sessionId: string;
  origin: string;
}

export interface OriginRegistryOptions {
  scheme: 'http' | 'https';
  domain: string;
  publicPort: number;
  persist?: (e: ProxyOriginEntry) => void;
}

export class OriginRegistry {
  #byToken = new Map<string, ProxyOriginEntry>();
  #byKey = new Map<string, ProxyOriginEntry>();
  /** A session's entries, so ending a session does not scan every session's origins. */
  #bySession = new Map<string, ProxyOriginEntry[]>();
  #o: OriginRegistryOptions;
  #portSuffix: string;

  constructor(o: OriginRegistryOptions, restored: ProxyOriginEntry[] = []) {
    this.#o = o;
    const isDefault = (o.scheme === 'http' && o.publicPort === 80) || (o.scheme === 'https' && o.publicPort === 443);
    this.#portSuffix = isDefault ? '' : `:${o.publicPort}`;
    for (const e of restored) this.#remember(e);
  }

  /** Host suffix shared by all proxy origins, e.g. `.localhost:8081`. */
  get hostSuffix(): string {
    return `.${this.#o.domain}${this.#portSuffix}`;
  }

  #remember(e: ProxyOriginEntry) {
    this.#byToken.set(e.token, e);
    this.#byKey.set(`${e.sessionId}|${e.origin}`, e);
    const list = this.#bySession.get(e.sessionId);
    if (list) list.push(e);
    else this.#bySession.set(e.sessionId, [e]);
  }

  /** Proxy origin for a target origin in a session, created on first use. */
  proxyOrigin(sessionId: string, targetOrigin: string): string {
    const key = `${sessionId}|${targetOrigin}`;
    let e = this.#byKey.get(key);
    if (!e) {
      e = { token: newProxyToken(), sessionId, origin: targetOrigin };
      this.#remember(e);
      this.#o.persist?.(e);
    }
    return `${this.#o.scheme}://${e.token}${this.hostSuffix}`;
  }

  /** Proxy URL showing a real URL (same path, query and fragment). */
  proxyUrl(sessionId: string, realUrl: string | URL): string {
    const u = typeof realUrl === 'string' ? new URL(realUrl) : realUrl;
    return this.proxyOrigin(sessionId, u.origin) + u.pathname + u.search + u.hash;
  }

  /** Resolves a Host header (token.domain:port) to its entry. */
  fromHost(host: string): ProxyOriginEntry | null {
    const dot = host.indexOf('.');
    if (dot <= 0) return null;
    const token = host.slice(0, dot).toLowerCase();
    if (!PROXY_TOKEN_RE.test(token)) return null;
    if (host.slice(dot).toLowerCase() !== this.hostSuffix && host.slice(dot).toLowerCase() !== `.${this.#o.domain}`) return null;
    return this.#byToken.get(token) ?? null;
  }

  /** Real origin behind a proxy origin of the same session (for Origin/Referer headers). */
  realOriginOf(sessionId: string, proxyOrigin: string): string | null {
    try {
      const e = this.fromHost(new URL(proxyOrigin).host);
      return e && e.sessionId === sessionId ? e.origin : null;
    } catch {
      return null;
    }
  }

  /** Forget a session's origins (session ended): its proxy links stop working. */
  dropSession(sessionId: string): void {
    for (const e of this.#bySession.get(sessionId) ?? []) {
      this.#byKey.delete(`${e.sessionId}|${e.origin}`);
      this.#byToken.delete(e.token);
    }
    this.#bySession.delete(sessionId);
  }
}
