// The gateway's HTTP routes: visitor start, shell page, agent login/logout/me, transcripts, health.
// State-changing requests must come from the console's own origin (Origin check): a proxied page on
// *.localhost can neither read the console's cookie nor use it.
import type { TemplatedApp, HttpRequest } from '../uws.ts';
import type { Logger } from 'pino';
import { renderShellPage } from '../../visitor-shell/src/shell-page.ts';
import { CUSTOM_PARAM } from '../../visitor-shell/src/i18n/customize.ts';
import { canonicalTag, parseAcceptLanguage } from '../../visitor-shell/src/i18n/negotiate.ts';
import { GatewayError, GatewayErrors } from '../errors.ts';
import { authCookieFrom, publicAgent, type AgentAuth } from '../auth/agent-auth.ts';
import type { Hub } from '../channel/hub.ts';
import type { SessionRecord, Store } from '../store/types.ts';
import type { SessionStore } from '../store/ports.ts';
import type { Metrics } from '../metrics.ts';
import type { Throttles } from './throttle/index.ts';
import type { HealthReport } from './health/assess.ts';
import { throttled } from './throttle/refusal.ts';
import { retryAfterSeconds } from './throttle/policy.ts';
import { escapeHtml, readBody, send, sendError, sendFailure, sendJson, track, type ResState } from './respond.ts';

export interface ApiDeps {
  hub: Hub;
  store: Pick<SessionStore, 'session' | 'eventsAfter'>;
  auth: AgentAuth;
  log: Logger;
  metrics: Metrics;
  publicOrigin: string;
  proxyOriginSuffix: string;
  ready: () => boolean;
  instanceId: string;
  throttles: Throttles;
  /** The same report the health worker answers (http/health/assess.ts). */
  health: () => HealthReport;
}

const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The session id in the shell's URL is a capability: never leak it in a Referer to proxied pages.
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy': "frame-ancestors 'none'",
};

function simplePage(title: string, message: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;display:grid;place-items:center;min-height:100vh;background:#f7f8fa;color:#1f2933}main{max-width:30rem;padding:2rem;background:#fff;border:1px solid #d9dee5;border-radius:12px}</style>
</head><body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}

/**
 * The site owner's shell customisation (lang, accent, t.<key>) carried from the hyperlink to the
 * shell's URL, which validates each value (visitor-shell/src/i18n/customize.ts). Only those names,
 * at most 8 KiB: the rest of the link (site, url, department) stays on the server.
 */
function shellQuery(q: URLSearchParams): string {
  const out = new URLSearchParams();
  for (const [k, v] of q) if (CUSTOM_PARAM.test(k)) out.append(k, v);
  const s = out.toString();
  return s && s.length <= 8192 ? `?${s}` : '';
}

export function registerApiRoutes(app: TemplatedApp, d: ApiDeps): void {
  const sameOrigin = (origin: string) => origin === d.publicOrigin;

  const agentOf = (req: HttpRequest) => d.auth.agentFor(authCookieFrom(req.getHeader('cookie')));

  app.get('/start', (res, req) => {
    const state = track(res);
    const q = new URLSearchParams(req.getQuery() ?? '');
    const siteId = q.get('site') ?? '';
    const url = q.get('url') ?? '';
    const department = q.get('department') || null;
    const ua = req.getHeader('user-agent') || null;
    const address = d.throttles.addressOf(res, req);
    const acceptLanguageHeader = req.getHeader('accept-language');
    let entryOk = false;
    try {
      entryOk = /^https?:$/.test(new URL(url).protocol);
    } catch {
      /* reported below */
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(siteId) || !entryOk || (department && department.length > 64)) {
      return send(res, state, 400, PAGE_HEADERS, simplePage('This link is incomplete', 'The "Talk to a live agent" link needs a site id (site=) and the page address (url=). Ask the site owner to check the button.'));
    }
    if (!d.ready()) {
      // A session created now could not be queued: say so instead of leaving the visitor waiting.
      return send(res, state, 503, { ...PAGE_HEADERS, 'retry-after': '5', 'x-cb-error': 'CB_ERR_NOT_READY' }, simplePage('Chat is briefly unavailable', `${GatewayErrors.CB_ERR_NOT_READY.message} (CB_ERR_NOT_READY)`));
    }
    const start = () => {
      // The visitor's language for the agent: the link's `lang`, else the browser's first choice.
      const language = canonicalTag(q.get('lang')) ?? parseAcceptLanguage(acceptLanguageHeader)[0] ?? null;
      const s = d.hub.startSession({ siteId, entryUrl: url, department, userAgent: ua, language });
      const headers = { location: `/v/${s.id}${shellQuery(q)}`, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' };
      if (!s.queued) return send(res, state, 303, headers);
      // A cluster commits the join through Redis: answer once the visitor is really in the queue.
      void s.queued.then(() => send(res, state, 303, headers));
    };
    if (!d.throttles.visitor.enabled) return start();
    d.throttles.visitor.take(address).then(
      (v) => {
        if (v.ok) return start();
        d.metrics.throttled.inc({ endpoint: 'start' });
        const wait = retryAfterSeconds(v.retryAfterMs);
        send(res, state, 429, { ...PAGE_HEADERS, 'retry-after': String(wait), 'x-cb-error': 'CB_ERR_RATE_LIMITED' }, simplePage('Too many chats started', `Too many chats were started from your network just now. Try again in ${wait} s. (CB_ERR_RATE_LIMITED)`));
      },
      (err) => sendFailure(res, state, err, d.log, '/start'),
    );
  });

  app.get('/v/:sid', (res, req) => {
    const sid = req.getParameter(0) ?? '';
    const lang = new URLSearchParams(req.getQuery() ?? '').get('lang');
    const acceptLanguage = req.getHeader('accept-language') || null;
    const page = (s: SessionRecord | null, state: ResState | null) => {
      if (!s) return send(res, state, 404, PAGE_HEADERS, simplePage('This chat link is not valid', 'Start a new chat from the website.'));
      const wsUrl = `${d.publicOrigin.replace(/^http/, 'ws')}/ws/visitor?sid=${encodeURIComponent(sid)}`;
      send(
        res,
        state,
        200,
        PAGE_HEADERS,
        renderShellPage({ sessionId: sid, wsUrl, assetBase: '/assets', proxyOriginSuffix: d.proxyOriginSuffix, siteId: s.siteId, entryUrl: s.entryUrl, lang, acceptLanguage }),
      );
    };
    const s = d.hub.session(sid);
    if (!(s instanceof Promise)) return page(s, null);
    // A networked store: wait for the session, as uWS allows once the abort is tracked.
    const state = track(res);
    s.then((rec) => page(rec, state), (err) => sendFailure(res, state, err, d.log, '/v/:sid'));
  });

  app.post('/api/login', (res, req) => {
    const state = track(res);
    if (!sameOrigin(req.getHeader('origin'))) return sendError(res, state, 'CB_ERR_FORBIDDEN_ORIGIN');
    const address = d.throttles.addressOf(res, req);
    readBody(res, state, 16 * 1024)
      .then(async (body) => {
        let email = '';
        let password = '';
        try {
          const j = JSON.parse(body.toString('utf8'));
          email = String(j.email ?? '');
          password = String(j.password ?? '');
        } catch {
          throw new GatewayError('CB_ERR_BAD_REQUEST', 'Send JSON {email, password}.');
        }
        const gate = await d.throttles.login.begin(email, address);
        if (!gate.ok) {
          d.metrics.throttled.inc({ endpoint: 'login' });
          throw throttled('CB_ERR_LOGIN_THROTTLED', gate.retryAfterMs);
        }
        let result: Awaited<ReturnType<AgentAuth['login']>>;
        try {
          result = await d.auth.login(email, password);
        } catch (err) {
          // This attempt stays counted; when it earned a lockout, say so now (with the wait) rather
          // than on the next try.
          const lockouts = gate.attempt.failed();
          for (const l of lockouts) {
            d.metrics.loginLockouts.inc({ scope: l.scope });
            d.log.warn({ event: 'auth.lockout', scope: l.scope, account: email.slice(0, 254), address, attempts: l.attempts, lockSeconds: l.ms / 1000 }, 'sign-in locked after too many attempts');
          }
          if (lockouts.length && err instanceof GatewayError && err.code === 'CB_ERR_AUTH_INVALID') {
            throw throttled('CB_ERR_LOGIN_THROTTLED', Math.max(...lockouts.map((l) => l.ms)));
          }
          throw err;
        }
        await gate.attempt.succeeded();
        const { agent, cookie } = result;
        d.log.child({ agentId: agent.id }).info({ event: 'agent.login' }, 'agent logged in');
        sendJson(res, state, 200, { agent: publicAgent(agent) }, { 'set-cookie': cookie });
      })
      .catch((err) => sendFailure(res, state, err, d.log, '/api/login'));
  });

  app.post('/api/logout', (res, req) => {
    const state = track(res);
    if (!sameOrigin(req.getHeader('origin'))) return sendError(res, state, 'CB_ERR_FORBIDDEN_ORIGIN');
    Promise.resolve(d.auth.logout(authCookieFrom(req.getHeader('cookie'))))
      .then((cookie) => sendJson(res, state, 200, { ok: true }, { 'set-cookie': cookie }))
      .catch((err) => sendFailure(res, state, err, d.log, '/api/logout'));
  });

  app.get('/api/me', (res, req) => {
    const state = track(res);
    Promise.resolve(agentOf(req))
      .then((agent) => (agent ? sendJson(res, state, 200, { agent: publicAgent(agent) }) : sendError(res, state, 'CB_ERR_AUTH_REQUIRED')))
      .catch((err) => sendFailure(res, state, err, d.log, '/api/me'));
  });

  app.get('/api/sessions/:id/transcript', (res, req) => {
    const state = track(res);
    const id = req.getParameter(0) ?? '';
    const q = new URLSearchParams(req.getQuery() ?? '');
    const agentP = agentOf(req);
    void (async () => {
      const [agent, s] = await Promise.all([agentP, d.store.session(id)]);
      // The visitor proves ownership with the session id itself (their capability); agents by cookie.
      const isVisitor = q.get('sid') === id;
      if (!s) return sendError(res, state, 'CB_ERR_SESSION_UNKNOWN');
      if (!agent && !isVisitor) return sendError(res, state, 'CB_ERR_AUTH_REQUIRED');
      const events = (await d.store.eventsAfter(id, 0)).filter((e) => agent || e.kind !== 'note');
      if (q.get('format') === 'txt') {
        const lines = events.map((e) => {
          const t = new Date(e.ts).toISOString().replace('T', ' ').slice(0, 19);
          if (e.kind === 'nav') return `[${t}] page: ${e.url}`;
          if (e.kind === 'chat') return `[${t}] ${e.name ?? e.from}: ${e.text}`;
          return `[${t}] ${e.kind === 'note' ? 'note' : '*'} ${e.text ?? ''}`;
        });
        return send(res, state, 200, {
          'content-type': 'text/plain; charset=utf-8',
          'content-disposition': `attachment; filename="chat-${id.slice(0, 8)}.txt"`,
          'cache-control': 'no-store',
          'referrer-policy': 'no-referrer',
        }, lines.join('\n') + '\n');
      }
      sendJson(res, state, 200, { session: d.hub.info(s), events });
    })().catch((err) => sendFailure(res, state, err, d.log, '/api/sessions/:id/transcript'));
  });

  // `instance` tells which gateway answered behind a load balancer (INSTANCE_ID). These answer from
  // the main loop, so under load they wait their turn; orchestrators should probe the health port
  // (HEALTH_PORT), whose worker thread answers the same report at once.
  app.get('/healthz', (res) => {
    const r = d.health();
    sendJson(res, null, r.live ? 200 : 503, { ok: r.live, instance: d.instanceId, answeredBy: 'main', ...r });
  });
  app.get('/readyz', (res) => {
    const r = d.health();
    const ready = r.ready && d.ready();
    sendJson(res, null, ready ? 200 : 503, { ok: ready, instance: d.instanceId, answeredBy: 'main', ...r, ready });
  });
  app.get('/metrics', (res) => {
    const state = track(res);
    d.metrics.registry.metrics().then((text) => send(res, state, 200, { 'content-type': d.metrics.registry.contentType }, text));
  });
}
