// The console's queue: the gateway sends the first entries of this agent's queue (the window) once,
// then only deltas, with how many wait in all. This keeps the window and says what is not shown.
import type { QueueItem, ServerFrameOf } from '../../../protocol/index.ts';
import { QueueWindowCopy } from '../../../protocol/queue-delta.ts';

export type QueueFrame = ServerFrameOf<'queue.snapshot'> | ServerFrameOf<'queue.delta'>;

export class ConsoleQueue {
  readonly #copy = new QueueWindowCopy();

  /** Applies a queue frame: the window after it, and how many wait beyond it. */
  apply(f: QueueFrame): { items: QueueItem[]; total: number; more: number } {
    const items = this.#copy.apply(f);
    return { items, total: this.#copy.total, more: this.#copy.more };
  }
}

/** "N more waiting" under the list; null when the whole queue is shown. */
export function moreWaitingLabel(more: number): string | null {
  return more > 0 ? `${more} more waiting` : null;
}
