// Issue 14: per-session state must not outlive its session, and a new visitor is offered once.
import { afterEach, describe, expect, it } from 'vitest';
import { QueueWindowCopy } from '../../../protocol/queue-delta.ts';
import { agentSocket, fakeHub, localHub, visitorSocket } from './fakes.ts';

let t: { hub: { close(): void } } | undefined;
afterEach(() => t?.hub.close());

describe('per-session state', () => {
  const N = Number(process.env.LEAK_N ?? 10_000);
  it('10,000 sessions that end while queued leave every per-session table empty (the #lastPosition leak)', () => {
    // A fake engine whose routing state calls every session queued (position 1): the hub's own
    // tables are under test here, not the router (whose cost per command grows with the queue).
    const f = fakeHub();
    t = f;
    const real = f.engine.router;
    f.engine.router = { ...real, position: () => 1, eligibleAgentCount: () => 1, nextDeadline: () => null, agent: () => null };
    const ids: string[] = [];
    const sockets = [];
    for (let i = 0; i < N; i++) {
      const s = f.hub.startSession({ siteId: 'site', entryUrl: 'https://shop.test/', department: null, userAgent: null });
      const v = visitorSocket(s.id);
      f.hub.visitorOpen(v);
      // hello pushes the queue position, which is what used to stay behind.
      f.hub.message(v, { type: 'hello' } as never);
      f.hub.message(v, { type: 'viewport', w: 800, h: 600 } as never);
      ids.push(s.id);
      sockets.push(v);
    }
    expect(f.hub.sizes()).toMatchObject({ sessions: N, extras: N, visitors: N, followed: N });
    expect(sockets[0].of('queue.position')).toHaveLength(1);
    for (const id of ids) f.hub.endSession(id, 'visitor', 'ended by visitor');
    for (const v of sockets) f.hub.visitorClose(v);
    expect(f.hub.sizes()).toEqual({ sessions: 0, loading: 0, extras: 0, followed: 0, visitors: 0, agents: 0, writes: 0 });
  }, 60_000);

  it('an agent online when a visitor joins sees exactly one offer for them (no offer blink)', async () => {
    const l = localHub();
    t = l;
    const a = agentSocket('ag1');
    l.hub.agentOpen(a);
    l.hub.message(a, { type: 'hello' } as never);
    const offers = () => l.engine.router.queue().filter((q) => q.offeredTo === 'ag1').length;
    const s = l.hub.startSession({ siteId: 'site', entryUrl: 'https://shop.test/', department: null, userAgent: null });
    // Joined but not connected yet: nobody is offered a visitor whose page has not opened.
    expect(offers()).toBe(0);
    const v = visitorSocket(s.id);
    l.hub.visitorOpen(v);
    expect(offers()).toBe(1);
    await new Promise((r) => setImmediate(r));
    // What the console saw: the visitor offered to this agent once, never offered, withdrawn and offered again.
    // (The queue comes as a snapshot, then deltas: each frame's window, as the console applies it.)
    const copy = new QueueWindowCopy();
    const seen = a.frames
      .filter((f) => f.type === 'queue.snapshot' || f.type === 'queue.delta')
      .map((f) => copy.apply(f as Parameters<QueueWindowCopy['apply']>[0]).find((i) => i.sessionId === s.id)?.offeredToMe ?? null);
    const flips = seen.filter((x, i) => x === true && seen[i - 1] !== true).length;
    expect(flips).toBe(1);
    expect(seen.filter((x) => x === false)).toHaveLength(0);
    // And the gateway made one offer: none made and withdrawn while the visitor's page was opening.
    expect((await l.metrics.offers.get()).values[0]?.value).toBe(1);
  });
});
