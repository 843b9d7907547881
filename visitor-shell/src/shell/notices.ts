// Small status surfaces: connection state ("Reconnecting…"), proxy problems with a link to the real
// page, sharing paused, and transient errors from the gateway.
import { h, show } from './dom.ts';
import { safeHttpUrl } from './format.ts';

export class Notices {
  readonly connection: HTMLElement;
  readonly problem: HTMLElement;
  readonly paused: HTMLElement;
  readonly error: HTMLElement;
  #problemText: HTMLElement;
  #problemLink: HTMLAnchorElement;
  #errorTimer: ReturnType<typeof setTimeout> | null = null;
  #everOpen = false;

  constructor(onResume: () => void) {
    this.connection = h('div', { class: 'cb-pill cb-conn', 'data-testid': 'connection-state', role: 'status', 'aria-live': 'polite' }, 'Connecting…');
    this.#problemText = h('p', {});
    this.#problemLink = h(
      'a',
      { class: 'cb-btn cb-btn-small', 'data-testid': 'problem-open-direct', target: '_blank', rel: 'noopener noreferrer', href: '#' },
      'Open the page directly',
    );
    this.problem = h(
      'div',
      { class: 'cb-banner cb-problem', 'data-testid': 'problem-notice', role: 'alert', hidden: true },
      h(
        'div',
        { class: 'cb-banner-text' },
        h('p', { class: 'cb-banner-title' }, 'This page can’t be shown in co-browsing'),
        this.#problemText,
        h('p', { class: 'cb-queue-note' }, 'You can still chat here. Opening the page directly leaves co-browsing: the agent won’t see it.'),
      ),
      h(
        'div',
        { class: 'cb-banner-actions' },
        this.#problemLink,
        h('button', { type: 'button', class: 'cb-icon-btn cb-close', 'aria-label': 'Dismiss', onclick: () => show(this.problem, false) }, '×'),
      ),
    );
    this.paused = h(
      'div',
      { class: 'cb-banner cb-paused', 'data-testid': 'sharing-paused', role: 'status', hidden: true },
      h('span', {}, 'Sharing is paused: the agent can’t see this page.'),
      h('button', { type: 'button', class: 'cb-btn cb-btn-small', onclick: onResume }, 'Resume sharing'),
    );
    this.error = h('div', { class: 'cb-toast cb-error', 'data-testid': 'shell-error', role: 'alert', hidden: true });
  }

  setConnection(state: 'connecting' | 'open' | 'closed'): void {
    if (state === 'open') {
      this.#everOpen = true;
      show(this.connection, false);
      return;
    }
    this.connection.textContent = this.#everOpen ? 'Reconnecting…' : 'Connecting…';
    show(this.connection, true);
  }

  hideConnection(): void {
    show(this.connection, false);
  }

  showProblem(message: string, url: string | null): void {
    this.#problemText.textContent = message;
    const safe = safeHttpUrl(url);
    if (safe) this.#problemLink.href = safe;
    show(this.#problemLink, !!safe);
    show(this.problem, true);
  }

  hideProblem(): void {
    show(this.problem, false);
  }

  setPaused(paused: boolean): void {
    show(this.paused, paused);
  }

  showError(message: string): void {
    this.error.textContent = message;
    show(this.error, true);
    if (this.#errorTimer) clearTimeout(this.#errorTimer);
    this.#errorTimer = setTimeout(() => show(this.error, false), 6000);
  }
}
