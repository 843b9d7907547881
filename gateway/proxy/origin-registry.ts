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
  /**
   * Cluster mode: the token of a (session, origin) pair, the same on every instance (an HMAC under
   * a shared key, see cluster/proxy-state-redis.ts), so that a pair minted on two instances at once
   * still gives both parties one origin. Default: a random token, remembered here and persisted.
   */
  mintToken?: (sessionId: string, origin: string) => string;
  /** Cluster mode: the entry of a token this instance has not seen (minted by another instance). */
  lookup?: (token: string) => Promise<ProxyOriginEntry | null>;
  /** Cluster mode: a session ended here; clear its shared state. */
  onDropSession?: (sessionId: string) => void;
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
    if (this.#byToken.has(e.token)) return;
    this.#byToken.set(e.token, e);
    // A pair keeps the token it was first known by here (a restored random token, say).
    const key = `${e.sessionId}|${e.origin}`;
    if (!this.#byKey.has(key)) this.#byKey.set(key, e);
    const list = this.#bySession.get(e.sessionId);
    if (list) list.push(e);
    else this.#bySession.set(e.sessionId, [e]);
  }

  /** Proxy origin for a target origin in a session, created on first use. */
  proxyOrigin(sessionId: string, targetOrigin: string): string {
    const key = `${sessionId}|${targetOrigin}`;
    let e = this.#byKey.get(key);
    if (!e) {
      e = { token: this.#o.mintToken?.(sessionId, targetOrigin) ?? newProxyToken(), sessionId, origin: targetOrigin };
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

  /** The token of a Host header (token.domain:port), or null when it is not a proxy origin's. */
  #tokenOf(host: string): string | null {
    const dot = host.indexOf('.');
    if (dot <= 0) return null;
    const token = host.slice(0, dot).toLowerCase();
    if (!PROXY_TOKEN_RE.test(token)) return null;
    if (host.slice(dot).toLowerCase() !== this.hostSuffix && host.slice(dot).toLowerCase() !== `.${this.#o.domain}`) return null;
    return token;
  }

  /** Resolves a Host header (token.domain:port) to its entry, from what this instance knows. */
  fromHost(host: string): ProxyOriginEntry | null {
    const token = this.#tokenOf(host);
    return token ? (this.#byToken.get(token) ?? null) : null;
  }

  /** Whether resolveHost may find a host that fromHost does not know (cluster mode). */
  get sharedLookup(): boolean {
    return !!this.#o.lookup;
  }

  /** fromHost, then (cluster mode) the tokens other instances minted; found ones are kept here. */
  async resolveHost(host: string): Promise<ProxyOriginEntry | null> {
    const token = this.#tokenOf(host);
    if (!token) return null;
    const known = this.#byToken.get(token);
    if (known || !this.#o.lookup) return known ?? null;
    let p = this.#lookups.get(token);
    if (!p) {
      p = this.#o.lookup(token).then(
        (e) => {
          this.#lookups.delete(token);
          if (!e || e.token !== token) return null;
          this.#remember({ token, sessionId: e.sessionId, origin: e.origin });
          return this.#byToken.get(token) ?? null;
        },
        () => {
          this.#lookups.delete(token);
          return null;
        },
      );
      this.#lookups.set(token, p);
    }
    return p;
  }

  #lookups = new Map<string, Promise<ProxyOriginEntry | null>>();

  /** Real origin behind a proxy origin of the same session (for Origin/Referer headers). */
  realOriginOf(sessionId: string, proxyOrigin: string): string | null {
    try {
      const e = this.fromHost(new URL(proxyOrigin).host);
      return e && e.sessionId === sessionId ? e.origin : null;
    } catch {
      return null;
    }
  }

  /** realOriginOf, also for proxy origins minted by other instances (cluster mode). */
  async resolveRealOriginOf(sessionId: string, proxyOrigin: string): Promise<string | null> {
    const local = this.realOriginOf(sessionId, proxyOrigin);
    if (local || !this.#o.lookup) return local;
    try {
      const e = await this.resolveHost(new URL(proxyOrigin).host);
      return e && e.sessionId === sessionId ? e.origin : null;
    } catch {
      return null;
    }
  }

  /** Forget a session's origins (session ended): its proxy links stop working, on every instance. */
  dropSession(sessionId: string): void {
    this.forgetSession(sessionId);
    this.#o.onDropSession?.(sessionId);
  }

  /** Forget a session's origins on this instance only (another instance ended it). */
  forgetSession(sessionId: string): void {
    for (const e of this.#bySession.get(sessionId) ?? []) {
      this.#byKey.delete(`${e.sessionId}|${e.origin}`);
      this.#byToken.delete(e.token);
    }
    this.#bySession.delete(sessionId);
  }
}
