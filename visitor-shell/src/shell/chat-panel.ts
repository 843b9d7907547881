// The chat widget: bottom-right panel (bottom sheet on phones), minimisable to a launcher button
// with an unread badge. Log with one element per message (text content = the message), composer
// (Enter sends, Shift+Enter is a new line), typing indicator both ways.
import { MAX_CHAT_CHARS, type SessionEvent } from '../../../protocol/index.ts';
import { ChatModel, type ChatChange, type ChatEntry } from './chat-model.ts';
import { h, show } from './dom.ts';

export interface ChatPanelOptions {
  onSend: (text: string) => void;
  /** Debounced: on when the visitor starts typing, off after 3 s idle, on send, or when cleared. */
  onTyping: (on: boolean) => void;
  /** Buttons shown in the panel's toolbar (sharing, end). */
  toolbar: HTMLElement[];
}

const TYPING_IDLE_MS = 3000;
const TYPING_REFRESH_MS = 4000;
const PEER_TYPING_TIMEOUT_MS = 8000;

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
  #agentName = 'Agent';

  constructor(opts: ChatPanelOptions) {
    this.#o = opts;
    this.#title = h('h2', { class: 'cb-chat-title', id: 'cb-chat-title' }, 'Live help');
    this.#subtitle = h('p', { class: 'cb-chat-sub', 'data-testid': 'chat-status' }, 'Waiting for an agent');
    const minimise = h(
      'button',
      { type: 'button', class: 'cb-icon-btn', 'aria-label': 'Minimise chat', 'data-testid': 'chat-minimise', onclick: () => this.setMinimised(true) },
      h('span', { 'aria-hidden': 'true', class: 'cb-min-icon' }),
    );
    this.#log = h('ol', { class: 'cb-log', 'data-testid': 'chat-log', role: 'log', 'aria-live': 'polite', 'aria-label': 'Chat messages' });
    this.#typing = h('p', { class: 'cb-typing', 'data-testid': 'typing-indicator', hidden: true, 'aria-live': 'polite' }, 'Agent is typing…');
    this.#input = h('textarea', {
      class: 'cb-input',
      'data-testid': 'chat-input',
      rows: 1,
      maxlength: MAX_CHAT_CHARS,
      placeholder: 'Type a message…',
      'aria-label': 'Message',
      enterkeyhint: 'send',
    });
    this.#send = h('button', { type: 'submit', class: 'cb-send', 'data-testid': 'chat-send', 'aria-label': 'Send message' }, 'Send');
    const form = h('form', { class: 'cb-composer', onsubmit: (ev: SubmitEvent) => (ev.preventDefault(), this.#submit()) }, this.#input, this.#send);
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
      h('div', { class: 'cb-toolbar', role: 'toolbar', 'aria-label': 'Co-browsing controls' }, ...opts.toolbar),
      this.#log,
      this.#typing,
      form,
    );
    this.#badge = h('span', { class: 'cb-badge', 'data-testid': 'unread-badge', hidden: true });
    this.launcher = h(
      'button',
      {
        type: 'button',
        class: 'cb-launcher',
        'data-testid': 'chat-launcher',
        'aria-label': 'Open chat',
        hidden: true,
        onclick: () => this.setMinimised(false),
      },
      h('span', { class: 'cb-launcher-icon', 'aria-hidden': 'true' }),
      h('span', { class: 'cb-launcher-text' }, 'Chat'),
      this.#badge,
    );
  }

  setMinimised(min: boolean): void {
    this.#minimised = min;
    show(this.el, !min);
    show(this.launcher, min);
    if (!min) {
      this.#unread = 0;
      this.#renderBadge();
      this.#scrollToEnd();
      this.#input.focus({ preventScroll: true });
    } else this.launcher.focus({ preventScroll: true });
  }

  setHeader(title: string, subtitle: string): void {
    this.#title.textContent = title;
    this.#subtitle.textContent = subtitle;
  }

  setAgentName(name: string): void {
    this.#agentName = name || 'Agent';
    this.#typing.textContent = `${this.#agentName} is typing…`;
  }

  /** Disable the composer (session over). */
  setEnabled(on: boolean): void {
    this.#input.disabled = !on;
    this.#send.disabled = !on;
    if (!on) this.#stopTyping();
  }

  addLocal(clientId: string, text: string): void {
    this.#apply(this.#model.addLocal(clientId, text), false);
  }

  ack(clientId: string, seq: number): void {
    this.#apply(this.#model.ack(clientId, seq), false);
  }

  addEvent(ev: SessionEvent): void {
    const change = this.#model.addEvent(ev);
    if (change?.kind === 'insert' && ev.from === 'agent') this.setPeerTyping(false);
    this.#apply(change, change?.kind === 'insert' && ev.from !== 'visitor');
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
    const who = e.from === 'visitor' ? 'You' : e.from === 'agent' ? e.name || this.#agentName : '';
    const msg = h('div', { class: 'cb-bubble', 'data-testid': 'chat-message', 'data-from': e.from }, e.text);
    if (e.seq !== null) msg.dataset.seq = String(e.seq);
    if (e.ts) msg.title = new Date(e.ts).toLocaleTimeString();
    const parts: Node[] = [];
    if (who) parts.push(h('span', { class: 'cb-who' }, who));
    parts.push(msg);
    if (e.pending) parts.push(h('span', { class: 'cb-state', 'aria-label': 'Sending' }, 'Sending…'));
    row.replaceChildren(...parts);
  }

  #renderBadge(): void {
    this.#badge.textContent = this.#unread > 9 ? '9+' : String(this.#unread);
    show(this.#badge, this.#unread > 0);
    this.launcher.setAttribute('aria-label', this.#unread > 0 ? `Open chat, ${this.#unread} new message${this.#unread === 1 ? '' : 's'}` : 'Open chat');
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
