// Console features over real HTTP and WebSockets: webhooks (signed), offline messages, attachments,
// canned responses, agent administration and a supervisor's silent watch.
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, freePort, type TestGateway } from '../helpers/gateway.ts';
import { Peer, loginCookie, startVisitor, wsUrl } from '../helpers/ws-peer.ts';
import { signBody } from '../../gateway/webhooks.ts';

let t: TestGateway;
let hook: Server;
const hooks: { event: string; body: string; signature: string }[] = [];
let admin: string;
let agent: string;
let agentId: string;

const json = (origin: string, cookie?: string) => ({ 'content-type': 'application/json', origin, ...(cookie ? { cookie } : {}) });

beforeAll(async () => {
  const port = await freePort();
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hooks.push({ event: String(req.headers['x-cobrowse-event']), body, signature: String(req.headers['x-cobrowse-signature']) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => hook.listen(port, '127.0.0.1', r));
  t = await startTestGateway({ webhookUrl: `http://127.0.0.1:${port}/hook`, webhookSecret: 's3cret', allowedTargets: ['http://shop.test'] });
  await t.gw.auth.createAgent({ email: 'boss@x.test', password: 'boss-pass-1', role: 'admin', name: 'Boss' });
  agentId = (await t.gw.auth.createAgent({ email: 'amy@x.test', password: 'amy-pass-12', name: 'Amy' })).id;
  admin = await loginCookie(t.gw.url, 'boss@x.test', 'boss-pass-1');
  agent = await loginCookie(t.gw.url, 'amy@x.test', 'amy-pass-12');
});
afterAll(async () => {
  await t.close();
  hook.close();
});

async function activeSession() {
  const sid = await startVisitor(t.gw.url, 'http://shop.test/');
  const v = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
  await v.opened();
  v.send({ type: 'hello' });
  const a = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie: agent });
  await a.opened();
  a.send({ type: 'hello' });
  await a.waitFor('queue.snapshot', (f) => f.items.some((i) => i.sessionId === sid && i.canAccept));
  a.send({ type: 'accept', sessionId: sid });
  await v.waitFor('session', (f) => f.session.state === 'active');
  return { sid, v, a };
}

describe('console API', () => {
  it('signs webhooks for session start and end', async () => {
    const { sid, v, a } = await activeSession();
    a.send({ type: 'end', sessionId: sid });
    await v.waitFor('ended');
    await t.gw.webhooks.flush();
    const mine = hooks.filter((h) => JSON.parse(h.body).data.sessionId === sid);
    expect(mine.map((h) => h.event)).toEqual(['session.started', 'session.ended']);
    for (const h of mine) expect(h.signature).toBe(signBody('s3cret', h.body));
    v.close();
    a.close();
  });

  it('stores offline messages from the visitor and shows them to agents', async () => {
    const sid = await startVisitor(t.gw.url, 'http://shop.test/');
    const bad = await fetch(`${t.gw.url}/api/offline-messages`, { method: 'POST', headers: json(t.gw.url), body: JSON.stringify({ siteId: 'demo', name: 'V', email: 'nope', message: 'hi' }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toMatch(/email/);
    const res = await fetch(`${t.gw.url}/api/offline-messages`, {
      method: 'POST',
      headers: json(t.gw.url),
      body: JSON.stringify({ sessionId: sid, siteId: 'demo', name: 'Vera', email: 'vera@example.test', message: 'Call me back please' }),
    });
    expect(res.status).toBe(201);
    const list = await fetch(`${t.gw.url}/api/offline-messages`, { headers: { cookie: agent } }).then((r) => r.json());
    expect(list.messages[0]).toMatchObject({ name: 'Vera', message: 'Call me back please', sessionId: sid });
    expect(t.gw.store.session(sid)?.state).toBe('ended');
    await t.gw.webhooks.flush();
    expect(hooks.some((h) => h.event === 'offline.message' && JSON.parse(h.body).data.email === 'vera@example.test')).toBe(true);
    expect((await fetch(`${t.gw.url}/api/offline-messages`)).status).toBe(401);
  });

  it('shares attachments only with the session parties', async () => {
    const { sid, v, a } = await activeSession();
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da6364f8ff3f0005fe02fea7d605d60000000049454e44ae426082', 'hex');
    const up = await fetch(`${t.gw.url}/api/sessions/${sid}/attachments?sid=${sid}`, { method: 'POST', headers: { 'content-type': 'image/png', 'x-filename': 'dot.png', origin: t.gw.url }, body: png });
    expect(up.status).toBe(201);
    const { attachment } = await up.json();
    const ev = await a.waitFor('event', (f) => f.event.kind === 'attachment');
    expect(ev.event.attachment).toMatchObject({ name: 'dot.png', type: 'image/png', size: png.length });
    const asAgent = await fetch(`${t.gw.url}/api/attachments/${attachment.id}`, { headers: { cookie: agent } });
    expect(asAgent.status).toBe(200);
    expect(Buffer.from(await asAgent.arrayBuffer()).equals(png)).toBe(true);
    expect(asAgent.headers.get('x-content-type-options')).toBe('nosniff');
    expect((await fetch(`${t.gw.url}/api/attachments/${attachment.id}`)).status).toBe(404);
    const exe = await fetch(`${t.gw.url}/api/sessions/${sid}/attachments?sid=${sid}`, { method: 'POST', headers: { 'content-type': 'application/x-msdownload', origin: t.gw.url }, body: 'MZ' });
    expect(exe.status).toBe(400);
    const stranger = await fetch(`${t.gw.url}/api/sessions/${sid}/attachments`, { method: 'POST', headers: { 'content-type': 'image/png', origin: t.gw.url }, body: png });
    expect(stranger.status).toBe(404);
    a.send({ type: 'end', sessionId: sid });
    v.close();
    a.close();
  });

  it('manages canned responses per agent', async () => {
    const created = await fetch(`${t.gw.url}/api/canned`, { method: 'POST', headers: json(t.gw.url, agent), body: JSON.stringify({ shortcut: 'hi', text: 'Hello! How can I help?' }) });
    expect(created.status).toBe(201);
    const { canned } = await created.json();
    const list = await fetch(`${t.gw.url}/api/canned`, { headers: { cookie: agent } }).then((r) => r.json());
    expect(list.canned.map((c: { shortcut: string }) => c.shortcut)).toContain('hi');
    const others = await fetch(`${t.gw.url}/api/canned`, { headers: { cookie: admin } }).then((r) => r.json());
    expect(others.canned.map((c: { shortcut: string }) => c.shortcut)).not.toContain('hi');
    const del = await fetch(`${t.gw.url}/api/canned/${canned.id}`, { method: 'DELETE', headers: { origin: t.gw.url, cookie: agent } });
    expect(del.status).toBe(200);
    // Shared responses are the supervisors' to manage.
    const shared = await fetch(`${t.gw.url}/api/canned`, { method: 'POST', headers: json(t.gw.url, admin), body: JSON.stringify({ shortcut: 'bye', text: 'Goodbye!', shared: true }) }).then((r) => r.json());
    expect(shared.canned.agentId).toBeNull();
    expect((await fetch(`${t.gw.url}/api/canned/${shared.canned.id}`, { method: 'DELETE', headers: { origin: t.gw.url, cookie: agent } })).status).toBe(404);
    expect((await fetch(`${t.gw.url}/api/canned/${shared.canned.id}`, { method: 'DELETE', headers: { origin: t.gw.url, cookie: admin } })).status).toBe(200);
  });

  it('lets admins add, disable and reset agents; others may not', async () => {
    const forbidden = await fetch(`${t.gw.url}/api/admin/agents`, { method: 'POST', headers: json(t.gw.url, agent), body: JSON.stringify({ email: 'x@x.test', password: 'whatever-123' }) });
    expect(forbidden.status).toBe(403);
    const created = await fetch(`${t.gw.url}/api/admin/agents`, {
      method: 'POST',
      headers: json(t.gw.url, admin),
      body: JSON.stringify({ email: 'new@x.test', password: 'new-pass-123', name: 'Newbie', departments: ['sales'], capacity: 2 }),
    });
    expect(created.status).toBe(201);
    const { agent: rec } = await created.json();
    expect(rec).toMatchObject({ name: 'Newbie', departments: ['sales'], capacity: 2 });
    await loginCookie(t.gw.url, 'new@x.test', 'new-pass-123');
    const off = await fetch(`${t.gw.url}/api/admin/agents/${rec.id}`, { method: 'PATCH', headers: json(t.gw.url, admin), body: JSON.stringify({ disabled: true }) });
    expect(off.status).toBe(200);
    await expect(loginCookie(t.gw.url, 'new@x.test', 'new-pass-123')).rejects.toThrow(/403.*CB_ERR_AUTH_DISABLED/);
    const reset = await fetch(`${t.gw.url}/api/admin/agents/${rec.id}`, { method: 'PATCH', headers: json(t.gw.url, admin), body: JSON.stringify({ disabled: false, password: 'fresh-pass-99' }) });
    expect(reset.status).toBe(200);
    await loginCookie(t.gw.url, 'new@x.test', 'fresh-pass-99');
  });

  it('lets a supervisor watch a session silently', async () => {
    const { sid, v, a } = await activeSession();
    const sup = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie: admin });
    await sup.opened();
    sup.send({ type: 'hello' });
    const ov = await sup.waitFor('overview', (f) => f.sessions.some((s) => s.sessionId === sid && s.agentId === agentId));
    expect(ov.agents.find((x) => x.id === agentId)?.active).toBeGreaterThan(0);
    sup.send({ type: 'watch', sessionId: sid, on: true });
    await sup.waitFor('session', (f) => f.session.sessionId === sid);
    v.send({ type: 'chat', clientId: 'w1', text: 'Is anyone else here?' });
    await sup.waitFor('event', (f) => f.event.text === 'Is anyone else here?');
    await new Promise((r) => setTimeout(r, 100));
    expect(v.frames.some((f) => f.type === 'event' && /supervisor|watch/i.test(f.event.text ?? ''))).toBe(false);
    // a plain agent may not watch
    a.send({ type: 'watch', sessionId: sid, on: true });
    await a.waitFor('error', (f) => f.code === 'CB_ERR_NOT_ALLOWED');
    a.send({ type: 'end', sessionId: sid });
    for (const p of [v, a, sup]) p.close();
  });
});
