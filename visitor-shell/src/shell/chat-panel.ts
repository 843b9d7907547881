// The chat widget: bottom-right panel (bottom sheet on phones), minimisable to a launcher button
// with an unread badge. Log with one element per message (text content = the message) or shared
// file, composer (Enter sends, Shift+Enter is a new line) with a paperclip for images and PDFs,
// typing indicator both ways, read receipts both ways ("Seen" under the visitor's last message the
// agent has read), and a slot for the offline-message form.
import { MAX_CHAT_CHARS, type SessionEvent } from '../../../protocol/index.ts';
import { ATTACHMENT_ACCEPT, formatBytes } from './api.ts';
import { ChatModel, type ChatChange, type ChatEntry } from './chat-model.ts';
import { h, show } from './dom.ts';
import { i18n, t } from '../i18n/current.ts';
import { localizeSystemText } from './system-texts.ts';

export interface ChatPanelOptions {
  onSend: (text: string) => void;
  /** Debounced: on when the visitor starts typing, off after 3 s idle, on send, or when cleared. */
  onTyping: (on: boolean) => void;
  /** Buttons shown in the panel's toolbar (sharing, end). */
  toolbar: HTMLElement[];
  /** The visitor picked a file to share (the panel shows progress via setUploadStatus). */
  onAttach: (file: File) => void;
  /** Where a shared file is downloaded. */
  attachmentHref: (attachmentId: string) => string;
  /** Debounced: the visitor has seen the agent's messages up to `seq` (panel open, page visible). */
  onRead: (seq: number) => void;
  /** Screen-reader announcement of a message that just arrived. */
  announce: (text: string) => void;
}

const TYPING_IDLE_MS = 3000;
const TYPING_REFRESH_MS = 4000;
const PEER_TYPING_TIMEOUT_MS = 8000;
const READ_DEBOUNCE_MS = 400;

export class ChatPanel {
  readonly el: HTMLElement;
  readonly launcher: HTMLButtonElement;
  #o: ChatPanelOptions;
  #model = new ChatModel();
  #log: HTMLOListElement;
  #rows = new Map<string, HTMLLIElement>();
  #input: HTMLTextAreaElement;
  #send: HTMLButtonElement;
  #typing: HTMLElement;
  #title: HTMLElement;
  #subtitle: HTMLElement;
  #badge: HTMLElement;
  #minimised = false;
  #unread = 0;
  #typingOn = false;
  #typingSentAt = 0;
  #typingTimer: ReturnType<typeof setTimeout> | null = null;
  #peerTypingTimer: ReturnType<typeof setTimeout> | null = null;
  #agentName = t('agent.label');
  #attach: HTMLButtonElement;
  #file: HTMLInputElement;
  #uploadStatus: HTMLElement;
  #uploadTimer: ReturnType<typeof setTimeout> | null = null;
  #form: HTMLFormElement;
  #slot: HTMLElement;
  #enabled = true;
  /** Highest agent seq we told the gateway we read, and the pending debounce. */
  #readSent = 0;
  #readTimer: ReturnType<typeof setTimeout> | null = null;
  /** Highest seq the agent has read, and the row that shows "Seen" for it. */
  #peerReadSeq = 0;
  #seenKey: string | null = null;
  /** Messages stamped (server time) before this are history being replayed: not announced. */
  #liveSince = Infinity;

  constructor(opts: ChatPanelOptions) {
    this.#o = opts;
    this.#title = h('h2', { class: 'cb-chat-title', id: 'cb-chat-title' }, t('header.title'));
    this.#subtitle = h('p', { class: 'cb-chat-sub', 'data-testid': 'chat-status' }, t('header.waiting'));
    const minimise = h(
      'button',
      { type: 'button', class: 'cb-icon-btn', 'aria-label': t('chat.minimise'), 'data-testid': 'chat-minimise', onclick: () => this.setMinimised(true) },
      h('span', { 'aria-hidden': 'true', class: 'cb-min-icon' }),
    );
    // Not a live region itself: on load it fills with the whole history. New messages are announced
    // one by one through the shell's Announcer (see #announce).
    this.#log = h('ol', { class: 'cb-log', 'data-testid': 'chat-log', 'aria-label': t('chat.log'), 'data-empty': t('chat.empty'), tabindex: 0 });
    this.#typing = h('p', { class: 'cb-typing', 'data-testid': 'typing-indicator', hidden: true }, t('chat.typing', { name: t('agent.label') }));
    this.#input = h('textarea', {
      class: 'cb-input',
      'data-testid': 'chat-input',
      rows: 1,
      maxlength: MAX_CHAT_CHARS,
      placeholder: t('chat.placeholder'),
      'aria-label': t('chat.inputLabel'),
      enterkeyhint: 'send',
    });
    this.#send = h('button', { type: 'submit', class: 'cb-send', 'data-testid': 'chat-send', 'aria-label': t('chat.sendLabel') }, t('chat.send'));
    this.#file = h('input', {
      type: 'file',
      class: 'cb-file',
      accept: ATTACHMENT_ACCEPT,
      'data-testid': 'attach-input',
      tabindex: -1,
      'aria-hidden': 'true',
      onchange: () => this.#picked(),
    });
    this.#attach = h(
      'button',
      { type: 'button', class: 'cb-attach', 'data-testid': 'attach', 'aria-label': t('chat.attach'), title: t('chat.attach'), onclick: () => this.#file.click() },
      h('span', { class: 'cb-clip', 'aria-hidden': 'true' }),
    );
    this.#uploadStatus = h('p', { class: 'cb-upload', 'data-testid': 'attach-status', role: 'status', 'aria-live': 'polite', hidden: true });
    const form = h(
      'form',
      { class: 'cb-composer', onsubmit: (ev: SubmitEvent) => (ev.preventDefault(), this.#submit()) },
      this.#attach,
      this.#file,
      this.#input,
      this.#send,
    );
    this.#form = form;
    this.#slot = h('div', { class: 'cb-chat-slot', hidden: true });
    this.#input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
        ev.preventDefault();
        this.#submit();
      }
    });
    this.#input.addEventListener('input', () => this.#onInput());
    this.el = h(
      'section',
      { class: 'cb-chat', 'data-testid': 'chat-panel', 'aria-labelledby': 'cb-chat-title' },
      h('header', { class: 'cb-chat-head' }, h('div', { class: 'cb-chat-heading' }, this.#title, this.#subtitle), minimise),
      h('div', { class: 'cb-toolbar', role: 'group', 'aria-label': t('tool.label') }, ...opts.toolbar),
      this.#slot,
      this.#log,
      this.#typing,
      this.#uploadStatus,
      form,
    );
    this.#badge = h('span', { class: 'cb-badge', 'data-testid': 'unread-badge', hidden: true });
    this.launcher = h(
      'button',
      {
        type: 'button',
        class: 'cb-launcher',
        'data-testid': 'chat-launcher',
        'aria-label': t('chat.open'),
        hidden: true,
        onclick: () => this.setMinimised(false),
      },
      h('span', { class: 'cb-launcher-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'cb-launcher-text' }, t('chat.launcher')),
      this.#badge,
    );
    document.addEventListener('visibilitychange', () => this.#scheduleRead());
  }

  /** Show a panel (the offline-message form) instead of the conversation, or the conversation again. */
  showSlot(content: HTMLElement | null): void {
    this.#slot.replaceChildren(...(content ? [content] : []));
    const on = content !== null;
    show(this.#slot, on);
    show(this.#log, !on);
    show(this.#form, !on);
    if (on) {
      show(this.#typing, false);
      show(this.#uploadStatus, false);
      if (this.#minimised) this.setMinimised(false);
    }
    this.el.classList.toggle('cb-chat-tall', on);
    if (!on) this.#scheduleRead();
  }

  get minimised(): boolean {
    return this.#minimised;
  }

  /** The visitor's own chat messages so far (e.g. to start an offline message with them). */
  visitorTexts(): string[] {
    return this.#model.entries.filter((e) => e.from === 'visitor' && !e.attachment).map((e) => e.text);
  }

  /** Upload progress or failure under the composer; null hides it. */
  setUploadStatus(text: string | null, kind: 'progress' | 'error' = 'progress'): void {
    if (this.#uploadTimer) clearTimeout(this.#uploadTimer);
    this.#uploadTimer = null;
    this.#uploadStatus.textContent = text ?? '';
    this.#uploadStatus.classList.toggle('cb-upload-error', kind === 'error');
    this.#uploadStatus.setAttribute('data-testid', kind === 'error' ? 'attach-error' : 'attach-status');
    this.#uploadStatus.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    show(this.#uploadStatus, text !== null);
    if (text !== null && kind === 'error') this.#uploadTimer = setTimeout(() => this.setUploadStatus(null), 8000);
  }

  /** The agent read our messages up to `seq`. */
  setPeerRead(seq: number): void {
    if (seq <= this.#peerReadSeq) return;
    this.#peerReadSeq = seq;
    this.#renderSeen();
  }

  setMinimised(min: boolean): void {
    this.#minimised = min;
    show(this.el, !min);
    show(this.launcher, min);
    if (!min) {
      this.#unread = 0;
      this.#renderBadge();
      this.#scrollToEnd();
      if (!this.#slot.hidden) this.#slot.querySelector<HTMLElement>('input, textarea')?.focus({ preventScroll: true });
      else this.#input.focus({ preventScroll: true });
      this.#scheduleRead();
    } else this.launcher.focus({ preventScroll: true });
  }

  /** The skip link's target: open the panel and put the cursor in the composer. */
  focusInput(): void {
    if (this.#minimised) this.setMinimised(false);
    else this.#input.focus();
  }

  setHeader(title: string, subtitle: string): void {
    this.#title.textContent = title;
    this.#subtitle.textContent = subtitle;
  }

  setAgentName(name: string): void {
    this.#agentName = name || t('agent.label');
    this.#typing.textContent = t('chat.typing', { name: this.#agentName });
  }

  /** Disable the composer (session over). */
  setEnabled(on: boolean): void {
    this.#enabled = on;
    this.#input.disabled = !on;
    this.#send.disabled = !on;
    this.#attach.disabled = !on;
    if (!on) {
      this.#stopTyping();
      if (this.#readTimer) clearTimeout(this.#readTimer);
      this.#readTimer = null;
    }
  }

  addLocal(clientId: string, text: string): void {
    this.#apply(this.#model.addLocal(clientId, text), false);
  }

  ack(clientId: string, seq: number): void {
    const change = this.#model.ack(clientId, seq);
    this.#apply(change, false);
    if (change && this.#peerReadSeq > 0) this.#renderSeen();
  }

  addEvent(ev: SessionEvent): void {
    const change = this.#model.addEvent(ev);
    if (change?.kind === 'insert' && ev.from === 'agent') this.setPeerTyping(false);
    this.#apply(change, change?.kind === 'insert' && ev.from !== 'visitor');
    if (change && ev.from === 'agent') this.#scheduleRead();
    if (change?.kind === 'insert' && ev.from !== 'visitor' && ev.ts >= this.#liveSince) {
      const e = change.entry;
      this.#o.announce(ev.from === 'agent' ? t('chat.newMessage', { name: e.name || this.#agentName, text: e.text }) : localizeSystemText(e.text));
    }
    if (change && ev.from === 'visitor' && this.#peerReadSeq > 0) this.#renderSeen();
  }

  /** The socket was welcomed at server time `ts`: what arrives from then on is news. */
  setLiveSince(ts: number): void {
    if (this.#liveSince === Infinity) this.#liveSince = ts;
  }

  setPeerTyping(on: boolean): void {
    show(this.#typing, on);
    if (this.#peerTypingTimer) clearTimeout(this.#peerTypingTimer);
    this.#peerTypingTimer = on ? setTimeout(() => show(this.#typing, false), PEER_TYPING_TIMEOUT_MS) : null;
    if (on) this.#scrollToEnd();
  }

  #apply(change: ChatChange, countUnread: boolean): void {
    if (!change) return;
    const e = change.entry;
    if (change.kind === 'update') {
      const row = this.#rows.get(e.key);
      if (row) this.#fill(row, e);
      return;
    }
    const row = h('li', { class: 'cb-row' });
    this.#fill(row, e);
    this.#rows.set(e.key, row);
    const nearEnd = this.#log.scrollHeight - this.#log.scrollTop - this.#log.clientHeight < 80;
    const before = this.#log.children[change.index] ?? null;
    this.#log.insertBefore(row, before);
    if (nearEnd || e.from === 'visitor') this.#scrollToEnd();
    if (countUnread && this.#minimised) {
      this.#unread++;
      this.#renderBadge();
    }
  }

  #fill(row: HTMLLIElement, e: ChatEntry): void {
    row.className = `cb-row cb-from-${e.from}${e.pending ? ' cb-pending' : ''}`;
    row.dataset.from = e.from;
    const who = e.from === 'visitor' ? t('chat.you') : e.from === 'agent' ? e.name || this.#agentName : '';
    const msg = e.attachment ? this.#attachmentBubble(e) : h('div', { class: 'cb-bubble', 'data-testid': 'chat-message', 'data-from': e.from, dir: 'auto' }, e.from === 'system' ? localizeSystemText(e.text) : e.text);
    if (e.seq !== null) msg.dataset.seq = String(e.seq);
    const when = e.ts ? h('time', { class: 'cb-time', datetime: new Date(e.ts).toISOString() }, i18n().time(e.ts)) : null;
    const parts: Node[] = [];
    if (who || when) parts.push(h('span', { class: 'cb-who' }, who, who && when ? ' · ' : '', when));
    parts.push(msg);
    if (e.pending) parts.push(h('span', { class: 'cb-state' }, t('chat.sending')));
    else if (e.key === this.#seenKey) parts.push(h('span', { class: 'cb-state cb-seen', 'data-testid': 'read-receipt' }, t('chat.seen')));
    row.replaceChildren(...parts);
  }

  /** An image as a thumbnail (opens full size), a PDF as a download link; never rendered inline as HTML. */
  #attachmentBubble(e: ChatEntry): HTMLElement {
    const a = e.attachment!;
    const href = this.#o.attachmentHref(a.id);
    const size = formatBytes(a.size);
    const common = { 'data-testid': 'chat-attachment', 'data-from': e.from, 'data-attachment-id': a.id };
    if (a.type.startsWith('image/')) {
      return h(
        'div',
        { class: 'cb-bubble cb-file-bubble', ...common },
        h(
          'a',
          { class: 'cb-thumb-link', href, target: '_blank', rel: 'noopener noreferrer', 'aria-label': t('chat.openImage', { name: a.name }) },
          h('img', { class: 'cb-thumb', src: href, alt: a.name, loading: 'lazy', decoding: 'async' }),
        ),
        h('span', { class: 'cb-file-name' }, a.name),
      );
    }
    return h(
      'div',
      { class: 'cb-bubble cb-file-bubble', ...common },
      h(
        'a',
        { class: 'cb-file-link', href, download: a.name, rel: 'noopener noreferrer' },
        h('span', { class: 'cb-file-icon', 'aria-hidden': 'true' }, 'PDF'),
        h('span', { class: 'cb-file-name' }, a.name),
        size ? h('span', { class: 'cb-file-size' }, size) : null,
      ),
    );
  }

  #renderSeen(): void {
    const key = this.#model.seenEntry(this.#peerReadSeq)?.key ?? null;
    if (key === this.#seenKey) return;
    const old = this.#seenKey;
    this.#seenKey = key;
    for (const k of [old, key]) {
      const entry = k ? this.#model.entries.find((e) => e.key === k) : undefined;
      const row = k ? this.#rows.get(k) : undefined;
      if (entry && row) this.#fill(row, entry);
    }
  }

  /** Tell the agent what we have seen: only while the conversation is on screen. */
  #scheduleRead(): void {
    if (this.#readTimer || !this.#enabled) return;
    this.#readTimer = setTimeout(() => {
      this.#readTimer = null;
      if (!this.#enabled || this.#minimised || !this.#log.isConnected || this.#log.hidden || document.visibilityState !== 'visible') return;
      const seq = this.#model.lastAgentSeq();
      if (seq <= this.#readSent) return;
      this.#readSent = seq;
      this.#o.onRead(seq);
    }, READ_DEBOUNCE_MS);
  }

  #picked(): void {
    const files = Array.from(this.#file.files ?? []);
    this.#file.value = ''; // picking the same file again fires change again
    for (const f of files) this.#o.onAttach(f);
  }

  #renderBadge(): void {
    this.#badge.textContent = this.#unread > 9 ? '9+' : String(this.#unread);
    show(this.#badge, this.#unread > 0);
    this.launcher.setAttribute('aria-label', this.#unread > 0 ? t('chat.openUnread', { count: this.#unread }) : t('chat.open'));
  }

  #scrollToEnd(): void {
    this.#log.scrollTop = this.#log.scrollHeight;
  }

  #submit(): void {
    const text = this.#input.value.trim();
    if (!text || this.#input.disabled) return;
    this.#o.onSend(text.slice(0, MAX_CHAT_CHARS));
    this.#input.value = '';
    this.#autosize();
    this.#stopTyping();
  }

  #onInput(): void {
    this.#autosize();
    const hasText = this.#input.value.trim().length > 0;
    if (!hasText) return this.#stopTyping();
    const now = Date.now();
    if (!this.#typingOn || now - this.#typingSentAt > TYPING_REFRESH_MS) {
      this.#typingOn = true;
      this.#typingSentAt = now;
      this.#o.onTyping(true);
    }
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
    this.#typingTimer = setTimeout(() => this.#stopTyping(), TYPING_IDLE_MS);
  }

  #stopTyping(): void {
    if (this.#typingTimer) clearTimeout(this.#typingTimer);
    this.#typingTimer = null;
    if (!this.#typingOn) return;
    this.#typingOn = false;
    this.#o.onTyping(false);
  }

  #autosize(): void {
    this.#input.style.height = 'auto';
    this.#input.style.height = `${Math.min(120, this.#input.scrollHeight)}px`;
  }
}
