// The WebSocket route `/ws/:role` (visitor and agent sockets): upgrade checks, frame parsing and
// limits, then the hub. Who connects (the agent behind a login cookie, a visitor's session) is
// answered at once by the embedded SQLite store, and then the upgrade happens in place, answering a
// refusal with its HTTP status. A networked store answers later; the socket is then upgraded at
// once, before the answer, and admitted or closed when it comes (4401 no login, 4404 no such
// session, 1013 try again: the clients' reconnect loop knows these codes), its first frames held
// meanwhile. It is not upgraded later from inside `res.cork()`, uWS's async-upgrade pattern: the
// uWS build here can close a socket upgraded that way right after `open` (cork() reads the old HTTP
// response's state from memory the WebSocket now occupies and may see "connection: close";
// uNetworking/uWebSockets#1929), and upgrading outside cork() prints a warning per upgrade.
import type { Logger } from 'pino';
import { MAX_FRAME_BYTES, parseClientFrame, WireErrors } from '../../protocol/index.ts';
import type { us_socket_context_t } from 'uWebSockets.js';
import type { HttpResponse, TemplatedApp, WebSocket } from '../uws.ts';
import type { Maybe } from '../store/ports.ts';
import type { AgentRecord } from '../store/types.ts';
import { isPromise, andThen } from '../store/maybe.ts';
import { send } from '../http/respond.ts';
import type { Metrics } from '../metrics.ts';
import { newId } from '../ids.ts';
import type { Hub } from './hub.ts';
import { mailboxTopic, type Socket, type SocketData } from './sockets.ts';
import { takeFrame, type FrameBudget } from './frame-budget.ts';

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

type Refusal = { status: number; code: string };

/** A socket upgraded before the store said who it is: admitted (or closed) when `admission` settles. */
interface Waiting {
  role: 'waiting';
  cid: string;
  admission: Promise<SocketData | Refusal>;
  /** Frames that arrived meanwhile, handled in order once admitted. */
  held: string[];
  closed: boolean;
  budget?: FrameBudget;
}

type RouteData = SocketData | Waiting;

/** Frames a waiting socket may send before it is admitted (a client sends hello, then waits). */
const MAX_HELD = 32;

/** The close code that tells a client what a refused upgrade would have said (1013: try again later, not fatal). */
const CLOSE_FOR: Record<number, number> = { 401: 4401, 404: 4404, 503: 1013 };

// Frames arrive as an ArrayBuffer valid only during the callback. TextDecoder decodes it without
// wrapping it in a Buffer first; like Buffer's toString it replaces invalid sequences with U+FFFD,
// and ignoreBOM keeps a leading byte-order mark in the text (Buffer keeps it too), so JSON.parse
// refuses such a frame exactly as before.
const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });

export function registerSocketRoute(app: TemplatedApp, d: SocketRouteDeps): void {
  const { hub, metrics, log } = d;

  const opened = (ws: Socket) => {
    const u = ws.getUserData();
    u.mailbox = { topic: mailboxTopic(u.cid), app };
    ws.subscribe(u.mailbox.topic);
    if (u.role === 'visitor') hub.visitorOpen(ws);
    else hub.agentOpen(ws);
  };

  // Defined once, not per frame: the message handler runs for every frame.
  const reply = (ws: Socket, code: keyof typeof WireErrors, detail?: string) => {
    metrics.badFrames.inc({ code });
    ws.send(JSON.stringify({ type: 'error', code, message: detail ? `${WireErrors[code]} ${detail}` : WireErrors[code] }));
  };

  const handle = (ws: Socket, text: string) => {
    if (!takeFrame(ws.getUserData(), Date.now())) return reply(ws, 'CB_ERR_RATE_LIMITED');
    const parsed = parseClientFrame(text);
    if (!parsed.ok) return reply(ws, parsed.code, parsed.message === WireErrors[parsed.code] ? undefined : parsed.message.slice(WireErrors[parsed.code].length + 1));
    try {
      hub.message(ws, parsed.value, text);
    } catch (err) {
      log.error({ err, type: parsed.value.type }, 'frame handler failed');
      reply(ws, 'CB_ERR_INTERNAL');
    }
  };

  /**
   * The store answered for a waiting socket: it becomes the visitor or agent it is, or is closed.
   * The frames it sent meanwhile are handled on the next turn of the loop, as they would have
   * arrived after an `open` that came late: the hub's work on `open` (a session load) starts first.
   */
  const admit = (ws: WebSocket<RouteData>, w: Waiting, data: SocketData | Refusal) => {
    if (w.closed) return;
    if ('status' in data) return ws.end(CLOSE_FOR[data.status] ?? 1008, data.code);
    // The copy of the user data uWS keeps becomes the admitted socket's (role, ids): the hub's view.
    // `held` stays until drained: frames arriving before then queue behind the held ones.
    const u = Object.assign(ws.getUserData(), data) as Record<string, unknown>;
    delete u.admission;
    const sock = ws as unknown as Socket;
    opened(sock);
    setImmediate(() => {
      const held = w.held;
      delete u.held;
      for (const text of held) if (!w.closed) handle(sock, text);
    });
  };

  app.ws<RouteData>('/ws/:role', {
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
      let data: Maybe<SocketData | Refusal>;
      if (role === 'agent') {
        data = andThen(d.agentFor(d.authCookieFrom(req.getHeader('cookie'))), (agent) =>
          agent ? { role: 'agent' as const, cid: newId(), agentId: agent.id, name: agent.name, email: agent.email, agentRole: agent.role } : { status: 401, code: 'CB_ERR_AUTH_REQUIRED' },
        );
      } else if (role === 'visitor') {
        const sid = new URLSearchParams(req.getQuery() ?? '').get('sid') ?? '';
        // The socket keeps the record's own id string, not the query's copy of it: the session cache
        // is keyed by that string, so the per-frame lookups compare one pointer instead of the
        // characters of two equal strings (a visible share of a relayed frame's cost).
        data = andThen(hub.session(sid), (s) => (s ? { role: 'visitor' as const, cid: newId(), sessionId: s.id } : { status: 404, code: 'CB_ERR_SESSION_UNKNOWN' }));
      } else return send(res, null, 404, TEXT, 'Not found');
      if (!isPromise(data)) return finish(res, data, hs, context);
      const admission = data.catch((err): Refusal => {
        log.error({ err, role }, 'socket upgrade failed');
        return { status: 503, code: 'CB_ERR_NOT_READY' };
      });
      const waiting: Waiting = { role: 'waiting', cid: newId(), admission, held: [], closed: false };
      res.upgrade(waiting, hs.key, hs.protocol, hs.extensions, context);
    },
    open: (ws) => {
      const u = ws.getUserData();
      if (u.role !== 'waiting') return opened(ws as Socket);
      void u.admission.then((data) => admit(ws, u, data));
    },
    message: (ws, msg, isBinary) => {
      if (msg.byteLength > MAX_FRAME_BYTES) return ws.end(1009, 'CB_ERR_FRAME_TOO_LARGE');
      const u = ws.getUserData() as RouteData & Partial<Pick<Waiting, 'held'>>;
      if (isBinary || !u.held) {
        if (isBinary) {
          metrics.badFrames.inc({ code: 'CB_ERR_FRAME_BINARY' });
          ws.send(JSON.stringify({ type: 'error', code: 'CB_ERR_FRAME_BINARY', message: WireErrors.CB_ERR_FRAME_BINARY }));
          return;
        }
        return handle(ws as Socket, utf8.decode(msg));
      }
      if (u.held.length >= MAX_HELD) return ws.end(1008, 'CB_ERR_RATE_LIMITED');
      u.held.push(utf8.decode(msg));
    },
    // uWS counts each topic's subscribers on this instance, socket closes included: the cluster
    // engine follows a session's Redis channel exactly while that count is above zero.
    subscription: (_ws, topic, now, was) => hub.topicCount(Buffer.from(topic).toString(), now, was),
    close: (ws) => {
      const u = ws.getUserData();
      (u as Partial<Waiting>).closed = true;
      if (u.role === 'waiting') return;
      if (u.role === 'visitor') hub.visitorClose(ws as Socket);
      else hub.agentClose(ws as Socket);
    },
  });
}

/** The synchronous answer: upgrade in place (the handler is corked by uWS), or the refusal's status. */
function finish(res: HttpResponse, data: SocketData | Refusal, hs: { key: string; protocol: string; extensions: string }, context: us_socket_context_t) {
  if ('status' in data) return send(res, null, data.status, TEXT, data.code);
  res.upgrade(data, hs.key, hs.protocol, hs.extensions, context);
}
