// Ending the chat: a small confirm panel with an optional 1–5 rating (sent with the one `end`
// frame), then the end screen with the transcript download and a way back to the real page. The
// same screen confirms an offline message ("Message sent").
import { h, show, trapFocus } from './dom.ts';
import { transcriptHref } from './format.ts';
import { i18n, t } from '../i18n/current.ts';

export interface EndPanelOptions {
  sessionId: string;
  onConfirm: (rating: number | undefined) => void;
}

export class EndPanel {
  readonly confirm: HTMLElement;
  readonly screen: HTMLElement;
  #o: EndPanelOptions;
  #rating: number | undefined;
  #stars: HTMLInputElement[] = [];
  #screenTitle: HTMLElement;
  #screenText: HTMLElement;
  #thanks: HTMLElement;
  #when: HTMLElement;
  #sent: HTMLElement;
  #back: HTMLAnchorElement;
  #restoreFocus: Element | null = null;

  constructor(opts: EndPanelOptions) {
    this.#o = opts;
    const stars = h('div', { class: 'cb-stars' });
    for (let n = 1; n <= 5; n++) {
      const input = h('input', {
        type: 'radio',
        name: 'cb-rating',
        value: n,
        id: `cb-rating-${n}`,
        class: 'cb-star-input',
        'data-testid': `rating-${n}`,
        onchange: () => this.#setRating(n),
      });
      this.#stars.push(input);
      // The (transparent) radio covers its star: clicks, taps and keyboard all hit the real input.
      stars.append(h('label', { class: 'cb-star', title: t('end.starTitle', { n }) }, input, h('span', { class: 'cb-sr' }, t('end.star', { n }))));
    }
    const confirmBtn = h('button', { type: 'button', class: 'cb-btn cb-btn-danger', 'data-testid': 'end-confirm', onclick: () => this.#o.onConfirm(this.#rating) }, t('end.confirm'));
    this.confirm = h(
      'div',
      { class: 'cb-modal-backdrop', hidden: true },
      h(
        'div',
        {
          class: 'cb-modal',
          role: 'dialog',
          'aria-modal': 'true',
          'aria-labelledby': 'cb-end-title',
          'aria-describedby': 'cb-end-detail',
          'data-testid': 'end-panel',
          onkeydown: (ev: KeyboardEvent) => {
            if (ev.key === 'Escape') this.closeConfirm();
            else trapFocus(ev.currentTarget as HTMLElement, ev);
          },
        },
        h('h2', { id: 'cb-end-title' }, t('end.title')),
        h('p', { class: 'cb-muted', id: 'cb-end-detail' }, t('end.detail')),
        h('fieldset', { class: 'cb-rating' }, h('legend', {}, t('end.rate')), stars),
        h(
          'div',
          { class: 'cb-actions' },
          h('button', { type: 'button', class: 'cb-btn cb-btn-light', 'data-testid': 'end-cancel', onclick: () => this.closeConfirm() }, t('end.keep')),
          confirmBtn,
        ),
      ),
    );

    this.#screenTitle = h('h1', { id: 'cb-ended-title' }, t('ended.title'));
    this.#screenText = h('p', { class: 'cb-muted', id: 'cb-ended-text', 'data-testid': 'end-reason' }, t('ended.thanks'));
    this.#thanks = h('p', { 'data-testid': 'rating-thanks', hidden: true });
    this.#when = h('p', { class: 'cb-muted', 'data-testid': 'ended-at', hidden: true });
    this.#sent = h('p', { class: 'cb-sent', 'data-testid': 'offline-sent', role: 'status', hidden: true });
    this.#back = h('a', { class: 'cb-btn', 'data-testid': 'return-to-site', rel: 'noreferrer', href: '#' }, t('ended.back'));
    this.screen = h(
      'div',
      {
        class: 'cb-end-screen',
        'data-testid': 'end-screen',
        role: 'dialog',
        'aria-modal': 'true',
        'aria-labelledby': 'cb-ended-title',
        'aria-describedby': 'cb-ended-text',
        hidden: true,
        onkeydown: (ev: KeyboardEvent) => trapFocus(ev.currentTarget as HTMLElement, ev),
      },
      h(
        'div',
        { class: 'cb-end-card' },
        h('div', { class: 'cb-end-icon', 'aria-hidden': 'true' }),
        this.#screenTitle,
        this.#screenText,
        this.#sent,
        this.#thanks,
        this.#when,
        h(
          'div',
          { class: 'cb-actions cb-actions-center' },
          h('a', { class: 'cb-btn cb-btn-light', 'data-testid': 'transcript-link', href: transcriptHref(opts.sessionId), download: 'chat-transcript.txt' }, t('ended.transcript')),
          this.#back,
        ),
      ),
    );
  }

  openConfirm(): void {
    this.#restoreFocus = document.activeElement;
    show(this.confirm, true);
    (this.#stars.find((s) => s.checked) ?? this.#stars[4]).focus();
  }

  closeConfirm(): void {
    if (this.confirm.hidden) return;
    show(this.confirm, false);
    if (this.#restoreFocus instanceof HTMLElement) this.#restoreFocus.focus({ preventScroll: true });
  }

  get rating(): number | undefined {
    return this.#rating;
  }

  /** The offline message was stored (the gateway ends the session): confirm it on the end screen. */
  showOfflineSent(name: string, email: string, backUrl: string | null): void {
    this.showEnded(t('ended.generic'), backUrl, undefined);
    this.#screenTitle.textContent = t('offline.sentTitle');
    this.#screenText.textContent = t('offline.sentText');
    this.#sent.textContent = t('offline.sentThanks', { name, email });
    show(this.#sent, true);
  }

  /** Show the end screen. `backUrl` is the real page (leaving co-browsing). */
  showEnded(text: string, backUrl: string | null, rated: number | undefined): void {
    show(this.confirm, false);
    if (!this.#sent.hidden) return; // "Message sent" stays; the gateway's `ended` follows it
    this.#screenText.textContent = text;
    this.#when.textContent = t('ended.at', { time: i18n().time(Date.now()) });
    show(this.#when, true);
    if (rated) {
      this.#thanks.textContent = t('ended.rated', { n: rated });
      show(this.#thanks, true);
    }
    if (backUrl) this.#back.href = backUrl;
    show(this.#back, !!backUrl);
    show(this.screen, true);
    this.#screenTitle.tabIndex = -1;
    this.#screenTitle.focus();
  }

  #setRating(n: number): void {
    this.#rating = n;
    this.#stars.forEach((s, i) => s.parentElement?.classList.toggle('cb-on', i < n));
  }
}
