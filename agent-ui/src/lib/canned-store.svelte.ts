// The agent's canned responses (their own and the shared ones), loaded once per console and kept in
// sync with what this console adds or deletes.
import { addCanned, deleteCanned, listCanned, type CannedResponse } from './api.ts';

export class CannedStore {
  items = $state.raw<CannedResponse[]>([]);
  loaded = $state(false);
  error = $state<string | null>(null);
  busy = $state(false);

  async load(): Promise<void> {
    try {
      this.items = sortByShortcut(await listCanned());
      this.error = null;
      this.loaded = true;
    } catch (e) {
      this.error = message(e);
    }
  }

  /** Returns an error message to show, or null on success. */
  async add(input: { shortcut: string; text: string; shared?: boolean }): Promise<string | null> {
    if (this.busy) return null;
    this.busy = true;
    try {
      const c = await addCanned({ ...input, shortcut: input.shortcut.trim().replace(/^\//, '') });
      this.items = sortByShortcut([...this.items, c]);
      return null;
    } catch (e) {
      return message(e);
    } finally {
      this.busy = false;
    }
  }

  async remove(id: string): Promise<string | null> {
    try {
      await deleteCanned(id);
      this.items = this.items.filter((c) => c.id !== id);
      return null;
    } catch (e) {
      return message(e);
    }
  }
}

const sortByShortcut = (list: CannedResponse[]) => [...list].sort((a, b) => a.shortcut.localeCompare(b.shortcut));
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
