// Remote-control consent: a modal asking whether the agent may click and type on the visitor's
// page, and while granted, a banner with a "Take back control" button.
import { h, show, trapFocus } from './dom.ts';
import { t } from '../i18n/current.ts';

export interface ConsentOptions {
  onAnswer: (allow: boolean) => void;
  onRevoke: () => void;
}

export class Consent {
  readonly dialog: HTMLElement;
  readonly banner: HTMLElement;
  #o: ConsentOptions;
  #text: HTMLElement;
  #bannerText: HTMLElement;
  #deny: HTMLButtonElement;
  #restoreFocus: Element | null = null;

  constructor(opts: ConsentOptions) {
    this.#o = opts;
    this.#text = h('p', { id: 'cb-consent-text' }, t('consent.ask', { name: t('agent.fallback') }));
    this.#deny = h('button', { type: 'button', class: 'cb-btn cb-btn-light', 'data-testid': 'consent-deny', onclick: () => this.#answer(false) }, t('consent.deny'));
    const allow = h('button', { type: 'button', class: 'cb-btn', 'data-testid': 'consent-allow', onclick: () => this.#answer(true) }, t('consent.allow'));
    this.dialog = h(
      'div',
      { class: 'cb-modal-backdrop', hidden: true },
      h(
        'div',
        {
          class: 'cb-modal',
          role: 'alertdialog',
          'aria-modal': 'true',
          'aria-labelledby': 'cb-consent-title',
          'aria-describedby': 'cb-consent-text',
          'data-testid': 'consent-dialog',
          onkeydown: (ev: KeyboardEvent) => {
            if (ev.key === 'Escape') this.#answer(false);
            else trapFocus(ev.currentTarget as HTMLElement, ev);
          },
        },
        h('h2', { id: 'cb-consent-title' }, t('consent.title')),
        this.#text,
        h('p', { class: 'cb-muted' }, t('consent.detail')),
        h('div', { class: 'cb-actions' }, this.#deny, allow),
      ),
    );
    this.#bannerText = h('span', {}, t('consent.granted', { name: t('agent.fallback') }));
    this.banner = h(
      'div',
      { class: 'cb-banner cb-control', 'data-testid': 'control-banner', role: 'status', hidden: true },
      this.#bannerText,
      h('button', { type: 'button', class: 'cb-btn cb-btn-small', 'data-testid': 'control-revoke', onclick: () => this.#o.onRevoke() }, t('consent.revoke')),
    );
  }

  ask(agentName: string): void {
    this.#text.textContent = t('consent.ask', { name: agentName });
    this.#restoreFocus = document.activeElement;
    show(this.dialog, true);
    this.#deny.focus();
  }

  get open(): boolean {
    return !this.dialog.hidden;
  }

  close(): void {
    if (!this.open) return;
    show(this.dialog, false);
    if (this.#restoreFocus instanceof HTMLElement) this.#restoreFocus.focus({ preventScroll: true });
  }

  setGranted(granted: boolean, agentName: string): void {
    this.#bannerText.textContent = t('consent.granted', { name: agentName });
    show(this.banner, granted);
  }

  #answer(allow: boolean): void {
    if (!this.open) return;
    this.close();
    this.#o.onAnswer(allow);
  }
}
