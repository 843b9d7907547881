// After a gateway restart on the same store, agents and visitors reconnect: the active session
// resumes in the same channel with its history, and queued visitors keep their order.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { Peer, loginCookie, startVisitor, wsUrl } from '../helpers/ws-peer.ts';

const dir = mkdtempSync(join(tmpdir(), 'cb-restart-'));
const databasePath = join(dir, 'store.sqlite');
let t: TestGateway | null = null;
afterAll(() => t?.close());

const lastSeq = (p: Peer, sid: string) => Math.max(0, ...p.frames.flatMap((f) => (f.type === 'event' && f.event.sessionId === sid ? [f.event.seq] : [])));

describe('restart', () => {
  it('resumes sessions and keeps the queue order', async () => {
    const cfg = { databasePath, routingMode: 'auto' as const, defaultAgentCapacity: 1, allowedTargets: ['http://shop.test'], agentGraceSeconds: 30, visitorGraceSeconds: 30 };
    t = await startTestGateway(cfg);
    await t.gw.auth.createAgent({ email: 'r@x.test', password: 'restart-pw-1', name: 'Rita' });
    const cookie = await loginCookie(t.gw.url, 'r@x.test', 'restart-pw-1');
    const visitors: Record<string, Peer> = {};
    const connect = (gwUrl: string, sid: string) => {
      const p = new Peer(wsUrl(gwUrl, `/ws/visitor?sid=${sid}`), { origin: gwUrl });
      visitors[sid] = p;
      return p;
    };
    const s1 = await startVisitor(t.gw.url, 'http://shop.test/1');
    const s2 = await startVisitor(t.gw.url, 'http://shop.test/2');
    const s3 = await startVisitor(t.gw.url, 'http://shop.test/3');
    for (const sid of [s1, s2, s3]) {
      const p = connect(t.gw.url, sid);
      await p.opened();
      p.send({ type: 'hello' });
      await p.waitFor('session');
    }
    const agent = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie });
    await agent.opened();
    agent.send({ type: 'hello' });
    await agent.waitFor('queue.snapshot', (f) => f.items.some((i) => i.sessionId === s1 && i.canAccept));
    agent.send({ type: 'accept', sessionId: s1 });
    await visitors[s1].waitFor('session', (f) => f.session.state === 'active');
    visitors[s1].send({ type: 'chat', clientId: 'before', text: 'before the restart' });
    await agent.waitFor('event', (f) => f.event.text === 'before the restart');
    await visitors[s3].waitFor('queue.position', (f) => f.position === 2);
    const seenByVisitor = lastSeq(visitors[s1], s1);
    const seenByAgent = lastSeq(agent, s1);

    // Restart on the same store, on new ports (clients find the gateway again by URL in real life).
    const oldUrl = t.gw.url;
    await t.close();
    t = await startTestGateway(cfg);
    const cookie2 = await loginCookie(t.gw.url, 'r@x.test', 'restart-pw-1');
    void oldUrl;

    const agent2 = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie: cookie2 });
    await agent2.opened();
    agent2.send({ type: 'hello', resume: { [s1]: seenByAgent } });
    const back = await agent2.waitFor('session', (f) => f.session.sessionId === s1);
    expect(back.session.state).toBe('active');

    const v1 = connect(t.gw.url, s1);
    await v1.opened();
    v1.send({ type: 'hello', resume: { [s1]: seenByVisitor } });
    await v1.waitFor('session', (f) => f.session.state === 'active');
    // Nothing it had already seen is sent again.
    await new Promise((r) => setTimeout(r, 150));
    expect(v1.frames.filter((f) => f.type === 'event' && f.event.seq <= seenByVisitor)).toHaveLength(0);

    v1.send({ type: 'chat', clientId: 'after', text: 'after the restart' });
    const after = await agent2.waitFor('event', (f) => f.event.text === 'after the restart');
    expect(after.event.seq).toBeGreaterThan(seenByVisitor);

    // Queued visitors keep their order.
    const v2 = connect(t.gw.url, s2);
    const v3 = connect(t.gw.url, s3);
    await v3.opened();
    v3.send({ type: 'hello' });
    await v2.opened();
    v2.send({ type: 'hello' });
    expect((await v2.waitFor('queue.position')).position).toBe(1);
    expect((await v3.waitFor('queue.position', (f) => f.position === 2)).position).toBe(2);

    for (const p of [agent, agent2, ...Object.values(visitors)]) p.close();
  });
});
