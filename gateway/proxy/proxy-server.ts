// The proxy origin(s): every request to http://<token>.<proxyDomain>:<proxyPort>/<path> is fetched
// from the token's target origin with undici, then HTML and CSS are rewritten by injector/ and the
// overlay is injected; everything else streams straight through with backpressure. Runs as its own
// uWS app on its own port, so proxied content never shares an origin with the console or the API.
import { Readable } from 'node:stream';
import { errors as undiciErrors } from 'undici';
import type { Logger } from 'pino';
import { uws, type HttpRequest, type HttpResponse, type TemplatedApp } from '../uws.ts';
import { rewriteCss, rewriteHtml, rewriteHtmlUtf8, rewriteLocationHeader } from '../../injector/index.ts';
import { GatewayError, GatewayErrors, type GatewayErrorCode } from '../errors.ts';
import { readBody, send, statusLine, track, type ResState } from '../http/respond.ts';
import { checkTarget, type TargetPolicy } from './target-policy.ts';
import type { OriginRegistry } from './origin-registry.ts';
import type { CookieJars } from './cookie-jars.ts';
import { PageCache, type CachedPage, type SharedFlight } from './page-cache.ts';
import { RateLimiter } from './rate-limit.ts';
import { filterResponseHeaders, type HeaderMapping, type UpstreamHeaders } from './response-headers.ts';
import { decodeText, decompress, isUtf8Text } from './body-decode.ts';
import { errorPage } from './error-page.ts';
import type { Upstreams } from './upstream.ts';
import { attachWsProxy } from './ws-proxy.ts';
import { requestBodyStream } from './request-body.ts';
import { streamResponse } from './stream-response.ts';
import { fetchUpstream, type UpstreamBody } from './upstream-fetch.ts';
import { partyOf, withoutPartyCookie } from './navigation-party.ts';
import { cookieEchoHeader } from './cookie-echo.ts';
import { isWorkerScriptRequest, prependWorkerRuntime, workerRuntime } from './worker-runtime.ts';
import { importMapTarget } from './escape-routes.ts';
import { OverlayAsset } from './overlay-asset.ts';
import type { Maybe } from '../store/ports.ts';
import { isPromise } from '../store/maybe.ts';
import { createUrlMapper } from './map-url.ts';

export interface ProxyDeps {
  registry: OriginRegistry;
  jars: CookieJars;
  upstreams: Upstreams;
  policy: TargetPolicy;
  log: Logger;
  /** Origin of the gateway (console and shell), the only window the overlay talks to. */
  parentOrigin: string;
  /** Whether the session may still browse (not ended). */
  /** A value when the session is cached here, a promise while it is loaded from the store (a session another instance created). */
  sessionLive: (sessionId: string) => Maybe<boolean>;
  /** The overlay bundle, served at /__cb/overlay.js on its own origin (overlay-asset.ts) and on every proxy origin. */
  overlayJs: () => Buffer | null;
  ratePerSecond: number;
  burst: number;
  maxUploadBytes: number;
  metrics?: { proxyRequest: (kind: string, status: number) => void };
  /** Cluster mode: the single flight shared with the other instances. */
  sharedPages?: SharedFlight | null;
}

const FORWARD_REQUEST_HEADERS = [
  'accept',
  'accept-language',
  'content-type',
  'range',
  'if-none-match',
  'if-modified-since',
  'if-range',
  'cache-control',
  'pragma',
  'user-agent',
  'x-requested-with',
  // A CORS preflight reaches the site as the browser sent it (the answer is mapped back in response-headers.ts).
  'access-control-request-method',
  'access-control-request-headers',
];
const MAX_REWRITE_BYTES = 32 * 1024 * 1024;
const HTML_TYPES = /^(text\/html|application\/xhtml\+xml)/i;
const CSS_TYPE = /^text\/css/i;

interface Streamed {
  stream: true;
  status: number;
  headers: [string, string][];
  body: UpstreamBody;
  taken?: boolean;
}
type Fetched = CachedPage | Streamed;

interface ProxyRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  sessionId: string;
  targetOrigin: string;
}

/** `app`: an app already listening (server.ts listens first, so the proxy origins' port is known to the registry). */
export function createProxyApp(deps: ProxyDeps, app: TemplatedApp = uws.App()): TemplatedApp {
  const cache = new PageCache<Fetched>(5000, Date.now, deps.sharedPages ?? null);
  const limiter = new RateLimiter(deps.ratePerSecond, deps.burst);
  const { jars, log } = deps;
  // The registry is created after the proxy port is known: always read it through deps.
  const reg = () => deps.registry;
  const overlay = new OverlayAsset(deps.overlayJs);
  const scheme = deps.parentOrigin.startsWith('https:') ? 'https' : 'http';

  // Links to the gateway itself (a site's "Talk to a live agent" button) are not proxied: the
  // overlay keeps them from opening a second chat inside the co-browse frame.
  const mapUrlFor = (sessionId: string) => createUrlMapper(reg, sessionId, deps.parentOrigin);

  /** A request's logger, carrying its sessionId (made only on the paths that log: failures). */
  const logOf = (pr: ProxyRequest) => log.child({ sessionId: pr.sessionId });

  function fail(res: HttpResponse, state: ResState, code: GatewayErrorCode, pr: ProxyRequest | null, detail?: string, url?: string) {
    const e = GatewayErrors[code];
    deps.metrics?.proxyRequest('error', e.status);
    if (pr?.method === 'HEAD') {
      if (!state.aborted && !state.done) {
        state.done = true;
        res.cork(() => res.writeStatus(statusLine(e.status)).writeHeader('cache-control', 'no-store').endWithoutBody());
      }
      return;
    }
    const wantsHtml = !pr || (pr.method === 'GET' && /html|\*\/\*/.test(pr.headers.accept ?? 'text/html'));
    if (pr) logOf(pr).info({ code, url, detail }, 'proxy refused or failed');
    if (!wantsHtml) {
      return send(res, state, e.status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, `${code}: ${e.message}${detail ? ' ' + detail : ''}`);
    }
    const titles: Partial<Record<GatewayErrorCode, string>> = {
      CB_ERR_TARGET_REFUSED: 'This page cannot be shown in co-browsing',
      CB_ERR_UPSTREAM_TIMEOUT: 'The site took too long to answer',
      CB_ERR_UPSTREAM_UNREACHABLE: 'The site could not be reached',
      CB_ERR_PROXY_TOKEN: 'This co-browse link is no longer valid',
      CB_ERR_RATE_LIMITED: 'Too many requests',
    };
    const html = errorPage({
      code,
      title: titles[code] ?? 'The page could not be shown',
      message: detail ? `${e.message} ${detail}` : e.message,
      url,
      parentOrigin: deps.parentOrigin,
    });
    send(res, state, e.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }, html);
  }

  function injectHead(pr: ProxyRequest, docCookies: string): string {
    const cfg = JSON.stringify({
      parentOrigin: deps.parentOrigin,
      realOrigin: pr.targetOrigin,
      sessionHint: pr.sessionId.slice(0, 6),
      // document.cookie's starting value; the overlay keeps it current through /__cb/cookie.
      cookies: docCookies,
    }).replace(/</g, '\\u003c');
    return `<script>window.__cbFrame=${cfg}</script>${overlay.scriptTag(scheme, reg().hostSuffix)}`;
  }

  /** Request headers for upstream: real origin/referer, cookies from the session jar plus the page's own. */
  async function upstreamHeaders(pr: ProxyRequest, targetUrl: string): Promise<Record<string, string>> {
    const h: Record<string, string> = {};
    for (const k of FORWARD_REQUEST_HEADERS) if (pr.headers[k]) h[k] = pr.headers[k];
    h['accept-encoding'] = 'gzip, deflate, br';
    // A preflight carries no credentials.
    const preflight = pr.method === 'OPTIONS' && !!pr.headers['access-control-request-method'];
    const jarCookies = preflight ? '' : await jars.cookieHeader(pr.sessionId, targetUrl);
    const pageCookies = preflight ? '' : withoutPartyCookie(pr.headers.cookie ?? '');
    const cookie = [jarCookies, pageCookies].filter(Boolean).join('; ');
    if (cookie) h.cookie = cookie;
    if (pr.headers.origin) {
      const real = await reg().resolveRealOriginOf(pr.sessionId, pr.headers.origin);
      if (real) h.origin = real;
    }
    if (pr.headers.referer) {
      try {
        const ref = new URL(pr.headers.referer);
        const real = await reg().resolveRealOriginOf(pr.sessionId, ref.origin);
        if (real) h.referer = real + ref.pathname + ref.search;
      } catch {
        /* a bad referer is dropped */
      }
    }
    return h;
  }

  /** Whether a response goes to the browser as it is (not HTML or CSS to rewrite, or no body). */
  function streamsThrough(pr: ProxyRequest, status: number, headers: UpstreamHeaders): boolean {
    if (pr.method === 'HEAD' || status === 204 || status === 304) return true;
    const ct = String(headers['content-type'] ?? '');
    if (status === 200 && isWorkerScriptRequest(pr.headers)) return false; // gets the worker runtime
    return !HTML_TYPES.test(ct) && !CSS_TYPE.test(ct);
  }

  /** Header mapping for one response (a class: no closures to build per request on the asset path). */
  class ResponseMapping implements HeaderMapping {
    constructor(
      private readonly sessionId: string,
      private readonly targetUrl: string,
    ) {}
    mapLocation(v: string): string {
      return rewriteLocationHeader(v, { pageUrl: this.targetUrl, mapUrl: mapUrlFor(this.sessionId) });
    }
    mapOrigin(o: string): string | null {
      try {
        return reg().proxyOrigin(this.sessionId, new URL(o).origin);
      } catch {
        return null;
      }
    }
  }

  /**
   * Fetches and, for HTML and CSS, rewrites. With `direct`, a response that streams through and sets
   * no cookie is piped to that browser response right at its head (synchronously: the first body
   * bytes go out from the read that brought them), and null is returned.
   */
  async function fetchAndRewrite(pr: ProxyRequest, targetUrl: string, body: Readable | null, state: ResState, direct: HttpResponse | null = null): Promise<Fetched | null> {
    const check = checkTarget(targetUrl, deps.policy);
    if (!check.ok) throw new GatewayError(check.code, check.reason);
    const upHeaders = await upstreamHeaders(pr, targetUrl);
    if (state.aborted) {
      body?.destroy();
      throw new GatewayError('CB_ERR_UPSTREAM_UNREACHABLE', 'The client went away.');
    }
    // Origin and path come from the checked URL, so the request line is exactly what
    // request(targetUrl) would have sent. Plain-http GET and HEAD (most assets) go through the lean
    // client (upstream-h1.ts); everything else through undici's dispatch() (upstream-fetch.ts).
    const path = check.url.pathname + check.url.search;
    const exchange =
      check.url.protocol === 'http:' && body === null && (pr.method === 'GET' || pr.method === 'HEAD')
        ? (check.trusted ? deps.upstreams.h1Trusted : deps.upstreams.h1Guarded).fetch(check.url, pr.method, path, upHeaders)
        : fetchUpstream(check.trusted ? deps.upstreams.trusted : deps.upstreams.guarded, { origin: check.url.origin, path, method: pr.method, headers: upHeaders, body });
    state.onAbort.push(exchange.abort);
    const mapping = new ResponseMapping(pr.sessionId, targetUrl);
    let streamed = false;
    if (direct) {
      exchange.onHead = (up) => {
        // A Set-Cookie must be in the jar before the response completes: that case takes the path below.
        if (up.headers['set-cookie'] || !streamsThrough(pr, up.status, up.headers)) return;
        let headers: [string, string][];
        try {
          headers = filterResponseHeaders(up.headers, mapping);
        } catch {
          return; // the path below reports it
        }
        streamed = true;
        deps.metrics?.proxyRequest('stream', up.status);
        streamResponse(direct, state, up.status, headers, up.body, pr.method === 'HEAD');
      };
    }
    let up;
    try {
      up = await exchange.response;
    } catch (err) {
      throw upstreamError(err);
    }
    if (streamed) return null;
    // Most responses set no cookie: skip the jar's (possibly remote) write then.
    let echo: [string, string] | null = null;
    if (up.headers['set-cookie']) {
      await jars.store(pr.sessionId, targetUrl, up.headers['set-cookie']);
      echo = await cookieEchoHeader(jars, pr.sessionId, pr.targetOrigin, pr.headers);
    }
    const ct = String(up.headers['content-type'] ?? '');
    const mapUrl = mapUrlFor(pr.sessionId);
    const isHtml = HTML_TYPES.test(ct);
    if (streamsThrough(pr, up.status, up.headers)) {
      const headers = filterResponseHeaders(up.headers, mapping);
      if (echo) headers.push(echo);
      return { stream: true, status: up.status, headers, body: up.body };
    }
    const worker = !isHtml && isWorkerScriptRequest(pr.headers);
    const whole = await up.body.collect(MAX_REWRITE_BYTES, () => new GatewayError('CB_ERR_UPSTREAM_BAD_RESPONSE', 'The page is too large to co-browse.'));
    let raw: Buffer;
    try {
      raw = await decompress(whole, up.headers['content-encoding'] as string | undefined);
    } catch (err) {
      throw new GatewayError('CB_ERR_UPSTREAM_BAD_RESPONSE', (err as Error).message);
    }
    const docCookies = isHtml ? await jars.documentCookie(pr.sessionId, pr.targetOrigin + pr.path) : '';
    // A UTF-8 page (most of the web) is rewritten as bytes: no decode to UTF-16, no encode back.
    const utf8Html = isHtml && isUtf8Text(raw, ct, true);
    const text = utf8Html ? '' : decodeText(raw, ct, isHtml);
    const out = utf8Html
      ? rewriteHtmlUtf8(raw, { pageUrl: targetUrl, mapUrl, injectHead: injectHead(pr, docCookies) })
      : isHtml
      ? rewriteHtml(text, { pageUrl: targetUrl, mapUrl, injectHead: injectHead(pr, docCookies) })
      : worker
        ? prependWorkerRuntime(text, { real: pr.targetOrigin, gateway: deps.parentOrigin })
        : rewriteCss(text, { baseUrl: targetUrl, mapUrl });
    const headers = filterResponseHeaders(up.headers, mapping, ['content-length', 'content-encoding', 'content-type', 'etag', 'last-modified']);
    headers.push(['content-type', `${isHtml ? 'text/html' : worker ? 'text/javascript' : 'text/css'}; charset=utf-8`]);
    if (echo) headers.push(echo);
    if (isHtml) headers.push(['cache-control', 'no-store']);
    return { status: up.status, headers, body: typeof out === 'string' ? Buffer.from(out, 'utf8') : out };
  }

  function upstreamError(err: unknown): GatewayError {
    if (err instanceof GatewayError) return err;
    const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    const code = e.code ?? e.cause?.code;
    if (code === 'CB_ERR_TARGET_REFUSED' || e.cause?.code === 'CB_ERR_TARGET_REFUSED') {
      return new GatewayError('CB_ERR_TARGET_REFUSED', (e.cause ?? e).message);
    }
    if (err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError || err instanceof undiciErrors.ConnectTimeoutError) {
      return new GatewayError('CB_ERR_UPSTREAM_TIMEOUT', undefined, { cause: err });
    }
    return new GatewayError('CB_ERR_UPSTREAM_UNREACHABLE', code ? `(${code})` : undefined, { cause: err });
  }

  async function handle(res: HttpResponse, state: ResState, pr: ProxyRequest, body: Readable | null) {
    const targetUrl = pr.targetOrigin + pr.path;
    const isNavigation = pr.method === 'GET' && (pr.headers['sec-fetch-dest'] === 'document' || pr.headers['sec-fetch-dest'] === 'iframe');
    try {
      let r: Fetched;
      if (isNavigation) {
        r = await cache.get(`${pr.sessionId}|${targetUrl}`, () => fetchAndRewrite(pr, targetUrl, null, state) as Promise<Fetched>, { sessionId: pr.sessionId, url: targetUrl }, partyOf(pr.headers.cookie));
        // A streamed body can be read once: a second party waiting on the same flight fetches its own.
        if ('stream' in r) {
          if (r.taken) r = (await fetchAndRewrite(pr, targetUrl, null, state)) as Fetched;
          if ('stream' in r) r.taken = true;
        }
      } else {
        const got = await fetchAndRewrite(pr, targetUrl, body, state, res);
        if (got === null) return; // streaming already
        r = got;
      }
      if ('stream' in r) {
        deps.metrics?.proxyRequest('stream', r.status);
        return streamResponse(res, state, r.status, r.headers, r.body, pr.method === 'HEAD');
      }
      deps.metrics?.proxyRequest('rewrite', r.status);
      send(res, state, r.status, r.headers, r.body);
    } catch (err) {
      const e = err instanceof GatewayError ? err : upstreamError(err);
      if (e.code === 'CB_ERR_INTERNAL' || e.code === 'CB_ERR_UPSTREAM_BAD_RESPONSE') logOf(pr).warn({ err, url: targetUrl }, 'proxy failure');
      const base = GatewayErrors[e.code].message;
      const detail = e.message === base ? undefined : e.message.replace(base, '').trim();
      if (!state.aborted) fail(res, state, e.code, pr, detail, targetUrl);
    }
  }

  function internal(res: HttpResponse, state: ResState, pr: ProxyRequest, url: string, query: string, early?: Readable | null) {
    if (url === '/__cb/overlay.js') {
      const js = deps.overlayJs();
      if (!js) return send(res, state, 503, { 'content-type': 'text/plain' }, 'overlay not built: run npm run build');
      return send(res, state, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'public, max-age=300' }, js);
    }
    if (url === '/__cb/cookie') {
      // document.cookie emulation for the overlay: the jar is the only cookie store, scoped by the
      // real domain and path; HttpOnly cookies are never shown to, nor set by, page scripts.
      let docUrl = pr.targetOrigin + '/';
      try {
        const u = new URL(new URLSearchParams(query).get('u') ?? '/', pr.targetOrigin);
        if (u.origin === pr.targetOrigin) docUrl = u.href;
      } catch {
        /* default to the origin's root */
      }
      const headers = { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' };
      if (pr.method === 'POST') {
        return void (early ? readStream(early, 8192) : readBody(res, state, 8192)).then(
          async (b) => {
            await jars.setFromDocument(pr.sessionId, docUrl, b.toString('utf8'));
            send(res, state, 200, headers, await jars.documentCookie(pr.sessionId, docUrl));
          },
          () => send(res, state, 413, headers, ''),
        );
      }
      return void jars.documentCookie(pr.sessionId, docUrl).then(
        (c) => send(res, state, 200, headers, c),
        () => send(res, state, 503, headers, ''),
      );
    }
    if (url === '/__cb/origin') {
      // Which real origin a proxy origin of this session stands for: lets a receiving overlay check
      // the origin a sender's postMessage claims (another session's origins are not answered).
      return void reg().resolveRealOriginOf(pr.sessionId, new URLSearchParams(query).get('o') ?? '').then((real) =>
        send(res, state, real ? 200 : 404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }, real ?? ''),
      );
    }
    if (url === '/__cb/worker-runtime.js') {
      const js = workerRuntime({ real: pr.targetOrigin, gateway: deps.parentOrigin });
      return send(res, state, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' }, js);
    }
    if (url.startsWith('/__cb/im/')) {
      // An import map prefix (visitor-shell/src/overlay/import-map.ts): the module is served here,
      // on this proxy origin, so its relative imports stay under /__cb/im/ too (escape-routes.ts).
      const u = importMapTarget(url, query);
      if (!u) return fail(res, state, 'CB_ERR_URL_INVALID', pr);
      const target = new URL(u);
      return void reg()
        .resolveRealOriginOf(pr.sessionId, target.origin)
        .then((real) => {
          const origin = real ?? target.origin; // a proxy URL of this session stands for its real origin
          const sub: ProxyRequest = { ...pr, targetOrigin: origin, path: target.pathname + target.search };
          return handle(res, state, sub, null);
        })
        .catch(() => !state.aborted && fail(res, state, 'CB_ERR_INTERNAL', pr));
    }
    if (url === '/__cb/go') {
      const u = new URLSearchParams(query).get('u') ?? '';
      const check = checkTarget(u, deps.policy);
      if (!check.ok) return fail(res, state, check.code, pr, check.reason, u);
      return send(res, state, 307, { location: reg().proxyUrl(pr.sessionId, check.url), 'cache-control': 'no-store' });
    }
    return fail(res, state, 'CB_ERR_NOT_FOUND', pr);
  }

  attachWsProxy(app, { registry: reg, jars, policy: deps.policy, log, sessionLive: deps.sessionLive });
  return app.any('/*', (res: HttpResponse, req: HttpRequest) => {
    const state = track(res);
    const host = req.getHeader('host');
    const url = req.getUrl();
    const query = req.getQuery() ?? '';
    const method = req.getCaseSensitiveMethod().toUpperCase();
    const headers: Record<string, string> = {};
    req.forEach((k, v) => {
      headers[k] = headers[k] ? `${headers[k]}, ${v}` : v;
    });
    const entry = reg().fromHost(host);
    if (entry) return serve(res, state, entry, method, url, query, headers);
    if (host.toLowerCase() === OverlayAsset.host(reg().hostSuffix)) {
      const o = overlay.response(method, url, query);
      deps.metrics?.proxyRequest('overlay', o.status);
      return send(res, state, o.status, o.headers, o.body);
    }
    if (!reg().sharedLookup) return fail(res, state, 'CB_ERR_PROXY_TOKEN', null);
    // Cluster mode: a token another instance minted. uWS delivers the body only to a handler
    // attached now, so it is taken before the lookup.
    const early = method === 'GET' || method === 'HEAD' ? null : requestBodyStream(res, state, deps.maxUploadBytes, headers['content-length']);
    reg()
      .resolveHost(host)
      .then(
        (e) => (e ? serve(res, state, e, method, url, query, headers, early) : (early?.destroy(), fail(res, state, 'CB_ERR_PROXY_TOKEN', null))),
        () => (early?.destroy(), fail(res, state, 'CB_ERR_PROXY_TOKEN', null)),
      );
  });

  /** `early`: the body stream when it had to be taken before the entry was known. */
  function serve(res: HttpResponse, state: ResState, entry: { sessionId: string; origin: string }, method: string, url: string, query: string, headers: Record<string, string>, early?: Readable | null) {
    const live = deps.sessionLive(entry.sessionId);
    if (!isPromise(live)) return live ? admitted(res, state, entry, method, url, query, headers, early) : (early?.destroy(), fail(res, state, 'CB_ERR_PROXY_TOKEN', null));
    // Not cached on this instance (another one created the session): loaded from the store first.
    // uWS delivers a request body only to a handler attached now, so it is taken before the wait.
    const body = early !== undefined ? early : method === 'GET' || method === 'HEAD' ? null : requestBodyStream(res, state, deps.maxUploadBytes, headers['content-length']);
    live.then(
      (ok) => {
        if (state.aborted) return body?.destroy();
        if (ok) return admitted(res, state, entry, method, url, query, headers, body);
        body?.destroy();
        fail(res, state, 'CB_ERR_PROXY_TOKEN', null);
      },
      () => {
        body?.destroy();
        if (!state.aborted) fail(res, state, 'CB_ERR_NOT_READY', null);
      },
    );
  }

  /** A request for a live session's origin. */
  function admitted(res: HttpResponse, state: ResState, entry: { sessionId: string; origin: string }, method: string, url: string, query: string, headers: Record<string, string>, early?: Readable | null) {
    const pr: ProxyRequest = {
      method,
      path: url + (query ? `?${query}` : ''),
      headers,
      sessionId: entry.sessionId,
      targetOrigin: entry.origin,
    };
    if (url.startsWith('/__cb/')) return internal(res, state, pr, url, query, early);
    const body = early !== undefined ? early : method === 'GET' || method === 'HEAD' ? null : requestBodyStream(res, state, deps.maxUploadBytes, headers['content-length']);
    if (!limiter.take(entry.sessionId)) return fail(res, state, 'CB_ERR_RATE_LIMITED', pr);
    handle(res, state, pr, body).catch((err) => {
      logOf(pr).error({ err }, 'proxy handler crashed');
      if (!state.aborted) fail(res, state, 'CB_ERR_INTERNAL', pr);
    });
  }
}

/** A small body already taken as a stream (see `early` above), as readBody would give it. */
async function readStream(stream: Readable, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > limit) throw new GatewayError('CB_ERR_BODY_TOO_LARGE');
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

