// A one-process gateway killed with SIGKILL mid-queue (no clean stop, so no compaction at close):
// its routing state comes back from the store's last snapshot + command log exactly as the clients
// saw it (queue order, who is connected, which agent holds which visitor), and a new gateway on the
// same store serves that queue and those assignments to the agents and visitors who reconnect.
import { afterAll, describe, expect, it } from 'vitest';
import { createAgentStore, spawnGateway, type GatewayProcess } from '../../bench/lib/gateway-process.ts';
import { openSqliteStore } from '../../gateway/store/sqlite-store.ts';
import { loadRouting, ROUTING_KV } from '../../gateway/channel/routing-log.ts';
import { loadConfig } from '../../gateway/config.ts';
import { routingConfigFrom } from '../../gateway/routing/config.ts';
import { Peer, loginCookie, startVisitor, wsUrl } from '../helpers/ws-peer.ts';

const env = {
  ROUTING_MODE: 'manual',
  DEFAULT_AGENT_CAPACITY: '3',
  AGENT_GRACE_SECONDS: '120',
  VISITOR_GRACE_SECONDS: '120',
  ALLOWED_TARGETS: 'http://shop.test',
  LOG_LEVEL: 'warn',
};
const procs: GatewayProcess[] = [];
const peers: Peer[] = [];
afterAll(async () => {
  for (const p of peers) p.close();
  for (const g of procs) await g.stop();
});

async function visitor(url: string, sid: string, hello: Record<string, unknown> = {}): Promise<Peer> {
  const p = new Peer(wsUrl(url, `/ws/visitor?sid=${sid}`), { origin: url });
  peers.push(p);
  await p.opened();
  p.send({ type: 'hello', ...hello } as never);
  await p.waitFor('session');
  return p;
}

async function agent(url: string, email: string, password: string): Promise<Peer> {
  const cookie = await loginCookie(url, email, password);
  const p = new Peer(wsUrl(url, '/ws/agent'), { origin: url, cookie });
  peers.push(p);
  await p.opened();
  p.send({ type: 'hello' });
  return p;
}

describe('routing log across a crash', () => {
  it('a gateway killed mid-queue restores the queue and the assignments exactly', { timeout: 90_000 }, async () => {
    const { db, agents: creds } = await createAgentStore({ agents: 2, capacity: 3 });
    const g1 = await spawnGateway({ env: { ...env, DATABASE_PATH: db }, inspect: false, name: 'gateway 1' });
    procs.push(g1);

    const sids: string[] = [];
    const visitors = new Map<string, Peer>();
    for (let i = 0; i < 12; i++) {
      const sid = await startVisitor(g1.url, `http://shop.test/${i}`);
      sids.push(sid);
      visitors.set(sid, await visitor(g1.url, sid));
    }
    const ann = await agent(g1.url, creds[0]!.email, creds[0]!.password);
    const bob = await agent(g1.url, creds[1]!.email, creds[1]!.password);
    await ann.waitFor('queue.snapshot', (f) => f.total === 12);
    await bob.waitFor('queue.snapshot', (f) => f.total === 12);
    // Ann takes the 3rd and 8th visitors, Bob the 5th; the 10th visitor's socket drops (grace).
    const accepted: [Peer, string][] = [[ann, sids[2]!], [bob, sids[4]!], [ann, sids[7]!]];
    for (const [a, sid] of accepted) {
      a.send({ type: 'accept', sessionId: sid });
      await visitors.get(sid)!.waitFor('session', (f) => f.session.state === 'active');
    }
    const queued = sids.filter((s) => ![sids[2], sids[4], sids[7]].includes(s));
    await ann.waitFor('queue.snapshot', (f) => f.total === 9);
    expect(ann.queue.items.map((i) => i.sessionId)).toEqual(queued);
    const dropped = visitors.get(sids[9]!)!;
    dropped.close();
    await dropped.closed;
    // The gateway sees the close and logs visitor.disconnect; its row goes out within 20 ms
    // (flushEveryMs). Give it a moment, then crash.
    await new Promise((r) => setTimeout(r, 300));
    await g1.kill9();

    // What a restart loads: the (empty) snapshot the run started from, and everything since in the log.
    const store = openSqliteStore(db);
    const annId = (await store.agentByEmail(creds[0]!.email))!.id;
    const bobId = (await store.agentByEmail(creds[1]!.email))!.id;
    expect(JSON.parse(store.getKv(ROUTING_KV)!)).toMatchObject({ logSeq: 0, snapshot: { queue: [], assignments: {} } });
    expect(store.routingLogAfter(0).length).toBeGreaterThan(0);
    const routing = routingConfigFrom(loadConfig({}, { routingMode: 'manual', defaultAgentCapacity: 3, agentGraceSeconds: 120, visitorGraceSeconds: 120 }));
    const loaded = loadRouting(store, routing) as Exclude<ReturnType<typeof loadRouting>, Promise<unknown>>;
    store.close();
    expect(loaded.gapAt).toBeNull();
    const snap = loaded.snapshot!;
    expect(snap.queue.map((q) => q.sessionId)).toEqual(queued);
    expect(snap.queue.filter((q) => !q.connected).map((q) => q.sessionId)).toEqual([sids[9]]);
    expect(snap.assignments).toEqual({ [sids[2]!]: annId, [sids[4]!]: bobId, [sids[7]!]: annId });
    expect(Object.fromEntries(snap.agents.map((a) => [a.agentId, [...a.active].sort()]))).toEqual({
      [annId]: [sids[2]!, sids[7]!].sort(),
      [bobId]: [sids[4]!],
    });

    // A new gateway on the same store: agents get their sessions back, the queue in the same order.
    for (const p of peers.splice(0)) p.close();
    const g2 = await spawnGateway({ env: { ...env, DATABASE_PATH: db }, inspect: false, name: 'gateway 2' });
    procs.push(g2);
    const ann2 = await agent(g2.url, creds[0]!.email, creds[0]!.password);
    const annSessions = await Promise.all([sids[2]!, sids[7]!].map((sid) => ann2.waitFor('session', (f) => f.session.sessionId === sid)));
    expect(annSessions.map((f) => f.session.state)).toEqual(['active', 'active']);
    const bob2 = await agent(g2.url, creds[1]!.email, creds[1]!.password);
    expect((await bob2.waitFor('session', (f) => f.session.sessionId === sids[4])).session.state).toBe('active');
    await ann2.waitFor('queue.snapshot', (f) => f.total === 9);
    expect(ann2.queue.items.map((i) => i.sessionId)).toEqual(queued);
    // Queued visitors who come back get their places in the same order.
    const back = await Promise.all(queued.map(async (sid) => (await visitor(g2.url, sid)).waitFor('queue.position', () => true, 10_000)));
    expect(back.map((f) => f.position)).toEqual(queued.map((_, i) => i + 1));
  });
});
