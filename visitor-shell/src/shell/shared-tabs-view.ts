// The visitor's shared tabs (a strip shown once the page opened a second window) and the escape
// notice ("part of this page left co-browsing"). Tabs are a labelled group of buttons, not an ARIA
// tablist (each inactive tab carries a close button, which a tablist may not contain); the shown
// tab has aria-current. The notice is a status banner the visitor can dismiss; it is replaced by
// the next escape and cleared when a new page reports ready.
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
    this.strip = h('nav', { class: 'cb-tabs', 'aria-label': 'Shared tabs', 'data-testid': 'shared-tabs', hidden: true });
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
        { type: 'button', class: 'cb-tab', 'aria-current': active ? 'page' : null, 'data-testid': 'shared-tab', 'data-tab-id': t.id, title: t.url, onclick: () => this.#onSwitch(t.id) },
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
