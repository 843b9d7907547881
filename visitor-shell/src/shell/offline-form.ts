// "No agent is available right now — leave a message": shown in the chat panel when the gateway
// sends `offline.offer` (nobody online, or the wait is too long). Name, email and message are
// POSTed to /api/offline-messages; the gateway stores them and ends the session. The visitor may
// also keep waiting (the form closes; a button in the panel's toolbar brings it back).
import { h, show } from './dom.ts';
import { offlinePayload, postOfflineMessage, type OfflineInput, type OfflinePayload, type Result } from './api.ts';
import { t } from '../i18n/current.ts';

export interface OfflineFormOptions {
  sessionId: string;
  siteId: string;
  /** Injectable for tests; defaults to the real POST. */
  post?: (payload: OfflinePayload) => Promise<Result>;
  /** Sending started: the session is about to end (the `ended` frame may arrive before the reply). */
  onSending: () => void;
  /** The gateway stored the message. */
  onSent: (input: OfflineInput) => void;
  /** Sending failed: the chat goes on. */
  onFailed: () => void;
  /** The visitor chose to keep waiting. */
  onDismiss: () => void;
}

export class OfflineForm {
  /** The form, for the chat panel's slot. */
  readonly el: HTMLFormElement;
  /** "Leave a message" in the toolbar, shown after the visitor chose to keep waiting. */
  readonly reopen: HTMLButtonElement;
  #o: OfflineFormOptions;
  #name: HTMLInputElement;
  #email: HTMLInputElement;
  #message: HTMLTextAreaElement;
  #error: HTMLElement;
  #submit: HTMLButtonElement;
  #dismiss: HTMLButtonElement;
  #intro: HTMLElement;
  #busy = false;

  constructor(opts: OfflineFormOptions) {
    this.#o = opts;
    this.#name = h('input', { id: 'cb-off-name', type: 'text', required: true, maxlength: 120, autocomplete: 'name', 'data-testid': 'offline-name' });
    this.#email = h('input', { id: 'cb-off-email', type: 'email', required: true, maxlength: 254, autocomplete: 'email', inputmode: 'email', 'data-testid': 'offline-email' });
    this.#message = h('textarea', { id: 'cb-off-message', required: true, maxlength: 4000, rows: 4, 'data-testid': 'offline-message' });
    this.#error = h('p', { class: 'cb-form-error', 'data-testid': 'offline-error', role: 'alert', hidden: true });
    this.#submit = h('button', { type: 'submit', class: 'cb-btn', 'data-testid': 'offline-submit' }, t('offline.send'));
    this.#dismiss = h('button', { type: 'button', class: 'cb-btn cb-btn-light', 'data-testid': 'offline-dismiss', onclick: () => this.#o.onDismiss() }, t('offline.keepWaiting'));
    this.#intro = h('p', { class: 'cb-muted' }, t('offline.intro'));
    this.el = h(
      'form',
      {
        class: 'cb-offline',
        'data-testid': 'offline-form',
        'aria-labelledby': 'cb-off-title',
        novalidate: true,
        onsubmit: (ev: SubmitEvent) => {
          ev.preventDefault();
          void this.#send();
        },
      },
      h('h3', { id: 'cb-off-title', class: 'cb-offline-title' }, t('offline.title')),
      this.#intro,
      field('cb-off-name', t('offline.name'), this.#name),
      field('cb-off-email', t('offline.email'), this.#email),
      field('cb-off-message', t('offline.message'), this.#message),
      this.#error,
      h('div', { class: 'cb-actions' }, this.#dismiss, this.#submit),
    );
    // Correcting a field clears the complaint about it.
    this.el.addEventListener('input', (ev) => {
      if (!(ev.target instanceof HTMLElement) || !ev.target.hasAttribute('aria-invalid')) return;
      ev.target.removeAttribute('aria-invalid');
      this.#showError(null);
    });
    this.reopen = h('button', { type: 'button', class: 'cb-tool', 'data-testid': 'offline-open', hidden: true }, t('tool.leaveMessage'));
  }

  /** Fill in what we already know when the form opens (never overwrites what the visitor typed). */
  prepare(reason: 'no-agents' | 'wait-exceeded', earlierMessages: string[]): void {
    this.#intro.textContent =
      reason === 'wait-exceeded'
        ? t('offline.introWait')
        : t('offline.intro');
    if (!this.#message.value.trim() && earlierMessages.length) this.#message.value = earlierMessages.join('\n').slice(0, 4000);
    this.#showError(null);
  }

  focus(): void {
    (this.#name.value ? (this.#email.value ? this.#message : this.#email) : this.#name).focus({ preventScroll: true });
  }

  async #send(): Promise<void> {
    if (this.#busy) return;
    const input = { name: this.#name.value, email: this.#email.value, message: this.#message.value };
    const checked = offlinePayload(this.#o.sessionId, this.#o.siteId, input);
    if (!checked.ok) {
      this.#showError(checked.message);
      const el = { name: this.#name, email: this.#email, message: this.#message }[checked.field];
      el.setAttribute('aria-invalid', 'true');
      el.focus();
      return;
    }
    for (const el of [this.#name, this.#email, this.#message]) el.removeAttribute('aria-invalid');
    this.#setBusy(true);
    this.#showError(null);
    this.#o.onSending();
    const r = await (this.#o.post ?? postOfflineMessage)(checked.payload);
    this.#setBusy(false);
    if (r.ok) return this.#o.onSent({ name: checked.payload.name, email: checked.payload.email, message: checked.payload.message });
    this.#showError(r.message);
    this.#o.onFailed();
  }

  #setBusy(busy: boolean): void {
    this.#busy = busy;
    this.#submit.disabled = busy;
    this.#dismiss.disabled = busy;
    this.#submit.textContent = busy ? t('offline.sending') : t('offline.send');
  }

  #showError(message: string | null): void {
    this.#error.textContent = message ?? '';
    show(this.#error, message !== null);
  }
}

function field(id: string, label: string, control: HTMLElement): HTMLElement {
  return h('div', { class: 'cb-field' }, h('label', { for: id }, label), control);
}
