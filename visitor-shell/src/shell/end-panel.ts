// Ending the chat: a small confirm panel with an optional 1–5 rating (sent with the one `end`
// frame), then the end screen with the transcript download and a way back to the real page. The
// same screen confirms an offline message ("Message sent").
import { h, show } from './dom.ts';
import { transcriptHref } from './format.ts';

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
      stars.append(h('label', { class: 'cb-star', title: `${n} of 5` }, input, h('span', { class: 'cb-sr' }, `${n} star${n === 1 ? '' : 's'}`)));
    }
    const confirmBtn = h('button', { type: 'button', class: 'cb-btn cb-btn-danger', 'data-testid': 'end-confirm', onclick: () => this.#o.onConfirm(this.#rating) }, 'End chat');
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
          'data-testid': 'end-panel',
          onkeydown: (ev: KeyboardEvent) => ev.key === 'Escape' && this.closeConfirm(),
        },
        h('h2', { id: 'cb-end-title' }, 'End chat?'),
        h('p', { class: 'cb-muted' }, 'The agent will stop seeing this page.'),
        h('fieldset', { class: 'cb-rating' }, h('legend', {}, 'How was your chat? (optional)'), stars),
        h(
          'div',
          { class: 'cb-actions' },
          h('button', { type: 'button', class: 'cb-btn cb-btn-light', 'data-testid': 'end-cancel', onclick: () => this.closeConfirm() }, 'Keep chatting'),
          confirmBtn,
        ),
      ),
    );

    this.#screenTitle = h('h1', { id: 'cb-ended-title' }, 'Chat ended');
    this.#screenText = h('p', { class: 'cb-muted', 'data-testid': 'end-reason' }, 'Thanks for chatting with us.');
    this.#thanks = h('p', { 'data-testid': 'rating-thanks', hidden: true });
    this.#sent = h('p', { class: 'cb-sent', 'data-testid': 'offline-sent', role: 'status', hidden: true });
    this.#back = h('a', { class: 'cb-btn', 'data-testid': 'return-to-site', rel: 'noreferrer', href: '#' }, 'Back to the website');
    this.screen = h(
      'div',
      { class: 'cb-end-screen', 'data-testid': 'end-screen', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'cb-ended-title', hidden: true },
      h(
        'div',
        { class: 'cb-end-card' },
        h('div', { class: 'cb-end-icon', 'aria-hidden': 'true' }),
        this.#screenTitle,
        this.#screenText,
        this.#sent,
        this.#thanks,
        h(
          'div',
          { class: 'cb-actions cb-actions-center' },
          h('a', { class: 'cb-btn cb-btn-light', 'data-testid': 'transcript-link', href: transcriptHref(opts.sessionId), download: 'chat-transcript.txt' }, 'Download transcript'),
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
    this.showEnded('This chat has ended.', backUrl, undefined);
    this.#screenTitle.textContent = 'Message sent';
    this.#screenText.textContent = 'Nobody could take your chat just now, so we passed on your message.';
    this.#sent.textContent = `Thanks, ${name}. We will reply to ${email} as soon as we can.`;
    show(this.#sent, true);
  }

  /** Show the end screen. `backUrl` is the real page (leaving co-browsing). */
  showEnded(text: string, backUrl: string | null, rated: number | undefined): void {
    show(this.confirm, false);
    if (!this.#sent.hidden) return; // "Message sent" stays; the gateway's `ended` follows it
    this.#screenText.textContent = text;
    if (rated) {
      this.#thanks.textContent = `Thanks for rating this chat ${rated} out of 5.`;
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
