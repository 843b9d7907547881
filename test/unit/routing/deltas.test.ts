// Queue deltas for agents and coalesced positions for visitors (issue 12): the pure pieces the hub
// sends from, driven by the real router.
import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { AgentQueueWindows, PositionPushes, queueItemsFor, queueWindowFor } from '../../../gateway/channel/views.ts';
import type { SessionRecord } from '../../../gateway/store/types.ts';
import type { QueueItem } from '../../../protocol/index.ts';
import { applyQueueWindowDelta, diffQueueWindow, QueueDeltaFrame } from '../../../protocol/queue-delta.ts';
import { connect, harness, join } from './harness.ts';

const item = (sessionId: string, over: Partial<QueueItem> = {}): QueueItem => ({
  sessionId,
  siteId: 'site',
  department: null,
  entryUrl: 'https://example.test/',
  waitingSince: 1,
  priority: 0,
  offeredToMe: false,
  offerExpiresAt: null,
  canAccept: false,
  ...over,
});

const record = (id: string): SessionRecord => ({
  id,
  siteId: 'site',
  department: null,
  priority: 0,
  entryUrl: 'https://example.test/',
  userAgent: null,
  state: 'queued',
  agentId: null,
  url: null,
  createdAt: 0,
  acceptedAt: null,
  endedAt: null,
  endedBy: null,
  endReason: null,
  rating: null,
  lastSeq: 0,
});

describe('queue window deltas', () => {
  // Windows as permutations of a pool of ids with random field changes.
  const windowArb = fc
    .shuffledSubarray(['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q6', 'q7', 'q8', 'q9'])
    .chain((ids) => fc.tuple(...ids.map((id) => fc.record({ offeredToMe: fc.boolean(), canAccept: fc.boolean() }).map((f) => item(id, f)))));

  it('apply(prev, diff(prev, next)) is next, and an unchanged window gives no delta', () => {
    fc.assert(
      fc.property(windowArb, windowArb, fc.nat(20), fc.nat(20), (prev, next, pt, nt) => {
        const delta = diffQueueWindow(prev, pt, next, nt);
        if (delta === null) {
          expect(next).toEqual(prev);
          expect(nt).toBe(pt);
          return;
        }
        expect(v.safeParse(QueueDeltaFrame, { type: 'queue.delta', ...delta }).success).toBe(true);
        expect(applyQueueWindowDelta(prev, delta)).toEqual(next);
        expect(delta.total).toBe(nt);
      }),
      { numRuns: 2_000 },
    );
    const w = [item('a'), item('b')];
    expect(diffQueueWindow(w, 2, [...w], 2)).toBeNull();
  });

  it('a removal at the head moves nobody: the others close up', () => {
    const prev = ['a', 'b', 'c', 'd'].map((id) => item(id));
    const next = ['b', 'c', 'd', 'e'].map((id) => item(id));
    expect(diffQueueWindow(prev, 10, next, 9)).toEqual({ total: 9, removed: ['a'], added: [{ index: 3, item: item('e') }], moved: [], updated: [] });
  });

  it('an agent is sent the whole window once, then only changes, with the total', () => {
    const h = harness({ mode: 'manual' });
    const sessions = new Map<string, SessionRecord>();
    const sessionOf = (id: string) => sessions.get(id);
    h.apply(connect('a1'));
    for (let i = 0; i < 30; i++) {
      sessions.set(`v${i}`, record(`v${i}`));
      h.apply(join(`v${i}`));
    }
    const windows = new AgentQueueWindows(5);
    const first = windows.update(h.router, sessionOf, 'a1')!;
    expect(first.total).toBe(30);
    expect(first.added.map((a) => a.item.sessionId)).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    expect(windows.update(h.router, sessionOf, 'a1')).toBeNull();
    // A join at the tail changes only the count.
    sessions.set('v30', record('v30'));
    h.apply(join('v30'));
    expect(windows.update(h.router, sessionOf, 'a1')).toEqual({ type: 'queue.delta', total: 31, removed: [], added: [], moved: [], updated: [] });
    // The head leaves: one removal, one addition at the end of the window.
    h.apply({ type: 'visitor.leave', sessionId: 'v0' });
    const d = windows.update(h.router, sessionOf, 'a1')!;
    expect(d).toMatchObject({ total: 30, removed: ['v0'], added: [{ index: 4 }], moved: [], updated: [] });
    expect(d.added[0]!.item.sessionId).toBe('v5');
    // The console's copy, built from the deltas alone, equals the full view's first five.
    let copy: QueueItem[] = [];
    const replay = new AgentQueueWindows(5);
    for (const delta of [replay.update(h.router, sessionOf, 'a1')!]) copy = applyQueueWindowDelta(copy, delta);
    expect(copy).toEqual(queueItemsFor(h.router, sessionOf, 'a1').slice(0, 5));
    expect(queueWindowFor(h.router, sessionOf, 'a1', 5).items).toEqual(copy);
    windows.forget('a1');
    expect(windows.size).toBe(0);
  });

  it('shows an agent the offers it is ringing with beyond the window, so it can accept them', () => {
    // Auto mode: only the offered agent may accept. Under a storm the queue outgrows the window and
    // most offers sit further down; unseen, they would ring out and the visitors wait forever.
    const h = harness();
    const sessions = new Map<string, SessionRecord>();
    const sessionOf = (id: string) => sessions.get(id);
    h.apply(connect('a1', [], 10));
    h.apply(connect('a2', [], 10));
    for (let i = 0; i < 12; i++) {
      sessions.set(`v${i}`, record(`v${i}`));
      h.apply(join(`v${i}`));
    }
    const windows = new AgentQueueWindows(3);
    for (const agentId of ['a1', 'a2']) {
      const offered = h.router.queue().filter((q) => q.offeredTo === agentId).map((q) => q.sessionId);
      expect(offered.length).toBeGreaterThan(3);
      const first = windows.update(h.router, sessionOf, agentId)!;
      const items = first.added.map((a) => a.item);
      expect(first.total).toBe(12);
      // The first three in serving order, then every other offer to this agent, each acceptable.
      expect(items.slice(0, 3).map((q) => q.sessionId)).toEqual(['v0', 'v1', 'v2']);
      for (const id of offered) expect(items.find((q) => q.sessionId === id)).toMatchObject({ offeredToMe: true, canAccept: true });
      expect(items.length).toBe(3 + offered.filter((id) => !['v0', 'v1', 'v2'].includes(id)).length);
    }
  });

  it('follows a random run exactly: applying every delta reproduces the full view', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.constantFrom('join', 'leave', 'accept', 'decline', 'tick'), fc.nat(15)), { maxLength: 80 }), (ops) => {
        const h = harness();
        const sessions = new Map<string, SessionRecord>();
        const sessionOf = (id: string) => sessions.get(id);
        h.apply(connect('a1', [], 3));
        h.apply(connect('a2', [], 1));
        const windows = new AgentQueueWindows(4);
        const copies = new Map<string, QueueItem[]>([['a1', []], ['a2', []]]);
        for (const [op, n] of ops) {
          const id = `v${n}`;
          if (op === 'join') {
            sessions.set(id, record(id));
            h.apply(join(id));
          } else if (op === 'leave') h.apply({ type: 'visitor.leave', sessionId: id });
          else if (op === 'tick') h.tickAfter(600);
          else {
            const q = h.router.queue().find((e) => e.offeredTo !== null);
            if (q) h.apply({ type: op, agentId: q.offeredTo!, sessionId: q.sessionId });
          }
          for (const agentId of ['a1', 'a2']) {
            const delta = windows.update(h.router, sessionOf, agentId);
            if (delta) copies.set(agentId, applyQueueWindowDelta(copies.get(agentId)!, delta));
            const all = queueItemsFor(h.router, sessionOf, agentId);
            expect(copies.get(agentId)).toEqual([...all.slice(0, 4), ...all.slice(4).filter((q) => q.offeredToMe)]);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('position pushes', () => {
  it('sends a position only when it changed, at most once per interval, and forgets who left', () => {
    const h = harness({ mode: 'manual' });
    for (let i = 0; i < 5; i++) h.apply(join(`v${i}`));
    const pushes = new PositionPushes(1000, 250);
    const listening = (id: string) => (id === 'v4' ? undefined : null); // v4 has no socket here
    pushes.changed();
    let r = pushes.collect(h.router, h.now(), listening);
    expect(r.pushes.map((p) => [p.sessionId, p.position])).toEqual([
      ['v0', 1],
      ['v1', 2],
      ['v2', 3],
      ['v3', 4],
    ]);
    // Nothing changed: nothing sent, no timer needed.
    pushes.changed();
    h.advance(300);
    expect(pushes.collect(h.router, h.now(), listening)).toEqual({ pushes: [], nextAt: null });
    // v0 leaves 300 ms later: every position moved, but was sent under a second ago.
    h.apply({ type: 'visitor.leave', sessionId: 'v0' });
    pushes.changed();
    h.advance(300);
    r = pushes.collect(h.router, h.now(), listening);
    expect(r.pushes).toEqual([]);
    expect(r.nextAt).toBe(h.now() - 600 + 1000);
    h.advance(400);
    r = pushes.collect(h.router, h.now(), listening);
    expect(r.pushes.map((p) => [p.sessionId, p.position])).toEqual([
      ['v1', 1],
      ['v2', 2],
      ['v3', 3],
    ]);
    expect(r.nextAt).toBeNull();
    // The entry of the visitor who left is gone: the map never outgrows the queue.
    expect(pushes.size).toBe(3);
  });

  it('coalesces a storm into one pass per interval', () => {
    const h = harness({ mode: 'manual' });
    const pushes = new PositionPushes(1000, 250);
    let passes = 0;
    const router = new Proxy(h.router, {
      get: (t, k) => (k === 'positions' ? () => (passes++, t.positions()) : Reflect.get(t, k)),
    });
    for (let i = 0; i < 1000; i++) {
      h.apply(join(`v${i}`));
      h.advance(1);
      pushes.changed();
      pushes.collect(router, h.now(), () => null);
    }
    expect(passes).toBe(4); // at 1, 251, 501, 751 ms
  });

  it('ends 10,000 queued sessions and keeps nothing about them', () => {
    const h = harness({ mode: 'manual' });
    const pushes = new PositionPushes();
    for (let i = 0; i < 10_000; i++) h.apply(join(`v${i}`));
    pushes.changed();
    expect(pushes.collect(h.router, h.now(), () => null).pushes).toHaveLength(10_000);
    expect(pushes.current(h.router, h.now(), 'v9999', null)).toEqual({ sessionId: 'v9999', position: 10_000, agentsOnline: 0 });
    for (let i = 0; i < 10_000; i++) h.apply({ type: 'session.end', sessionId: `v${i}` });
    pushes.forget('v9999');
    h.advance(1000);
    pushes.changed();
    expect(pushes.collect(h.router, h.now(), () => null).pushes).toEqual([]);
    expect(pushes.size).toBe(0);
  });
});
