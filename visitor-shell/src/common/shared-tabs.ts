// The shared tab list both parties see (Surfly-style): a new window or `target=_blank` link opened
// from the co-browsed page becomes a tab and takes over the shared view; the other tabs are the way
// back. Pure: the bridge feeds it the frame's pages and the other party's `tabs` frames. The whole
// list travels in each `tabs` frame, so the last frame wins and nothing needs merging.
import { MAX_SHARED_TABS, type SharedTab } from '../../../protocol/index.ts';

export interface TabState {
  tabs: SharedTab[];
  active: string;
}

let counter = 0;
const newId = () => `${Math.random().toString(36).slice(2, 8)}${(++counter).toString(36)}`;

export class SharedTabs {
  tabs: SharedTab[] = [];
  active = '';

  state(): TabState {
    return { tabs: this.tabs.map((t) => ({ ...t })), active: this.active };
  }

  /** This frame shows a page: it is the active tab's (the first page makes the first tab). */
  onPage(url: string, title?: string): void {
    const t = this.tabs.find((x) => x.id === this.active);
    if (!t) {
      this.tabs = [{ id: newId(), url, title }];
      this.active = this.tabs[0].id;
      return;
    }
    t.url = url;
    if (title !== undefined) t.title = title.slice(0, 300);
  }

  /** The page opened a new window: a new active tab (the oldest inactive one goes past the limit). */
  open(url: string): TabState {
    if (!this.tabs.length) this.onPage(url);
    const tab: SharedTab = { id: newId(), url };
    const at = this.tabs.findIndex((x) => x.id === this.active);
    this.tabs.splice(at + 1, 0, tab);
    while (this.tabs.length > MAX_SHARED_TABS) this.tabs.splice(this.tabs.findIndex((x) => x.id !== tab.id), 1);
    this.active = tab.id;
    return this.state();
  }

  /** Switch to a tab: its URL, or null when it is unknown or already active. */
  activate(id: string): string | null {
    const t = this.tabs.find((x) => x.id === id);
    if (!t || id === this.active) return null;
    this.active = id;
    return t.url;
  }

  /** Close a tab; when it was the active one, the URL of the tab now shown (its left neighbour). */
  close(id: string): string | null {
    const at = this.tabs.findIndex((x) => x.id === id);
    if (at < 0 || this.tabs.length < 2) return null;
    this.tabs.splice(at, 1);
    if (id !== this.active) return null;
    const next = this.tabs[Math.max(0, at - 1)];
    this.active = next.id;
    return next.url;
  }

  /** The other party's list. */
  replace(tabs: SharedTab[], active: string): void {
    if (!tabs.length) return;
    this.tabs = tabs.slice(0, MAX_SHARED_TABS).map((t) => ({ ...t }));
    this.active = this.tabs.some((t) => t.id === active) ? active : this.tabs[0].id;
  }
}
