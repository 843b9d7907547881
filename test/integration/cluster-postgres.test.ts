// Two gateways as two hosts would run them: on different loopback addresses (127.0.0.1 and
// 127.0.0.2, the same ports), sharing only Redis and a real PostgreSQL server (no shared file). A
// visitor on one and an agent on the other chat and end; then PostgreSQL is killed mid-session:
// /readyz says 503, the live session keeps chatting through Redis, the transcript writes are retried
// in order, and once PostgreSQL is back everything is stored exactly once, with nothing lost. And
// the proxy on one host serves a session the other host created (loaded from PostgreSQL first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { proxyFetch } from '../helpers/proxy-fetch.ts';
import { freePort, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { Peer, startVisitor, wsUrl } from '../helpers/ws-peer.ts';
import { newId } from '../../gateway/ids.ts';

let redis: TestRedis;
let pg: TestPostgres;
let a: TestGateway;
let b: TestGateway;
let agentCookie: string;
/** A site to co-browse, on 127.0.0.1: a page and a WebSocket that says hello. */
let site: Server;
let siteUrl: string;
/** Where each instance listens (its public name, cobrowse.localhost, is the same for both: Origin checks use it). */
let at: { a: string; b: string };

const until = async (what: string, f: () => Promise<boolean> | boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};
const readyz = async (url: string) => (await fetch(`${url}/readyz`)).status;

beforeAll(async () => {
  [redis, pg] = await Promise.all([startRedis(), startPostgres()]);
  const databaseUrl = await pg.createDatabase('cluster_pg');
  const [port, proxyPort, sitePort] = [await freePort(), await freePort(), await freePort()];
  siteUrl = `http://127.0.0.1:${sitePort}`;
  site = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end(`<html><head></head><body>page ${req.url}</body></html>`);
  });
  new WebSocketServer({ server: site }).on('connection', (ws) => ws.send('hello from the site'));
  await new Promise<void>((r) => site.listen(sitePort, '127.0.0.1', r));
  const on = (host: string, instanceId: string) =>
    startTestGateway({ redisUrl: redis.url, databaseUrl, host, port, proxyPort, instanceId, allowedTargets: ['http://shop.test', siteUrl], ringTimeoutSeconds: 5 });
  at = { a: `http://127.0.0.1:${port}`, b: `http://127.0.0.2:${port}` };
  a = await on('127.0.0.1', 'A');
  b = await on('127.0.0.2', 'B');
  // The agent and a login token, written through the store's ports as the console would.
  const agent = await b.gw.store.createAgent({ id: newId(), email: 'pg@agent.test', name: 'Pia', passwordHash: 'x', role: 'agent', departments: [], capacity: null, disabled: false });
  const token = randomBytes(24).toString('base64url');
  await b.gw.store.saveAuthToken(createHash('sha256').update(token).digest('base64url'), agent.id, Date.now() + 3600_000);
  agentCookie = `cb_agent=${token}`;
}, 60_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.close();
  await pg?.close();
  site?.close();
});

/** A session started on A (127.0.0.1), its visitor connected there, and its first proxied origin. */
async function sessionOnA(): Promise<{ sid: string; proxyUrl: string; visitor: Peer }> {
  const sid = await startVisitor(at.a, `${siteUrl}/`);
  const visitor = new Peer(wsUrl(at.a, `/ws/visitor?sid=${sid}`), { origin: a.gw.url });
  await visitor.opened();
  visitor.send({ type: 'hello' });
  const s = await visitor.waitFor('session');
  return { sid, proxyUrl: s.session.proxyUrl!, visitor };
}

/** The agent's socket on 127.0.0.2 (its upgrade waits for the token lookup in PostgreSQL), welcomed. */
async function connectAgent(): Promise<Peer> {
  const agent = new Peer(wsUrl(at.b, '/ws/agent'), { origin: b.gw.url, cookie: agentCookie });
  await agent.opened();
  agent.send({ type: 'hello' });
  const closed = agent.closed.then((c) => new Error(`the agent socket closed before welcome: ${c.code} ${c.reason}; frames ${JSON.stringify(agent.frames).slice(0, 500)}`));
  const got = await Promise.race([agent.waitFor('welcome').then(() => null), closed]);
  if (got) throw got;
  return agent;
}

describe('two hosts on Redis and PostgreSQL', () => {
  it('the proxy on 127.0.0.2 serves a page and a WebSocket of a session 127.0.0.1 created, loading the session from PostgreSQL', async () => {
    // B has never seen either session: its first proxied request waits for the session to load.
    const page = await sessionOnA();
    expect(b.gw.hub.sizes().sessions, 'B has not cached the session').toBe(0);
    const r = await proxyFetch(`${page.proxyUrl.replace(/\/$/, '')}/first`, { address: '127.0.0.2', headers: { accept: 'text/html' } });
    expect(r.status, r.body.slice(0, 300)).toBe(200);
    expect(r.body).toContain('page /first');

    const socket = await sessionOnA();
    const u = new URL(socket.proxyUrl);
    const hello = await new Promise<string>((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.2:${u.port}/live`, { headers: { host: u.host }, origin: u.origin });
      ws.once('message', (m) => (resolve(String(m)), ws.close()));
      ws.once('error', reject);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
    expect(hello).toBe('hello from the site');

    // An unknown token is still refused.
    const bad = await proxyFetch(`http://${u.host.replace(/^[^.]+/, 'x'.repeat(22))}/`, { address: '127.0.0.2' });
    expect(bad.status).toBe(404);
    for (const s of [page, socket]) {
      s.visitor.send({ type: 'end', sessionId: s.sid });
      await s.visitor.waitFor('ended');
      s.visitor.close();
    }
  });

  it('visitor on 127.0.0.1, agent on 127.0.0.2: chat, a PostgreSQL restart mid-session, nothing lost or stored twice', async () => {
    expect(a.gw.port).toBe(b.gw.port);
    const agent = await connectAgent();

    const sid = await startVisitor(at.a, 'http://shop.test/');
    const visitor = new Peer(wsUrl(at.a, `/ws/visitor?sid=${sid}`), { origin: a.gw.url });
    await visitor.opened();
    visitor.send({ type: 'hello' });
    await visitor.waitFor('session');
    await agent.waitFor('queue.snapshot', (f) => f.items.some((i) => i.sessionId === sid && i.offeredToMe));
    agent.send({ type: 'accept', sessionId: sid });
    await visitor.waitFor('session', (f) => f.session.state === 'active' && f.session.agent?.name === 'Pia');
    visitor.send({ type: 'chat', clientId: 'v1', text: 'before the restart' });
    await agent.waitFor('event', (f) => f.event.kind === 'chat' && f.event.text === 'before the restart');

    // PostgreSQL goes away (killed, as a crash would).
    await pg.kill();
    await until('both instances to report not ready', async () => (await readyz(at.a)) === 503 && (await readyz(at.b)) === 503);
    // New chats get "try again"; the live session keeps chatting through Redis.
    expect((await fetch(`${at.a}/start?site=demo&url=${encodeURIComponent('http://shop.test/')}`, { redirect: 'manual' })).status).toBe(503);
    for (let i = 0; i < 5; i++) {
      visitor.send({ type: 'chat', clientId: `d${i}`, text: `during ${i}` });
      agent.send({ type: 'chat', sessionId: sid, clientId: `e${i}`, text: `reply ${i}` });
    }
    await agent.waitFor('event', (f) => f.event.kind === 'chat' && f.event.text === 'during 4');
    await visitor.waitFor('event', (f) => f.event.kind === 'chat' && f.event.text === 'reply 4');

    await pg.start();
    await until('both instances ready again', async () => (await readyz(at.a)) === 200 && (await readyz(at.b)) === 200, 30_000);
    visitor.send({ type: 'chat', clientId: 'v2', text: 'after the restart' });
    await agent.waitFor('event', (f) => f.event.kind === 'chat' && f.event.text === 'after the restart');
    agent.send({ type: 'end', sessionId: sid });
    await visitor.waitFor('ended');

    // Every numbered event both sides saw is in PostgreSQL exactly once, in order, with no gap.
    const seen = [...new Set(visitor.frames.flatMap((f) => (f.type === 'event' ? [f.event.seq] : [])))].sort((x, y) => x - y);
    await until('the transcript writes retried after the restart to land', async () => (await b.gw.store.eventsAfter(sid, 0)).length >= seen.length, 30_000);
    const stored = await a.gw.store.eventsAfter(sid, 0);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    expect(stored.map((e) => e.seq)).toEqual(expect.arrayContaining(seen));
    const chats = stored.filter((e) => e.kind === 'chat').map((e) => e.text ?? '');
    const during = Array.from({ length: 5 }, (_, i) => [`during ${i}`, `reply ${i}`]).flat();
    expect(chats).toHaveLength(2 + during.length);
    expect(chats[0]).toBe('before the restart');
    expect(chats.at(-1)).toBe('after the restart');
    expect([...chats.slice(1, -1)].sort()).toEqual([...during].sort());
    // Each party's own messages in the order sent.
    expect(chats.filter((c) => c.startsWith('during'))).toEqual(during.filter((c) => c.startsWith('during')));
    expect(chats.filter((c) => c.startsWith('reply'))).toEqual(during.filter((c) => c.startsWith('reply')));
    await until('the session row to say ended', async () => (await a.gw.store.session(sid))?.state === 'ended');
    visitor.close();
    agent.close();
  }, 120_000);

  it('a socket the store must first look up is upgraded at once and admitted or closed with the refusal: 4401 no login, 4404 no such session', async () => {
    const stranger = new Peer(wsUrl(at.b, '/ws/agent'), { origin: b.gw.url, cookie: 'cb_agent=not-a-token' });
    await stranger.opened();
    stranger.send({ type: 'hello' });
    expect(await stranger.closed).toEqual({ code: 4401, reason: 'CB_ERR_AUTH_REQUIRED' });
    expect(stranger.frames).toEqual([]);
    const lost = new Peer(wsUrl(at.b, `/ws/visitor?sid=${'x'.repeat(22)}`), { origin: b.gw.url });
    await lost.opened();
    expect(await lost.closed).toEqual({ code: 4404, reason: 'CB_ERR_SESSION_UNKNOWN' });
  });
});
