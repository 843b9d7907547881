// 200 visitors and 10 agents over real sockets, with random accepts, declines and ring timeouts:
// nobody is lost, nobody is assigned twice, nobody exceeds capacity.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { Peer, loginCookie, startVisitor, wsUrl } from '../helpers/ws-peer.ts';

let t: TestGateway;
const AGENTS_MIN = 10;
// ROUTING_LOAD_VISITORS=2000 runs it at the scale issue 12 names (bench/README.md); capacity scales with it.
const VISITORS = Number(process.env.ROUTING_LOAD_VISITORS ?? 200);
// Agents carry at most 100 sessions each (the config's limit): a larger run adds agents.
const AGENTS = Math.max(AGENTS_MIN, Math.ceil(VISITORS / 80));
const CAPACITY = Math.ceil((VISITORS * 1.25) / AGENTS);

beforeAll(async () => {
  t = await startTestGateway({ routingMode: 'auto', ringTimeoutSeconds: 1, defaultAgentCapacity: CAPACITY, maxMissedOffers: 100, allowedTargets: ['http://shop.test'] });
});
afterAll(() => t.close());

// Deterministic pseudo-random choices so a failure can be replayed.
function rng(seed: number) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

describe('routing under load', () => {
  it(`${VISITORS} visitors, ${AGENTS} agents, random accept/decline/ignore: none lost, none double-assigned`, async () => {
    const rand = rng(42);
    const agents: { id: string; peer: Peer; accepted: Set<string> }[] = [];
    for (let i = 0; i < AGENTS; i++) {
      const a = await t.gw.auth.createAgent({ email: `a${i}@load.test`, password: 'load-test-pw', name: `A${i}` });
      const cookie = await loginCookie(t.gw.url, `a${i}@load.test`, 'load-test-pw');
      const peer = new Peer(wsUrl(t.gw.url, '/ws/agent'), { origin: t.gw.url, cookie });
      await peer.opened();
      peer.send({ type: 'hello' });
      const agent = { id: a.id, peer, accepted: new Set<string>() };
      agents.push(agent);
      const answered = new Set<string>();
      // React to offers as a person would: mostly accept, sometimes decline, sometimes let it ring out.
      peer.ws.on('message', (raw) => {
        const f = JSON.parse(String(raw));
        if (f.type !== 'queue.snapshot' && f.type !== 'queue.delta') return;
        // The peer's own listener ran first: peer.queue is the window after this frame.
        for (const item of peer.queue.items) {
          if (!item.offeredToMe || answered.has(`${item.sessionId}@${item.offerExpiresAt}`)) continue;
          answered.add(`${item.sessionId}@${item.offerExpiresAt}`);
          const r = rand();
          if (r < 0.7) peer.send({ type: 'accept', sessionId: item.sessionId });
          else if (r < 0.85) peer.send({ type: 'decline', sessionId: item.sessionId });
          // else: ignore, the offer rings out after 1 s
        }
      });
    }

    const visitors: { sid: string; peer: Peer }[] = [];
    for (let i = 0; i < VISITORS; i++) {
      const sid = await startVisitor(t.gw.url, `http://shop.test/p/${i}`);
      const peer = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
      visitors.push({ sid, peer });
      await peer.opened();
      peer.send({ type: 'hello' });
    }

    // Every visitor ends up with exactly one agent.
    const joined = await Promise.all(visitors.map((v) => v.peer.waitFor('session', (f) => f.session.state === 'active', 60_000)));
    const owner = new Map<string, string>();
    for (const f of joined) owner.set(f.session.sessionId, f.session.agent!.id);
    expect(owner.size).toBe(VISITORS);

    // No visitor was ever assigned to two agents: each visitor saw exactly one "joined" event
    // (counted by sequence number: a frame can arrive live and again in the hello replay).
    await new Promise((r) => setTimeout(r, 300));
    for (const v of visitors) {
      const joins = new Set(
        v.peer.frames.flatMap((f) => (f.type === 'event' && f.event.kind === 'system' && / joined the chat/.test(f.event.text ?? '') ? [f.event.seq] : [])),
      );
      expect(joins.size, v.sid).toBe(1);
    }
    // Each agent's sessions as the gateway sees them match what visitors saw, within capacity.
    const snap = await t.gw.hub.overview();
    if (snap.type !== 'overview') throw new Error('unexpected');
    for (const a of snap.agents) expect(a.active).toBeLessThanOrEqual(CAPACITY);
    const byAgent = new Map<string, number>();
    for (const id of owner.values()) byAgent.set(id, (byAgent.get(id) ?? 0) + 1);
    for (const a of snap.agents) expect(a.active).toBe(byAgent.get(a.id) ?? 0);
    // Both sides agree: every assignment is in the store too.
    for (const [sid, agentId] of owner) expect(t.gw.store.session(sid)?.agentId).toBe(agentId);

    // The run really exercised declines and ring timeouts, not just accepts.
    const metrics = await fetch(`${t.gw.url}/metrics`).then((r) => r.text());
    const counter = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0);
    expect(counter('cobrowse_offer_timeouts_total')).toBeGreaterThan(0);
    expect(counter('cobrowse_offers_total')).toBeGreaterThan(VISITORS + 20);

    for (const v of visitors) v.peer.close();
    for (const a of agents) a.peer.close();
  }, Math.max(60_000, VISITORS * 150));
});
