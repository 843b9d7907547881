// Messages visitors left while nobody could take them (GET /api/offline-messages). The gateway has
// no push for them, so the console polls while it is open (and reloads when the inbox is opened).
import { listOfflineMessages, markOfflineHandled, type OfflineMessage } from './api.ts';

const POLL_MS = 60_000;

export class OfflineInbox {
  messages = $state.raw<OfflineMessage[]>([]);
  loaded = $state(false);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Ids being marked handled. */
  marking = $state<string[]>([]);

  unhandled = $derived(this.messages.filter((m) => !m.handledBy).length);

  #timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    if (this.#timer) return;
    void this.load();
    this.#timer = setInterval(() => void this.load(), POLL_MS);
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async load(): Promise<void> {
    if (this.loading) return;
    this.loading = true;
    try {
      this.messages = [...(await listOfflineMessages())].sort((a, b) => b.createdAt - a.createdAt);
      this.error = null;
      this.loaded = true;
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    } finally {
      this.loading = false;
    }
  }

  /** Returns an error message, or null. `by` is this agent's id (shown until the next reload). */
  async markHandled(id: string, by: string): Promise<string | null> {
    if (this.marking.includes(id)) return null;
    this.marking = [...this.marking, id];
    try {
      await markOfflineHandled(id);
      this.messages = this.messages.map((m) => (m.id === id ? { ...m, handledBy: by } : m));
      return null;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    } finally {
      this.marking = this.marking.filter((x) => x !== id);
    }
  }
}
