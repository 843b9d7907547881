// Small status surfaces: connection state ("Reconnecting…"), proxy problems with a link to the real
// page, sharing paused, and transient errors from the gateway.
import { h, show } from './dom.ts';
import { safeHttpUrl } from './format.ts';
import { t } from '../i18n/current.ts';

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
    this.connection = h('div', { class: 'cb-pill cb-conn', 'data-testid': 'connection-state', role: 'status', 'aria-live': 'polite' }, t('conn.connecting'));
    this.#problemText = h('p', {});
    this.#problemLink = h(
      'a',
      { class: 'cb-btn cb-btn-small', 'data-testid': 'problem-open-direct', target: '_blank', rel: 'noopener noreferrer', href: '#' },
      t('problem.open'),
    );
    this.problem = h(
      'div',
      { class: 'cb-banner cb-problem', 'data-testid': 'problem-notice', role: 'alert', hidden: true },
      h(
        'div',
        { class: 'cb-banner-text' },
        h('p', { class: 'cb-banner-title' }, t('problem.title')),
        this.#problemText,
        h('p', { class: 'cb-queue-note' }, t('problem.note')),
      ),
      h(
        'div',
        { class: 'cb-banner-actions' },
        this.#problemLink,
        h('button', { type: 'button', class: 'cb-icon-btn cb-close', 'aria-label': t('problem.dismiss'), onclick: () => show(this.problem, false) }, h('span', { 'aria-hidden': 'true' }, '×')),
      ),
    );
    this.paused = h(
      'div',
      { class: 'cb-banner cb-paused', 'data-testid': 'sharing-paused', role: 'status', hidden: true },
      h('span', {}, t('paused.text')),
      h('button', { type: 'button', class: 'cb-btn cb-btn-small', onclick: onResume }, t('paused.resume')),
    );
    this.error = h('div', { class: 'cb-toast cb-error', 'data-testid': 'shell-error', role: 'alert', hidden: true });
  }

  setConnection(state: 'connecting' | 'open' | 'closed'): void {
    if (state === 'open') {
      this.#everOpen = true;
      show(this.connection, false);
      return;
    }
    this.connection.textContent = this.#everOpen ? t('conn.reconnecting') : t('conn.connecting');
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
