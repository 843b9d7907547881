// WebSockets of proxied sites. A page's `new WebSocket(...)` reaches the proxy either on its own
// proxy origin (same-origin sockets keep their path) or through /__cb/ws?u=<url> (the overlay's
// rewrite for sockets to other origins). We connect upstream first, so the subprotocol the server
// picks is the one we answer the browser with, then pipe frames both ways with backpressure.
//
// Why not http-proxy: it proxies Node `http` upgrade streams, but the proxy origin is a uWS app,
// which exposes no Node socket to hand it; a `ws` client upstream is the equivalent here.
import WebSocket from 'ws';
import type { Logger } from 'pino';
import type { TemplatedApp, WebSocket as UwsSocket } from '../uws.ts';
import { checkTarget, type TargetPolicy } from './target-policy.ts';
import { guardedLookup } from './guarded-lookup.ts';
import { GatewayErrors, type GatewayErrorCode } from '../errors.ts';
import { statusLine } from '../http/respond.ts';
import type { OriginRegistry, ProxyOriginEntry } from './origin-registry.ts';
import type { CookieJars } from './cookie-jars.ts';
import type { Maybe } from '../store/ports.ts';
import { thenCatch } from '../store/maybe.ts';

interface WsData {
  up: WebSocket;
  sessionId: string;
}

export interface WsProxyDeps {
  registry: () => OriginRegistry;
  jars: CookieJars;
  policy: TargetPolicy;
  log: Logger;
  /** A value when the session is cached here, a promise while it is loaded from the store. */
  sessionLive: (sessionId: string) => Maybe<boolean>;
  /** Resolver for targets that are not operator-allowed (tests inject one); default the guarded dns.lookup. */
  lookup?: typeof guardedLookup;
}

const MAX_BUFFERED = 4 * 1024 * 1024;

/** The upstream ws(s) URL for a proxy request, or null when it is not a WebSocket target. */
function upstreamUrl(origin: string, url: string, query: string): string | null {
  if (url === '/__cb/ws') {
    const u = new URLSearchParams(query).get('u');
    return u ?? null;
  }
  return origin.replace(/^http/, 'ws') + url + (query ? `?${query}` : '');
}

export function attachWsProxy(app: TemplatedApp, d: WsProxyDeps): void {
  app.ws<WsData>('/*', {
    maxPayloadLength: 16 * 1024 * 1024,
    maxBackpressure: MAX_BUFFERED,
    idleTimeout: 120,
    upgrade: (res, req, context) => {
      const host = req.getHeader('host');
      const path = req.getUrl();
      const query = req.getQuery() ?? '';
      const key = req.getHeader('sec-websocket-key');
      const protocols = req.getHeader('sec-websocket-protocol');
      const extensions = req.getHeader('sec-websocket-extensions');
      const pageOrigin = req.getHeader('origin');
      const ua = req.getHeader('user-agent');
      let aborted = false;
      res.onAborted(() => {
        aborted = true;
      });
      // Refusals answer like every other entry point: the catalogue's status and a JSON {code, message}.
      const refuse = (code: GatewayErrorCode, detail?: string) => {
        if (aborted) return;
        aborted = true; // answered: the response must not be touched again
        const body = JSON.stringify({ code, message: detail ? `${GatewayErrors[code].message} ${detail}` : GatewayErrors[code].message });
        res.cork(() => res.writeStatus(statusLine(GatewayErrors[code].status)).writeHeader('content-type', 'application/json; charset=utf-8').end(body));
      };
      const go = (entry: ProxyOriginEntry | null) => {
        if (aborted) return;
        const target = entry ? upstreamUrl(entry.origin, path, query) : null;
        if (!entry || !target) return refuse('CB_ERR_PROXY_TOKEN');
        // A session another instance created is loaded from the store first (onAborted is attached above).
        thenCatch(
          d.sessionLive(entry.sessionId),
          (live) => (aborted ? undefined : live ? void open(entry, target) : refuse('CB_ERR_PROXY_TOKEN')),
          () => refuse('CB_ERR_NOT_READY'),
        );
      };
      // A token another instance minted (cluster mode) is looked up; a known one goes on at once.
      const known = d.registry().fromHost(host);
      if (known) return go(known);
      d.registry().resolveHost(host).then(go, () => go(null));
      async function open(entry: ProxyOriginEntry, target: string) {
        const log = d.log.child({ sessionId: entry.sessionId });
        let httpEquivalent: string;
        try {
          const u = new URL(target);
          if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return refuse('CB_ERR_URL_INVALID');
          httpEquivalent = target.replace(/^ws/, 'http');
        } catch {
          return refuse('CB_ERR_URL_INVALID');
        }
        const check = checkTarget(httpEquivalent, d.policy);
        if (!check.ok) return refuse(check.code, `(${check.reason})`);
        const headers: Record<string, string> = { 'user-agent': ua };
        const cookie = await d.jars.cookieHeader(entry.sessionId, httpEquivalent);
        if (cookie) headers.cookie = cookie;
        const realOrigin = pageOrigin ? await d.registry().resolveRealOriginOf(entry.sessionId, pageOrigin) : null;
        if (aborted) return;
        const up = new WebSocket(target, protocols ? protocols.split(',').map((p) => p.trim()) : [], {
          headers,
          origin: realOrigin ?? entry.origin,
          lookup: check.trusted ? undefined : ((d.lookup ?? guardedLookup) as never),
          handshakeTimeout: 10_000,
          perMessageDeflate: false,
        });
        // The handshake's cookies are stored before the browser's socket opens.
        let stored: Promise<void> = Promise.resolve();
        up.on('upgrade', (msg) => (stored = d.jars.store(entry.sessionId, httpEquivalent, msg.headers['set-cookie'])));
        up.once('open', () => {
          // Hold upstream frames until the browser's side is open and listening.
          up.pause();
          void stored.then(() => {
            if (aborted) return up.close();
            res.cork(() => res.upgrade<WsData>({ up, sessionId: entry.sessionId }, key, up.protocol, extensions, context));
            up.resume();
          });
        });
        up.once('error', (err: NodeJS.ErrnoException) => {
          log.info({ target, err: err.message }, 'proxied websocket failed');
          if (up.readyState === WebSocket.OPEN) return;
          // The guarded lookup refuses a name that resolves to a private address: that is a refused
          // target (403), as on every other entry point, not an unreachable one.
          if (err.code === 'CB_ERR_TARGET_REFUSED') refuse('CB_ERR_TARGET_REFUSED', `(${err.message})`);
          else refuse('CB_ERR_UPSTREAM_UNREACHABLE', `(${err.code ?? err.message})`);
        });
      }
    },
    open: (ws: UwsSocket<WsData>) => {
      const { up } = ws.getUserData();
      let closed = false;
      up.on('message', (data, isBinary) => {
        if (closed) return;
        const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
        ws.send(buf, isBinary);
        // The browser reads slower than upstream writes: stop reading upstream until uWS drains.
        if (ws.getBufferedAmount() > MAX_BUFFERED / 2) up.pause();
      });
      up.on('close', (code, reason) => {
        if (closed) return;
        closed = true;
        ws.end(code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1011, reason);
      });
      up.on('error', () => {
        if (closed) return;
        closed = true;
        ws.end(1011, 'upstream error');
      });
      (ws.getUserData() as WsData & { markClosed?: () => void }).markClosed = () => {
        closed = true;
      };
    },
    drain: (ws) => {
      if (ws.getBufferedAmount() < MAX_BUFFERED / 4) ws.getUserData().up.resume();
    },
    message: (ws, message, isBinary) => {
      const { up } = ws.getUserData();
      if (up.readyState === WebSocket.OPEN) up.send(Buffer.from(message.slice(0)), { binary: isBinary });
    },
    close: (ws, code, message) => {
      const data = ws.getUserData() as WsData & { markClosed?: () => void };
      data.markClosed?.();
      const { up } = data;
      if (up.readyState === WebSocket.OPEN || up.readyState === WebSocket.CONNECTING) {
        const c = code >= 1000 && code < 5000 && code !== 1005 && code !== 1006 ? code : 1000;
        try {
          up.close(c, Buffer.from(message.slice(0)).toString().slice(0, 120));
        } catch {
          up.terminate();
        }
      }
    },
  });
}
