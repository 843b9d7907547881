// The WebSocket route `/ws/:role` (visitor and agent sockets): upgrade checks, frame parsing and
// limits, then the hub. An upgrade that must wait for the store (the agent's login token, a
// visitor's session on a networked store) follows uWS's async-upgrade pattern: everything is copied
// out of `req` synchronously, `onAborted` is set before going async, and the upgrade is corked.
// With the embedded SQLite store both lookups answer at once and the upgrade happens in place.
import type { Logger } from 'pino';
import { MAX_FRAME_BYTES, parseClientFrame, WireErrors } from '../../protocol/index.ts';
import type { us_socket_context_t } from 'uWebSockets.js';
import type { HttpResponse, TemplatedApp, WebSocket } from '../uws.ts';
import type { Maybe } from '../store/ports.ts';
import type { AgentRecord } from '../store/types.ts';
import { isPromise, andThen } from '../store/maybe.ts';
import { send, track } from '../http/respond.ts';
import type { Metrics } from '../metrics.ts';
import { RateLimiter } from '../proxy/rate-limit.ts';
import { newId } from '../ids.ts';
import type { Hub } from './hub.ts';
import { mailboxTopic, type SocketData } from './sockets.ts';

export interface SocketRouteDeps {
  hub: Hub;
  /** Only the gateway's own pages may open these sockets: never a proxied page. */
  publicOrigin: string;
  /** The agent behind a login cookie's value (null: none, or expired). */
  agentFor(cookie: string | undefined): Maybe<AgentRecord | null>;
  authCookieFrom(header: string): string | undefined;
  /** False until this instance follows the cluster's event fan-out. */
  accepting(): boolean;
  metrics: Metrics;
  log: Logger;
}

const TEXT = { 'content-type': 'text/plain' };

export function registerSocketRoute(app: TemplatedApp, d: SocketRouteDeps): void {
  const { hub, metrics, log } = d;
  const frameLimiter = new RateLimiter(200, 400);
  // Defined once, not per frame: the message handler runs for every frame.
  const reply = (ws: WebSocket<SocketData>, code: keyof typeof WireErrors, detail?: string) => {
    metrics.badFrames.inc({ code });
    ws.send(JSON.stringify({ type: 'error', code, message: detail ? `${WireErrors[code]} ${detail}` : WireErrors[code] }));
  };
  app.ws<SocketData>('/ws/:role', {
    // uWS drops a connection whose frame exceeds maxPayloadLength without a close code (1006), so
    // its cap sits well above the protocol limit and frames between the two are closed here with 1009.
    maxPayloadLength: MAX_FRAME_BYTES * 16,
    idleTimeout: 60,
    maxBackpressure: 1024 * 1024,
    // A client too slow to take its frames is closed; it reconnects and resumes by sequence number.
    closeOnBackpressureLimit: 1,
    sendPingsAutomatically: true,
    upgrade: (res, req, context) => {
      // A socket taken before this instance follows the cluster's event fan-out could miss events
      // appended meanwhile: until then the client is told to retry (its reconnect loop does).
      if (!d.accepting()) return send(res, null, 503, { ...TEXT, 'retry-after': '1' }, 'CB_ERR_NOT_READY');
      const role = req.getParameter(0);
      const origin = req.getHeader('origin');
      const hs = { key: req.getHeader('sec-websocket-key'), protocol: req.getHeader('sec-websocket-protocol'), extensions: req.getHeader('sec-websocket-extensions') };
      if (origin !== d.publicOrigin) return send(res, null, 403, TEXT, 'CB_ERR_FORBIDDEN_ORIGIN');
      let data: Maybe<SocketData | { status: number; code: string }>;
      if (role === 'agent') {
        data = andThen(d.agentFor(d.authCookieFrom(req.getHeader('cookie'))), (agent) =>
          agent ? { role: 'agent' as const, cid: newId(), agentId: agent.id, name: agent.name, email: agent.email, agentRole: agent.role } : { status: 401, code: 'CB_ERR_AUTH_REQUIRED' },
        );
      } else if (role === 'visitor') {
        const sid = new URLSearchParams(req.getQuery() ?? '').get('sid') ?? '';
        data = andThen(hub.session(sid), (s) => (s ? { role: 'visitor' as const, cid: newId(), sessionId: sid } : { status: 404, code: 'CB_ERR_SESSION_UNKNOWN' }));
      } else return send(res, null, 404, TEXT, 'Not found');
      if (!isPromise(data)) return finish(res, null, data, hs, context);
      const state = track(res);
      data.then(
        (v) => finish(res, state, v, hs, context),
        (err) => {
          log.error({ err, role }, 'socket upgrade failed');
          send(res, state, 503, { ...TEXT, 'retry-after': '1' }, 'CB_ERR_NOT_READY');
        },
      );
    },
    open: (ws) => {
      const u = ws.getUserData();
      u.mailbox = { topic: mailboxTopic(u.cid), app };
      ws.subscribe(u.mailbox.topic);
      if (u.role === 'visitor') hub.visitorOpen(ws);
      else hub.agentOpen(ws);
    },
    message: (ws, msg, isBinary) => {
      if (msg.byteLength > MAX_FRAME_BYTES) return ws.end(1009, 'CB_ERR_FRAME_TOO_LARGE');
      if (isBinary) return reply(ws, 'CB_ERR_FRAME_BINARY');
      if (!frameLimiter.take(ws.getUserData().cid)) return reply(ws, 'CB_ERR_RATE_LIMITED');
      const text = Buffer.from(msg).toString('utf8');
      const parsed = parseClientFrame(text);
      if (!parsed.ok) return reply(ws, parsed.code, parsed.message === WireErrors[parsed.code] ? undefined : parsed.message.slice(WireErrors[parsed.code].length + 1));
      try {
        hub.message(ws, parsed.value, text);
      } catch (err) {
        log.error({ err, type: parsed.value.type }, 'frame handler failed');
        reply(ws, 'CB_ERR_INTERNAL');
      }
    },
    close: (ws) => {
      const u = ws.getUserData();
      frameLimiter.drop(u.cid);
      if (u.role === 'visitor') hub.visitorClose(ws);
      else hub.agentClose(ws);
    },
  });
}

function finish(
  res: HttpResponse,
  state: ReturnType<typeof track> | null,
  data: SocketData | { status: number; code: string },
  hs: { key: string; protocol: string; extensions: string },
  context: us_socket_context_t,
) {
  if ('status' in data) return send(res, state, data.status, TEXT, data.code);
  if (!state) return res.upgrade(data, hs.key, hs.protocol, hs.extensions, context);
  if (state.aborted || state.done) return;
  state.done = true;
  res.cork(() => res.upgrade(data, hs.key, hs.protocol, hs.extensions, context));
}
