// Queue changes for an agent's console: instead of the whole queue on every change, the gateway
// sends the first `limit` entries once, then only what changed in that window (removed, added,
// moved, updated) and the total count. Runtime-neutral: the gateway diffs, the console applies, with
// the same two functions, and applyQueueWindowDelta(prev, diffQueueWindow(prev, next)) is next.
import { QueueDeltaFrame, type QueueItem, type ServerFrameOf } from './messages.ts';

// The frame's schema lives in messages.ts (in the ServerFrame union); re-exported for the diff's users.
export { QueueDeltaFrame };
export type QueueWindowDelta = Omit<QueueDeltaFrame, 'type'>;

function sameItem(a: QueueItem, b: QueueItem): boolean {
  return (
    a.sessionId === b.sessionId &&
    a.siteId === b.siteId &&
    a.department === b.department &&
    a.entryUrl === b.entryUrl &&
    a.waitingSince === b.waitingSince &&
    a.priority === b.priority &&
    a.offeredToMe === b.offeredToMe &&
    a.offerExpiresAt === b.offerExpiresAt &&
    a.canAccept === b.canAccept
  );
}

/**
 * What turns window `prev` into `next`; null when nothing changed (same items, same total). Items
 * kept in both keep their place unless they are outside a longest run in the same relative order
 * (a longest increasing subsequence), so a removal at the head moves nobody: the others close up.
 * O(w log w) in the window size w.
 */
export function diffQueueWindow(prev: readonly QueueItem[], prevTotal: number, next: readonly QueueItem[], total: number): QueueWindowDelta | null {
  const nextIndex = new Map<string, number>();
  next.forEach((q, i) => nextIndex.set(q.sessionId, i));
  const prevById = new Map<string, QueueItem>();
  for (const q of prev) prevById.set(q.sessionId, q);
  const removed: string[] = [];
  const kept: { id: string; to: number }[] = [];
  for (const q of prev) {
    const to = nextIndex.get(q.sessionId);
    if (to === undefined) removed.push(q.sessionId);
    else kept.push({ id: q.sessionId, to });
  }
  const stay = longestIncreasing(kept.map((k) => k.to));
  const moved: { sessionId: string; index: number }[] = [];
  kept.forEach((k, i) => {
    if (!stay.has(i)) moved.push({ sessionId: k.id, index: k.to });
  });
  const added: { index: number; item: QueueItem }[] = [];
  const updated: QueueItem[] = [];
  next.forEach((q, index) => {
    const before = prevById.get(q.sessionId);
    if (!before) added.push({ index, item: q });
    else if (!sameItem(before, q)) updated.push(q);
  });
  if (removed.length === 0 && added.length === 0 && moved.length === 0 && updated.length === 0 && total === prevTotal) return null;
  return { total, removed, added, moved, updated };
}

/** Indexes (into xs) of one longest strictly increasing subsequence. */
function longestIncreasing(xs: readonly number[]): Set<number> {
  const tails: number[] = []; // index into xs of the smallest tail of each length
  const parent = new Array<number>(xs.length).fill(-1);
  for (let i = 0; i < xs.length; i++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[tails[mid]!]! < xs[i]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) parent[i] = tails[lo - 1]!;
    tails[lo] = i;
  }
  const out = new Set<number>();
  for (let i = tails.length > 0 ? tails[tails.length - 1]! : -1; i >= 0; i = parent[i]!) out.add(i);
  return out;
}

/**
 * The window after `delta`: drop the removed, put added and moved items at their indexes, fill the
 * other slots with the remaining items in their previous order, then apply the updates.
 */
export function applyQueueWindowDelta(prev: readonly QueueItem[], delta: QueueWindowDelta): QueueItem[] {
  const removed = new Set(delta.removed);
  const movedTo = new Map(delta.moved.map((m) => [m.sessionId, m.index]));
  const kept = prev.filter((q) => !removed.has(q.sessionId));
  const size = kept.length + delta.added.length;
  const out = new Array<QueueItem | undefined>(size).fill(undefined);
  for (const a of delta.added) out[a.index] = a.item;
  const stay: QueueItem[] = [];
  for (const q of kept) {
    const to = movedTo.get(q.sessionId);
    if (to !== undefined) out[to] = q;
    else stay.push(q);
  }
  let j = 0;
  for (let i = 0; i < size; i++) if (out[i] === undefined) out[i] = stay[j++];
  const updates = new Map(delta.updated.map((q) => [q.sessionId, q]));
  return out.map((q) => updates.get(q!.sessionId) ?? q!);
}

/**
 * A client's copy of its queue window: a `queue.snapshot` replaces it, a `queue.delta` patches it.
 * The console, the bench's agents and the test peers all follow the queue with this one class.
 */
export class QueueWindowCopy {
  items: QueueItem[] = [];
  total = 0;

  /** Applies a queue frame; returns the window after it. */
  apply(f: ServerFrameOf<'queue.snapshot'> | QueueDeltaFrame): QueueItem[] {
    if (f.type === 'queue.snapshot') {
      this.items = f.items;
      this.total = f.total ?? f.items.length;
    } else {
      this.items = applyQueueWindowDelta(this.items, f);
      this.total = f.total;
    }
    return this.items;
  }

  /** Waiting beyond the window ("N more waiting"). */
  get more(): number {
    return Math.max(0, this.total - this.items.length);
  }
}
