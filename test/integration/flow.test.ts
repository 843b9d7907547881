// The whole path over real sockets: hyperlink → queue → agent accepts → chat both ways → agent leads
// → visitor follows → end → transcript stored.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { Peer, loginCookie, startVisitor, wsUrl } from '../helpers/ws-peer.ts';
import { proxyFetch } from '../helpers/proxy-fetch.ts';

let t: TestGateway;
let cookie: string;

beforeAll(async () => {
  t = await startTestGateway({ routingMode: 'auto' }, { demo: true });
  await t.gw.auth.createAgent({ email: 'ann@example.test', password: 'correct-horse', name: 'Ann' });
  cookie = await loginCookie(t.gw.url, 'ann@example.test', 'correct-horse');
});
afterAll(() => t.close());

describe('vertical slice over real sockets', () => {
  it('queues, offers, accepts, chats, leads and ends', async () => {
    const entry = `${t.demoUrl}/products`;
    const sid = await startVisitor(t.gw.url, entry);
    expect(sid).toMatch(/^[A-Za-z0-9_-]{22,}$/);

    const visitor = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
    await visitor.opened();
    visitor.send({ type: 'hello' });
    const pos = await visitor.waitFor('queue.position');
    expect(pos.position).toBe(1);
    const session = await visitor.waitFor('session');
    expect(session.session.state).toBe('queued');
    expect(session.session.proxyUrl).toMatch(/^http:\/\/[a-z2-7]{26}\.cobrowse\.localhost:\d+\/products$/);

    const agent = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie });
    await agent.opened();
    agent.send({ type: 'hello' });
    const offer = await agent.waitFor('queue.snapshot', (f) => f.items.some((i) => i.sessionId === sid && i.canAccept));
    expect(offer.items[0].entryUrl).toBe(entry);

    agent.send({ type: 'accept', sessionId: sid });
    const joined = await visitor.waitFor('session', (f) => f.session.state === 'active');
    expect(joined.session.agent?.name).toBe('Ann');
    await agent.waitFor('session', (f) => f.session.sessionId === sid && f.session.state === 'active');
    await agent.waitFor('queue.snapshot', (f) => f.items.length === 0);

    visitor.send({ type: 'chat', clientId: 'v1', text: 'Hello, is the mug in stock?' });
    await visitor.waitFor('ack', (f) => f.clientId === 'v1');
    const got = await agent.waitFor('event', (f) => f.event.kind === 'chat' && f.event.text === 'Hello, is the mug in stock?');
    expect(got.event.from).toBe('visitor');

    agent.send({ type: 'chat', sessionId: sid, clientId: 'a1', text: 'Yes! Let me show you.' });
    await visitor.waitFor('event', (f) => f.event.text === 'Yes! Let me show you.' && f.event.from === 'agent');

    // a resend of the same clientId is stored once
    visitor.send({ type: 'chat', clientId: 'v1', text: 'Hello, is the mug in stock?' });
    await new Promise((r) => setTimeout(r, 100));
    expect(agent.frames.filter((f) => f.type === 'event' && f.event.clientId === 'v1')).toHaveLength(1);

    agent.send({ type: 'lead', sessionId: sid, url: `${t.demoUrl}/cart` });
    const nav = await visitor.waitFor('navigate', (f) => f.url === `${t.demoUrl}/cart`);
    expect(nav.by).toBe('agent');
    const page = await proxyFetch(nav.proxyUrl, { headers: { 'sec-fetch-dest': 'iframe', accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.body).toContain('/__cb/overlay.js');

    // the visitor clicks a link: the agent follows
    visitor.send({ type: 'nav', url: `${t.demoUrl}/long`, kind: 'load' });
    const follow = await agent.waitFor('navigate', (f) => f.url === `${t.demoUrl}/long`);
    expect(follow.by).toBe('visitor');

    visitor.send({ type: 'scroll', scroll: { target: '', anchor: '#section-3', offset: -40, ratio: 0.2 } });
    const sc = await agent.waitFor('scroll');
    expect(sc.scroll.anchor).toBe('#section-3');
    expect(sc.from).toBe('visitor');

    agent.send({ type: 'end', sessionId: sid });
    await visitor.waitFor('ended');
    const tr = await fetch(`${t.gw.url}/api/sessions/${sid}/transcript`, { headers: { cookie } }).then((r) => r.json());
    const kinds = tr.events.map((e: { kind: string }) => e.kind);
    expect(kinds).toContain('chat');
    expect(tr.events.filter((e: { kind: string }) => e.kind === 'nav').map((e: { url: string }) => e.url)).toEqual([
      entry,
      `${t.demoUrl}/cart`,
      `${t.demoUrl}/long`,
    ]);
    expect(tr.session.state).toBe('ended');
    // the proxy links die with the session
    const dead = await proxyFetch(nav.proxyUrl);
    expect(dead.status).toBe(404);
    visitor.close();
    agent.close();
  });

  it('replays exactly the missed events after a reconnect', async () => {
    const sid = await startVisitor(t.gw.url, `${t.demoUrl}/`);
    const v1 = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
    await v1.opened();
    v1.send({ type: 'hello' });
    for (let i = 0; i < 3; i++) v1.send({ type: 'chat', clientId: `m${i}`, text: `message ${i}` });
    await v1.waitFor('ack', (f) => f.clientId === 'm2');
    const seen = v1.frames.filter((f) => f.type === 'event').map((f) => (f as { event: { seq: number } }).event.seq);
    const last = Math.max(...seen);
    v1.close();
    const v2 = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
    await v2.opened();
    v2.send({ type: 'hello', resume: { [sid]: last - 1 } });
    await v2.waitFor('session');
    await new Promise((r) => setTimeout(r, 100));
    const replayed = v2.frames.filter((f) => f.type === 'event').map((f) => (f as { event: { seq: number } }).event.seq);
    expect(replayed).toEqual([last]);
    v2.close();
  });
});
