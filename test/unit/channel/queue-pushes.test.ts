// Issue 12: an agent's console gets its queue window once, then only deltas, and only when the
// window changed; a waiting visitor hears their position only when it moved.
import { afterEach, describe, expect, it } from 'vitest';
import type { ServerFrame } from '../../../protocol/index.ts';
import { QueueWindowCopy } from '../../../protocol/queue-delta.ts';
import { QUEUE_WINDOW, WINDOW_INTERVAL_MS } from '../../../gateway/channel/pushes.ts';
import { agentSocket, localHub, visitorSocket, type FakeSocket } from './fakes.ts';

let t: { hub: { close(): void } } | undefined;
afterEach(() => t?.hub.close());
const turn = () => new Promise((r) => setImmediate(r));
const queueFrames = (s: FakeSocket) => s.frames.filter((f): f is Extract<ServerFrame, { type: 'queue.snapshot' | 'queue.delta' }> => f.type === 'queue.snapshot' || f.type === 'queue.delta');

describe('queue pushes', () => {
  it('sends a window and a total, then deltas that rebuild exactly the window the router holds', async () => {
    const l = localHub();
    t = l;
    const a = agentSocket('ag1');
    l.hub.agentOpen(a);
    l.hub.message(a, { type: 'hello' } as never);
    const visitors: FakeSocket[] = [];
    const N = QUEUE_WINDOW + 30;
    for (let i = 0; i < N; i++) {
      const s = l.hub.startSession({ siteId: 'site', entryUrl: `https://shop.test/${i}`, department: null, userAgent: null });
      const v = visitorSocket(s.id);
      l.hub.visitorOpen(v);
      l.hub.message(v, { type: 'hello' } as never);
      visitors.push(v);
      if (i % 7 === 0) await turn();
    }
    // Windows go out at most every WINDOW_INTERVAL_MS (offers at once): the last changes come after it.
    await new Promise((r) => setTimeout(r, WINDOW_INTERVAL_MS + 30));
    await turn();
    const frames = queueFrames(a);
    expect(frames[0]!.type).toBe('queue.snapshot');
    expect(frames.slice(1).every((f) => f.type === 'queue.delta')).toBe(true);
    const copy = new QueueWindowCopy();
    for (const f of frames) copy.apply(f);
    const want = l.router.queueWindow('ag1', QUEUE_WINDOW);
    expect(copy.total).toBe(want.total);
    expect(copy.total).toBe(N);
    expect(copy.items.map((i) => i.sessionId)).toEqual(want.entries.map((e) => e.sessionId));
    expect(copy.items.length).toBe(QUEUE_WINDOW);
    // Bounded frames: no delta carries more than the window.
    for (const f of frames) if (f.type === 'queue.delta') expect(f.added.length).toBeLessThanOrEqual(QUEUE_WINDOW);

    // A change that moves nothing in anyone's view sends nothing.
    const before = a.frames.length;
    l.hub.message(a, { type: 'hello' } as never);
    await turn();
    // (A second hello re-sends the window whole to that socket, and nothing else.)
    expect(a.frames.slice(before).filter((f) => f.type === 'queue.delta')).toHaveLength(0);

    // The first visitor stayed first while 79 joined behind them: one position frame (the hello's).
    await new Promise((r) => setTimeout(r, 300));
    expect(visitors[0]!.frames.filter((f) => f.type === 'queue.position')).toHaveLength(1);
  });

  it('an offer reaches its agent at once; other window changes at most once per interval', async () => {
    const l = localHub();
    t = l;
    const a = agentSocket('ag1');
    const b = agentSocket('ag2');
    for (const s of [a, b]) {
      l.hub.agentOpen(s);
      l.hub.message(s, { type: 'hello' } as never);
    }
    const t0 = Date.now();
    const seen = (s: FakeSocket, agentId: string) => {
      const copy = new QueueWindowCopy();
      for (const f of queueFrames(s)) copy.apply(f);
      return copy.items.filter((i) => i.offeredToMe && i.canAccept).map((i) => i.sessionId).filter((id) => l.router.queue().some((q) => q.sessionId === id && q.offeredTo === agentId));
    };
    // Six visitors within one interval: each is offered to an agent (capacity 3 each), and that
    // agent's copy shows the offer, acceptable, one event-loop turn later.
    for (let i = 0; i < 6; i++) {
      const s = l.hub.startSession({ siteId: 'site', entryUrl: 'https://shop.test/', department: null, userAgent: null });
      const v = visitorSocket(s.id);
      l.hub.visitorOpen(v);
      l.hub.message(v, { type: 'hello' } as never);
      await turn();
      const q = l.router.queue().find((e) => e.sessionId === s.id)!;
      expect(q.offeredTo).not.toBeNull();
      const sock = q.offeredTo === 'ag1' ? a : b;
      expect(seen(sock, q.offeredTo!)).toContain(s.id);
    }
    expect(Date.now() - t0).toBeLessThan(WINDOW_INTERVAL_MS * 3);
    // Each agent got at most: the hello's snapshot, one frame per offer to them (3), and the throttled rest.
    for (const s of [a, b]) expect(queueFrames(s).length).toBeLessThanOrEqual(1 + 3 + Math.ceil((Date.now() - t0) / WINDOW_INTERVAL_MS) + 1);
  });

  it('a new socket of an agent gets the current window whole', async () => {
    const l = localHub();
    t = l;
    const a = agentSocket('ag1');
    l.hub.agentOpen(a);
    l.hub.message(a, { type: 'hello' } as never);
    for (let i = 0; i < 3; i++) {
      const s = l.hub.startSession({ siteId: 'site', entryUrl: 'https://shop.test/', department: null, userAgent: null });
      const v = visitorSocket(s.id);
      l.hub.visitorOpen(v);
    }
    const b = agentSocket('ag1');
    l.hub.agentOpen(b);
    l.hub.message(b, { type: 'hello' } as never);
    const snap = queueFrames(b)[0]!;
    expect(snap.type).toBe('queue.snapshot');
    expect(snap.type === 'queue.snapshot' && snap.total).toBe(3);
    await turn();
    // Both copies agree after the pending change went to the first socket as a delta.
    const ca = new QueueWindowCopy();
    const cb = new QueueWindowCopy();
    for (const f of queueFrames(a)) ca.apply(f);
    for (const f of queueFrames(b)) cb.apply(f);
    expect(cb.items).toEqual(ca.items);
    expect(cb.total).toBe(3);
  });
});
