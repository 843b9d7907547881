import { describe, expect, it } from 'vitest';
import type { QueueItem } from '../../../protocol/index.ts';
import { diffQueueWindow } from '../../../protocol/queue-delta.ts';
import { ConsoleQueue, moreWaitingLabel } from '../../../agent-ui/src/lib/queue-window.ts';

const item = (id: string, over: Partial<QueueItem> = {}): QueueItem => ({
  sessionId: id,
  siteId: 'demo',
  department: null,
  entryUrl: `https://shop.test/${id}`,
  waitingSince: 1,
  priority: 0,
  offeredToMe: false,
  offerExpiresAt: null,
  canAccept: true,
  ...over,
});

describe('agent-ui queue window', () => {
  it('starts from the snapshot and follows deltas to the window the gateway holds', () => {
    const q = new ConsoleQueue();
    const first = [item('a'), item('b'), item('c')];
    expect(q.apply({ type: 'queue.snapshot', items: first, total: 7 })).toEqual({ items: first, total: 7, more: 4 });
    // The head was served, d joined the window's tail, b is now offered to this agent.
    const next = [item('b', { offeredToMe: true, offerExpiresAt: 99 }), item('c'), item('d')];
    const delta = diffQueueWindow(first, 7, next, 6)!;
    expect(delta.removed).toEqual(['a']);
    expect(delta.moved).toEqual([]);
    expect(q.apply({ type: 'queue.delta', ...delta })).toEqual({ items: next, total: 6, more: 3 });
  });

  it('takes an older gateway\'s whole queue (no total) as all there is', () => {
    const q = new ConsoleQueue();
    expect(q.apply({ type: 'queue.snapshot', items: [item('a')] }).more).toBe(0);
  });

  it('says how many wait beyond the window, and nothing when all are shown', () => {
    expect(moreWaitingLabel(0)).toBeNull();
    expect(moreWaitingLabel(-1)).toBeNull();
    expect(moreWaitingLabel(950)).toBe('950 more waiting');
  });
});
