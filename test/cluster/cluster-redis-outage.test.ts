// Redis goes away under a running two-instance cluster: every instance reports not-ready on /readyz
// and refuses new sessions with a clear message; when Redis comes back (same port, same data), the
// instances become ready by themselves, without a restart, and a new session runs end to end with
// the visitor on one instance and the agent on the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCluster, until, type TestCluster } from '../helpers/cluster.ts';
import { agentCookie, startOn } from '../helpers/cluster-clients.ts';
import { Peer, wsUrl } from '../helpers/ws-peer.ts';

let c: TestCluster;

beforeAll(async () => {
  c = await startCluster({ instances: 2, agents: 1, env: { ROUTING_MODE: 'auto', RING_TIMEOUT_SECONDS: '5', MAX_QUEUE_WAIT_SECONDS: '0' } });
}, 90_000);
afterAll(() => c?.close());

/** Visitor on instance `vi`, agent on instance `ai`: accept, chat both ways. */
async function sessionAcross(vi: number, ai: number, tag: string) {
  const v = c.nodes[vi];
  const a = c.nodes[ai];
  const started = await startOn(v, `http://shop.test/${tag}`);
  if (!('sid' in started)) throw new Error(`/start on ${v.name} refused: ${started.status} ${started.body}`);
  const sid = started.sid;
  const visitor = new Peer(wsUrl(v.url, `/ws/visitor?sid=${sid}`), { origin: v.url });
  await visitor.opened();
  visitor.send({ type: 'hello' });
  const agent = new Peer(wsUrl(a.url, '/ws/agent'), { origin: a.url, cookie: await agentCookie(a, c.agents[0].email, c.agents[0].password) });
  await agent.opened();
  agent.send({ type: 'hello' });
  await agent.waitFor('queue.snapshot', (f) => f.items.some((i) => i.sessionId === sid && i.canAccept), 15_000);
  agent.send({ type: 'accept', sessionId: sid });
  await visitor.waitFor('session', (f) => f.session.state === 'active', 15_000);
  visitor.send({ type: 'chat', clientId: `${tag}-v`, text: `hello from the visitor (${tag})` });
  agent.send({ type: 'chat', sessionId: sid, clientId: `${tag}-a`, text: `hello from the agent (${tag})` });
  await agent.waitFor('event', (f) => f.event.text === `hello from the visitor (${tag})`, 15_000);
  await visitor.waitFor('event', (f) => f.event.text === `hello from the agent (${tag})`, 15_000);
  agent.send({ type: 'end', sessionId: sid });
  await visitor.waitFor('ended', () => true, 15_000);
  visitor.close();
  agent.close();
  return sid;
}

describe('cluster: Redis outage', () => {
  it('reports not-ready and refuses new sessions while Redis is down, and recovers by itself', async () => {
    try {
      for (let i = 0; i < c.nodes.length; i++) {
        const r = await c.readyz(i);
        expect(r.status, `${c.nodes[i].name} before the outage`).toBe(200);
        expect(JSON.parse(r.body).ready).toBe(true);
      }
      await sessionAcross(0, 1, 'before');

      await c.redis.kill();
      for (let i = 0; i < c.nodes.length; i++) {
        await until(`${c.nodes[i].name} /readyz 503 after Redis was killed`, async () => (await c.readyz(i)).status === 503, 15_000, 100);
        expect(JSON.parse((await c.readyz(i)).body)).toMatchObject({ ready: false });
      }
      for (const node of c.nodes) {
        const r = await startOn(node, 'http://shop.test/during');
        expect('sid' in r, `${node.name} created a session while Redis was down`).toBe(false);
        if ('sid' in r) continue;
        expect(r.status, node.name).toBe(503);
        // A message a visitor can read, not an empty error or a stack trace.
        expect(r.body, node.name).toMatch(/try again|unavailable|shortly|moment/i);
        expect(r.body, node.name).not.toMatch(/at .*\.ts:\d+|ECONNREFUSED|ioredis/i);
      }
      // Still alive: the processes did not exit.
      expect(c.liveNodes()).toEqual([0, 1]);

      await c.redis.restart();
      for (let i = 0; i < c.nodes.length; i++) await c.waitReady(i, 30_000);
      expect(c.liveNodes()).toEqual([0, 1]);
      // New sessions work again, both ways across the instances.
      await sessionAcross(1, 0, 'after-1');
      await sessionAcross(0, 1, 'after-2');
    } catch (err) {
      throw new Error(`${(err as Error).message}\n\n${c.logs(4000)}`);
    }
  });
});
