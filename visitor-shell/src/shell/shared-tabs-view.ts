// The visitor's shared tabs (a strip shown once the page opened a second window) and the escape
// notice ("part of this page left co-browsing"). Tabs are buttons in a tablist: the active one has
// aria-selected; each inactive tab can be closed. The notice is a status banner the visitor can
// dismiss; it is replaced by the next escape and cleared when a new page reports ready.
import type { TabState } from '../common/shared-tabs.ts';
import { h, show } from './dom.ts';

export class SharedTabsView {
  readonly strip: HTMLElement;
  readonly escape: HTMLElement;
  #escapeText: HTMLElement;
  #onSwitch: (id: string) => void;
  #onClose: (id: string) => void;

  constructor(onSwitch: (id: string) => void, onClose: (id: string) => void) {
    this.#onSwitch = onSwitch;
    this.#onClose = onClose;
    this.strip = h('div', { class: 'cb-tabs', role: 'tablist', 'aria-label': 'Shared tabs', 'data-testid': 'shared-tabs', hidden: true });
    this.#escapeText = h('p', {});
    this.escape = h(
      'div',
      { class: 'cb-banner cb-escape', 'data-testid': 'escape-notice', role: 'status', hidden: true },
      h('div', { class: 'cb-banner-text' }, this.#escapeText),
      h('button', { type: 'button', class: 'cb-icon-btn cb-close', 'aria-label': 'Dismiss', onclick: () => show(this.escape, false) }, '×'),
    );
  }

  render(st: TabState): void {
    this.strip.replaceChildren();
    show(this.strip, st.tabs.length > 1);
    st.tabs.forEach((t, i) => {
      const active = t.id === st.active;
      const label = t.title || hostPath(t.url);
      const tab = h(
        'button',
        { type: 'button', role: 'tab', class: 'cb-tab', 'aria-selected': String(active), 'data-testid': 'shared-tab', 'data-tab-id': t.id, title: t.url, onclick: () => this.#onSwitch(t.id) },
        `${i + 1}. ${label}`,
      );
      this.strip.append(tab);
      if (!active) {
        this.strip.append(h('button', { type: 'button', class: 'cb-icon-btn cb-tab-close', 'aria-label': `Close tab ${i + 1}`, 'data-testid': 'shared-tab-close', onclick: () => this.#onClose(t.id) }, '×'));
      }
    });
  }

  showEscape(message: string): void {
    this.#escapeText.textContent = message;
    show(this.escape, true);
  }

  hideEscape(): void {
    show(this.escape, false);
  }
}

function hostPath(url: string): string {
  try {
    const u = new URL(url);
    return (u.host + u.pathname).slice(0, 60);
  } catch {
    return url.slice(0, 60);
  }
}
