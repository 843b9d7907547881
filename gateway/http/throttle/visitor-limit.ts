// Per-address limit on the visitor endpoints that create work (/start creates a session and queues
// it, offline messages are stored and webhooked, attachments are stored): N requests per address per
// minute, shared by all three and, in a cluster, by every instance (a fixed window, see policy.ts).
import { windowVerdict, type Verdict } from './policy.ts';
import type { ThrottleStore } from './store.ts';

const WINDOW_MS = 60_000;

export class VisitorLimit {
  constructor(
    private readonly store: ThrottleStore,
    private readonly perMinute: number,
  ) {}

  get enabled(): boolean {
    return this.perMinute > 0;
  }

  async take(address: string): Promise<Verdict> {
    if (!this.enabled) return { ok: true };
    const { count, ttlMs } = await this.store.hit(`visitor:${address}`, WINDOW_MS);
    return windowVerdict(count, ttlMs, this.perMinute);
  }
}
