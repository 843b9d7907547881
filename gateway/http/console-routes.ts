// Routes behind the agent console beyond login: agent administration, canned responses, offline
// messages, attachments and the supervisor overview. Every state-changing call checks Origin.
import type { HttpRequest, HttpResponse, TemplatedApp } from '../uws.ts';
import type { Logger } from 'pino';
import * as v from 'valibot';
import { GatewayError } from '../errors.ts';
import { authCookieFrom, publicAgent, type AgentAuth } from '../auth/agent-auth.ts';
import type { AgentRecord, Role } from '../store/types.ts';
import type { AgentStore, ContentStore, SessionStore } from '../store/ports.ts';
import type { Hub } from '../channel/hub.ts';
import type { Webhooks } from '../webhooks.ts';
import { newId } from '../ids.ts';
import type { Metrics } from '../metrics.ts';
import type { Throttles } from './throttle/index.ts';
import { throttled } from './throttle/refusal.ts';
import { readBody, send, sendError, sendFailure, sendJson, track, type ResState } from './respond.ts';

export interface ConsoleRouteDeps {
  hub: Hub;
  store: AgentStore & ContentStore & Pick<SessionStore, 'session'>;
  auth: AgentAuth;
  log: Logger;
  webhooks: Webhooks;
  publicOrigin: string;
  maxAttachmentBytes: number;
  throttles: Throttles;
  metrics: Metrics;
}

const ATTACHMENT_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf']);

const NewAgent = v.object({
  email: v.pipe(v.string(), v.email()),
  password: v.pipe(v.string(), v.minLength(8)),
  name: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(80))),
  role: v.optional(v.picklist(['agent', 'supervisor', 'admin'])),
  departments: v.optional(v.array(v.pipe(v.string(), v.maxLength(64)))),
  capacity: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(100)))),
});
const AgentPatch = v.partial(v.object({ ...NewAgent.entries, disabled: v.boolean() }));
const Canned = v.object({ shortcut: v.pipe(v.string(), v.regex(/^[a-z0-9_-]{1,32}$/i)), text: v.pipe(v.string(), v.minLength(1), v.maxLength(4000)), shared: v.optional(v.boolean()) });
const Offline = v.object({
  sessionId: v.optional(v.pipe(v.string(), v.maxLength(64))),
  siteId: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,64}$/)),
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(120)),
  email: v.pipe(v.string(), v.email()),
  message: v.pipe(v.string(), v.minLength(1), v.maxLength(4000)),
});

function parse<S extends v.GenericSchema>(schema: S, body: Buffer): v.InferOutput<S> {
  let data: unknown;
  try {
    data = JSON.parse(body.toString('utf8'));
  } catch {
    throw new GatewayError('CB_ERR_BAD_REQUEST', 'Send a JSON body.');
  }
  const r = v.safeParse(schema, data);
  if (!r.success) {
    const i = r.issues[0];
    throw new GatewayError('CB_ERR_BAD_REQUEST', `${i.path?.map((p) => String(p.key)).join('.') ?? 'body'}: ${i.message}`);
  }
  return r.output;
}

export function registerConsoleRoutes(app: TemplatedApp, d: ConsoleRouteDeps): void {
  type Handler = (ctx: { res: HttpResponse; state: ResState; agent: AgentRecord; params: string[]; query: URLSearchParams; body: () => Promise<Buffer>; headers: Record<string, string>; log: Logger }) => void | Promise<void>;

  /** Wraps a handler: auth (role), Origin check for writes, body reading, error mapping. */
  const route = (method: 'get' | 'post' | 'patch' | 'del', path: string, roles: Role[] | null, handler: Handler) => {
    app[method](path, (res, req: HttpRequest) => {
      const state = track(res);
      // Everything from req first: it is valid only until this function returns, and the agent lookup may wait.
      const cookie = authCookieFrom(req.getHeader('cookie'));
      const params = (path.match(/:\w+/g) ?? []).map((_, i) => req.getParameter(i) ?? '');
      const query = new URLSearchParams(req.getQuery() ?? '');
      const headers = { 'content-type': req.getHeader('content-type'), 'x-filename': req.getHeader('x-filename') };
      if (method !== 'get' && req.getHeader('origin') !== d.publicOrigin) return sendError(res, state, 'CB_ERR_FORBIDDEN_ORIGIN');
      let bodyP: Promise<Buffer> | null = null;
      const body = () => (bodyP ??= readBody(res, state, 64 * 1024));
      if (method !== 'get') {
        // onData must be attached synchronously; a handler that never reads the body must not leave a rejection unhandled.
        bodyP = readBody(res, state, 64 * 1024);
        bodyP.catch(() => {});
      }
      Promise.resolve(d.auth.agentFor(cookie))
        .then((agent) => {
          if (!agent) throw new GatewayError('CB_ERR_AUTH_REQUIRED');
          if (roles && !roles.includes(agent.role)) throw new GatewayError('CB_ERR_FORBIDDEN');
          // The acting agent's logger: made on first use (most requests log nothing).
          let log: Logger | null = null;
          return handler({ res, state, agent, params, query, body, headers, get log() { return (log ??= d.log.child({ agentId: agent.id })); } });
        })
        .catch((err) => sendFailure(res, state, err, d.log, path));
    });
  };

  // ---- agents (admin manages; any agent may list, for transfers)
  route('get', '/api/agents', null, async ({ res, state }) => {
    sendJson(res, state, 200, { agents: (await d.store.listAgents()).map((a) => ({ ...publicAgent(a), departments: a.departments, capacity: a.capacity, disabled: a.disabled })) });
  });
  route('post', '/api/admin/agents', ['admin'], async ({ res, state, body, log }) => {
    const input = parse(NewAgent, await body());
    const a = await d.auth.createAgent({ ...input, role: input.role as Role | undefined });
    log.info({ event: 'agent.created', createdAgentId: a.id }, 'agent created');
    sendJson(res, state, 201, { agent: { ...publicAgent(a), departments: a.departments, capacity: a.capacity, disabled: a.disabled } });
  });
  route('patch', '/api/admin/agents/:id', ['admin'], async ({ res, state, params, body, agent: admin }) => {
    const patch = parse(AgentPatch, await body());
    const target = await d.store.agentById(params[0]);
    if (!target) throw new GatewayError('CB_ERR_NOT_FOUND', 'No such agent.');
    if (target.id === admin.id && (patch.disabled || (patch.role && patch.role !== 'admin'))) {
      throw new GatewayError('CB_ERR_BAD_REQUEST', 'You cannot disable or demote your own account.');
    }
    const { password, ...rest } = patch;
    // Through the cached store: the change (a disable above all) holds from the next request on.
    await d.store.updateAgent(target.id, { ...rest, role: rest.role as Role | undefined });
    if (password) await d.auth.setPassword(target.id, password);
    if (patch.disabled) d.hub.disconnectAgent(target.id);
    else d.hub.agentUpdated(target.id);
    const a = (await d.store.agentById(target.id))!;
    sendJson(res, state, 200, { agent: { ...publicAgent(a), departments: a.departments, capacity: a.capacity, disabled: a.disabled } });
  });

  // ---- canned responses
  route('get', '/api/canned', null, async ({ res, state, agent }) => sendJson(res, state, 200, { canned: await d.store.cannedFor(agent.id) }));
  route('post', '/api/canned', null, async ({ res, state, agent, body }) => {
    const c = parse(Canned, await body());
    const shared = c.shared && (agent.role === 'admin' || agent.role === 'supervisor');
    const rec = { id: newId(), agentId: shared ? null : agent.id, shortcut: c.shortcut, text: c.text, createdAt: Date.now() };
    await d.store.saveCanned(rec);
    sendJson(res, state, 201, { canned: rec });
  });
  route('del', '/api/canned/:id', null, async ({ res, state, agent, params }) => {
    if (!(await d.store.deleteCanned(params[0], agent.id, agent.role !== 'agent'))) throw new GatewayError('CB_ERR_NOT_FOUND', 'No such canned response of yours (shared ones are managed by supervisors).');
    sendJson(res, state, 200, { ok: true });
  });

  // ---- offline messages (agents read them; visitors post them, see registerVisitorRoutes)
  route('get', '/api/offline-messages', null, async ({ res, state }) => sendJson(res, state, 200, { messages: await d.store.offlineMessages(200) }));
  route('post', '/api/offline-messages/:id/handled', null, async ({ res, state, agent, params }) => {
    await d.store.markOfflineHandled(params[0], agent.id);
    sendJson(res, state, 200, { ok: true });
  });

  // ---- supervisor
  route('get', '/api/supervisor/overview', ['supervisor', 'admin'], async ({ res, state }) => sendJson(res, state, 200, await d.hub.overview()));

  registerVisitorRoutes(app, d);
}

/** Routes a visitor's shell calls (no login: the session id in the shell is the capability). */
function registerVisitorRoutes(app: TemplatedApp, d: ConsoleRouteDeps) {
  /**
   * The per-address limit of work-creating visitor requests: resolves when the request may go on,
   * rejects with 429 CB_ERR_RATE_LIMITED (and its Retry-After) when the address is over its limit.
   */
  const admit = async (address: string, endpoint: string): Promise<void> => {
    const v = await d.throttles.visitor.take(address);
    if (v.ok) return;
    d.metrics.throttled.inc({ endpoint });
    throw throttled('CB_ERR_RATE_LIMITED', v.retryAfterMs);
  };

  app.post('/api/offline-messages', (res, req) => {
    const state = track(res);
    if (req.getHeader('origin') !== d.publicOrigin) return sendError(res, state, 'CB_ERR_FORBIDDEN_ORIGIN');
    const address = d.throttles.addressOf(res, req);
    const body = readBody(res, state, 16 * 1024);
    body.catch(() => {}); // answered below; a refused request's body is not read further
    admit(address, 'offline-message')
      .then(() => body)
      .then(async (body) => {
        const m = parse(Offline, body);
        const rec = { id: newId(), sessionId: m.sessionId ?? null, siteId: m.siteId, name: m.name, email: m.email, message: m.message, createdAt: Date.now(), handledBy: null };
        await d.store.saveOfflineMessage(rec);
        d.webhooks.emit('offline.message', rec);
        if (m.sessionId && (await d.hub.sessionLive(m.sessionId))) d.hub.endSession(m.sessionId, 'visitor', 'ended: the visitor left a message');
        d.log.child({ sessionId: rec.sessionId }).info({ event: 'offline.message', id: rec.id }, 'offline message stored');
        sendJson(res, state, 201, { ok: true, id: rec.id });
      })
      .catch((err) => sendFailure(res, state, err, d.log, 'offline message'));
  });

  // Attachments: either party uploads (raw body; content-type must be an image or a PDF).
  app.post('/api/sessions/:id/attachments', (res, req) => {
    const state = track(res);
    const sessionId = req.getParameter(0) ?? '';
    const q = new URLSearchParams(req.getQuery() ?? '');
    const type = req.getHeader('content-type').split(';')[0].trim().toLowerCase();
    const rawName = decodeURIComponent(req.getHeader('x-filename') || 'attachment');
    const cookie = authCookieFrom(req.getHeader('cookie'));
    if (req.getHeader('origin') !== d.publicOrigin) return sendError(res, state, 'CB_ERR_FORBIDDEN_ORIGIN');
    if (!ATTACHMENT_TYPES.has(type)) return sendError(res, state, new GatewayError('CB_ERR_BAD_REQUEST', 'Only images (PNG, JPEG, GIF, WebP) and PDFs can be attached.'));
    // onData must be attached now; the body is used only once the sender is known to be a party
    // and, for a visitor, the address is within its limit.
    const address = d.throttles.addressOf(res, req);
    const bodyP = readBody(res, state, d.maxAttachmentBytes);
    bodyP.catch(() => {});
    Promise.resolve(d.auth.agentFor(cookie))
      .then(async (agent) => {
        const s = await d.hub.session(sessionId); // a value, or a promise once the hub reads a networked store
        const from = agent && s?.agentId === agent.id ? 'agent' : q.get('sid') === sessionId && s ? 'visitor' : null;
        if (!s || !from) throw new GatewayError('CB_ERR_SESSION_UNKNOWN');
        if (s.state === 'ended') throw new GatewayError('CB_ERR_BAD_REQUEST', 'The session has ended.');
        // Only the visitor's uploads count: agents are signed in, and an office's agents share an address.
        if (from === 'visitor') await admit(address, 'attachment');
        const data = await bodyP;
        if (!data.length) throw new GatewayError('CB_ERR_BAD_REQUEST', 'The file is empty.');
        const name = rawName.replace(/[\r\n"\\/]/g, '_').slice(0, 200);
        const att = { id: newId(), name, type, size: data.length };
        await d.store.saveAttachment({ ...att, sessionId, data, createdAt: Date.now() });
        d.hub.attachmentAdded(sessionId, from, from === 'agent' ? agent!.name : 'Visitor', att);
        sendJson(res, state, 201, { attachment: att });
      })
      .catch((err) => sendFailure(res, state, err, d.log.child({ sessionId }), 'attachment'));
  });

  // Served only to the session's parties: the visitor (?sid=) or the assigned agent / supervisors.
  app.get('/api/attachments/:id', (res, req) => {
    const state = track(res);
    const id = req.getParameter(0) ?? '';
    const q = new URLSearchParams(req.getQuery() ?? '');
    const cookie = authCookieFrom(req.getHeader('cookie'));
    const sendAttachment = (a: { type: string; name: string; data: Buffer }) => send(res, state, 200, {
      'content-type': a.type,
      'content-disposition': `${a.type === 'application/pdf' ? 'attachment' : 'inline'}; filename="${a.name}"`,
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; img-src 'self'; sandbox",
      'cache-control': 'private, max-age=3600',
      'referrer-policy': 'no-referrer',
    }, a.data);
    void serveAttachment(id, q, cookie)
      .then((a) => (a ? sendAttachment(a) : sendError(res, state, 'CB_ERR_NOT_FOUND')))
      .catch((err) => sendFailure(res, state, err, d.log, '/api/attachments'));
  });

  /** The attachment, when the asker is one of its session's parties: the visitor (?sid=) or the assigned agent / supervisors. */
  async function serveAttachment(id: string, q: URLSearchParams, cookie: string | undefined) {
    const a = await d.store.attachment(id);
    if (!a) return null;
    const [agent, s] = await Promise.all([d.auth.agentFor(cookie), d.store.session(a.sessionId)]);
    const allowed = s && (q.get('sid') === a.sessionId || (agent && (s.agentId === agent.id || agent.role !== 'agent')));
    return allowed ? a : null;
  }
}
