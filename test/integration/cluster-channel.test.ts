// Two gateway instances on one Redis and one shared store, in this process: a visitor on instance A
// and an agent on instance B are offered, accept, chat both ways, lead, and end, with no sticky
// sessions; a frame sent on one side reaches the other through the Redis fan-out, sequence numbers
// stay unique across instances, and a consent given on A is honoured on B.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';
import { Redis } from 'ioredis';
import { Peer, loginCookie, startVisitor, wsUrl } from '../helpers/ws-peer.ts';
import { committedRouting } from '../helpers/cluster.ts';

let redis: TestRedis;
let a: TestGateway;
let b: TestGateway;
let dir: string;

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'cb-cluster-'));
  const shared = { redisUrl: redis.url, databasePath: join(dir, 'store.sqlite'), allowedTargets: ['http://shop.test'], ringTimeoutSeconds: 5 };
  a = await startTestGateway({ ...shared, instanceId: 'A' });
  b = await startTestGateway({ ...shared, instanceId: 'B' });
  await b.gw.auth.createAgent({ email: 'cluster@agent.test', password: 'cluster-pass', name: 'Cleo' });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('two instances on Redis', () => {
  it('visitor on A, agent on B: offer, accept, chat both ways, lead, consent, end', async () => {
    const cookie = await loginCookie(b.gw.url, 'cluster@agent.test', 'cluster-pass');
    const agent = new Peer(wsUrl(b.gw.url, '/ws/agent'), { origin: b.gw.url, cookie });
    await agent.opened();
    agent.send({ type: 'hello' });
    await agent.waitFor('welcome');

    const sid = await startVisitor(a.gw.url, 'http://shop.test/');
    const visitor = new Peer(wsUrl(a.gw.url, `/ws/visitor?sid=${sid}`), { origin: a.gw.url });
    await visitor.opened();
    visitor.send({ type: 'hello' });
    await visitor.waitFor('session');

    // The offer made by whichever instance committed reaches the agent on B.
    await agent.waitFor('queue.snapshot', (f) => f.items.some((i) => i.sessionId === sid && i.offeredToMe));
    agent.send({ type: 'accept', sessionId: sid });
    await visitor.waitFor('session', (f) => f.session.state === 'active' && f.session.agent?.name === 'Cleo');
    await agent.waitFor('session', (f) => f.session.sessionId === sid && f.session.state === 'active');

    visitor.send({ type: 'chat', clientId: 'v1', text: 'hello from A' });
    await agent.waitFor('event', (f) => f.event.kind === 'chat' && f.event.text === 'hello from A');
    agent.send({ type: 'chat', sessionId: sid, clientId: 'a1', text: 'hello from B' });
    await visitor.waitFor('event', (f) => f.event.kind === 'chat' && f.event.text === 'hello from B');
    // A resend with the same clientId (a client retrying after its instance died) is not a second message.
    visitor.send({ type: 'chat', clientId: 'v1', text: 'hello from A' });
    const acks = await new Promise<number>((resolve) => setTimeout(() => resolve(visitor.frames.filter((f) => f.type === 'ack' && f.clientId === 'v1').length), 300));
    expect(acks).toBe(2);
    const ackSeqs = visitor.frames.flatMap((f) => (f.type === 'ack' && f.clientId === 'v1' ? [f.seq] : []));
    expect(new Set(ackSeqs).size).toBe(1);

    // Control: refused on B until the visitor on A grants it, then relayed.
    agent.send({ type: 'act', sessionId: sid, path: 'body', action: 'click' });
    await agent.waitFor('error', (f) => f.code === 'CB_ERR_NOT_ALLOWED');
    visitor.send({ type: 'control', sessionId: sid, action: 'grant' });
    await agent.waitFor('control', (f) => f.action === 'grant');
    agent.send({ type: 'act', sessionId: sid, path: 'body', action: 'click' });
    await visitor.waitFor('act', (f) => f.path === 'body');

    agent.send({ type: 'lead', sessionId: sid, url: 'http://shop.test/cart' });
    const nav = await visitor.waitFor('navigate', (f) => f.url === 'http://shop.test/cart');
    expect(nav.proxyUrl).toContain('.cobrowse.localhost');

    // Every event seen by either side has a unique, gap-free sequence number.
    await new Promise((r) => setTimeout(r, 200));
    const seqsOf = (p: Peer) => [...new Set(p.frames.flatMap((f) => (f.type === 'event' && f.event.sessionId === sid ? [f.event.seq] : [])))].sort((x, y) => x - y);
    const vs = seqsOf(visitor);
    expect(vs).toEqual(Array.from({ length: vs.length }, (_, i) => i + 1));

    agent.send({ type: 'end', sessionId: sid });
    await visitor.waitFor('ended');
    // The transcript was copied into the shared store.
    const stored = b.gw.store.eventsAfter(sid, 0).filter((e) => e.kind === 'chat').map((e) => e.text);
    expect(stored).toEqual(['hello from A', 'hello from B']);
    visitor.close();
    agent.close();
  });

  it('a visitor reconnecting to the other instance resumes by sequence number', async () => {
    const sid = await startVisitor(a.gw.url, 'http://shop.test/');
    const first = new Peer(wsUrl(a.gw.url, `/ws/visitor?sid=${sid}`), { origin: a.gw.url });
    await first.opened();
    first.send({ type: 'hello' });
    await first.waitFor('event');
    first.send({ type: 'chat', clientId: 'c1', text: 'before' });
    const ack = await first.waitFor('ack');
    first.close();
    const again = new Peer(wsUrl(b.gw.url, `/ws/visitor?sid=${sid}`), { origin: b.gw.url });
    await again.opened();
    again.send({ type: 'hello', resume: { [sid]: ack.seq - 1 } });
    const e = await again.waitFor('event', (f) => f.event.kind === 'chat');
    expect(e.event.seq).toBe(ack.seq);
    expect(again.frames.filter((f) => f.type === 'event' && f.event.seq < ack.seq)).toHaveLength(0);
    again.close();
  });

  it("an instance follows a session's Redis channel only while it holds a socket of that session", async () => {
    const admin = new Redis(redis.url);
    try {
      const subscribers = async (sid: string) => Number(((await admin.pubsub('NUMSUB', `cb:s:${sid}`)) as [string, number])[1]);
      const sid = await startVisitor(a.gw.url, 'http://shop.test/channels');
      expect(await subscribers(sid)).toBe(0);
      const visitor = new Peer(wsUrl(a.gw.url, `/ws/visitor?sid=${sid}`), { origin: a.gw.url });
      await visitor.opened();
      visitor.send({ type: 'hello' });
      await visitor.waitFor('session');
      // A holds the visitor's socket; B holds none of this session's sockets and is not subscribed.
      await expect.poll(() => subscribers(sid)).toBe(1);
      const aChannels = (await admin.pubsub('CHANNELS', 'cb:s:*')) as string[];
      expect(aChannels).toContain(`cb:s:${sid}`);
      // A second socket of the same session on A does not subscribe twice; closing one keeps it.
      const again = new Peer(wsUrl(a.gw.url, `/ws/visitor?sid=${sid}`), { origin: a.gw.url });
      await again.opened();
      again.close();
      await new Promise((r) => setTimeout(r, 100));
      expect(await subscribers(sid)).toBe(1);
      // The last socket closed: the subscription goes with it.
      visitor.close();
      await expect.poll(() => subscribers(sid)).toBe(0);
    } finally {
      admin.disconnect();
    }
  });

  it('disabling an agent on one instance closes their sockets on the other; /metrics shows the cluster', async () => {
    const rec = await a.gw.auth.createAgent({ email: 'kicked@agent.test', password: 'kicked-pass', name: 'Kim' });
    const cookie = await loginCookie(b.gw.url, 'kicked@agent.test', 'kicked-pass');
    const agent = new Peer(wsUrl(b.gw.url, '/ws/agent'), { origin: b.gw.url, cookie });
    await agent.opened();
    a.gw.hub.disconnectAgent(rec.id);
    expect((await agent.closed).code).toBe(4403);

    const metrics = await (await fetch(`${b.gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^cobrowse_cluster_redis_ready 1$/m);
    expect(metrics).toMatch(/^cobrowse_cluster_routing_commits [1-9]/m);
  });

  it('an agent whose socket moves from A to B at once stays connected in the committed state', async () => {
    const rec = await a.gw.auth.createAgent({ email: 'mover@agent.test', password: 'mover-pass', name: 'Mo' });
    const cookie = await loginCookie(a.gw.url, 'mover@agent.test', 'mover-pass');
    const onA = new Peer(wsUrl(a.gw.url, '/ws/agent'), { origin: a.gw.url, cookie });
    await onA.opened();
    onA.send({ type: 'hello' });
    await onA.waitFor('agent.status');
    const admin = new Redis(redis.url);
    try {
      const connected = async () => {
        const snap = (await committedRouting(admin))!.snapshot!;
        return snap.agents.find((x) => x.agentId === rec.id)?.connected;
      };
      let current = onA;
      for (let round = 0; round < 16; round++) {
        // Close on one instance and open on the other a moment later (0 to 3 ms), back and forth:
        // the close's "disconnected" commit and the open's "already connected?" check race.
        const to = round % 2 ? a : b;
        current.close();
        await new Promise((r) => setTimeout(r, round % 4));
        const moved = new Peer(wsUrl(to.gw.url, '/ws/agent'), { origin: to.gw.url, cookie });
        current = moved;
        await moved.opened();
        moved.send({ type: 'hello' });
      }
      // Whatever order the commits landed in, the agent ends connected (reconciled within a beat).
      await new Promise((r) => setTimeout(r, 1500));
      expect(await connected()).toBe(true);
      current.close();
    } finally {
      admin.disconnect();
    }
  });
});
