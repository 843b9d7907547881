// What this instance keeps about a live session beside its record, in one place so that one
// `forget()` drops all of it when the session ends (here or on another instance): remote-control
// consent, sharing, read receipts, the offline-form offer, the visitor's viewport, and the last
// queue position pushed (with its throttle timer).
import type { ServerFrameOf } from '../../protocol/index.ts';

export interface Extras {
  /** The visitor granted remote control. */
  control: boolean;
  /** The visitor shares their page (false while paused). */
  sharing: boolean;
  /** Last read receipt of each party, replayed on hello so "Seen" survives a reload. */
  reads: { visitor?: number; agent?: number };
  /** Offered the offline-message form; re-offered when they (re)connect while still queued. */
  overflow?: 'no-agents' | 'wait-exceeded';
  /** Last viewport the visitor reported, replayed to an agent who joins later. */
  viewport?: ServerFrameOf<'viewport'>;
  /** Last queue position pushed to the visitor, and when (pushes are throttled to one a second). */
  lastPosition?: { key: string; at: number };
  positionTimer?: ReturnType<typeof setTimeout>;
}

export class SessionExtras {
  #by = new Map<string, Extras>();

  get(sessionId: string): Extras | undefined {
    return this.#by.get(sessionId);
  }

  /** The session's record, created on first use. */
  of(sessionId: string): Extras {
    let x = this.#by.get(sessionId);
    if (!x) this.#by.set(sessionId, (x = { control: false, sharing: true, reads: {} }));
    return x;
  }

  forget(sessionId: string): void {
    const x = this.#by.get(sessionId);
    if (!x) return;
    if (x.positionTimer) clearTimeout(x.positionTimer);
    this.#by.delete(sessionId);
  }

  get size(): number {
    return this.#by.size;
  }

  close(): void {
    for (const x of this.#by.values()) if (x.positionTimer) clearTimeout(x.positionTimer);
  }
}
