// The waiting banner while queued (live position and estimated wait), and the short "<name> joined"
// notice when an agent takes the chat.
import { h, show } from './dom.ts';
import { agentsOnlineText, queuePositionText, waitText } from './format.ts';
import { t } from '../i18n/current.ts';

export class QueueBanner {
  readonly el: HTMLElement;
  readonly joined: HTMLElement;
  #position: HTMLElement;
  #wait: HTMLElement;
  #online: HTMLElement;
  #joinedTimer: ReturnType<typeof setTimeout> | null = null;

  #announce: (text: string) => void;

  constructor(announce: (text: string) => void) {
    this.#announce = announce;
    this.#position = h('p', { class: 'cb-queue-pos', 'data-testid': 'queue-position' }, t('queue.finding'));
    this.#wait = h('p', { class: 'cb-queue-wait', 'data-testid': 'queue-wait', hidden: true });
    this.#online = h('p', { class: 'cb-queue-note', hidden: true });
    this.el = h(
      'div',
      { class: 'cb-banner cb-waiting', 'data-testid': 'waiting-banner', role: 'region', 'aria-labelledby': 'cb-queue-title' },
      h('span', { class: 'cb-spinner', 'aria-hidden': 'true' }),
      h(
        'div',
        { class: 'cb-banner-text' },
        h('p', { class: 'cb-banner-title', id: 'cb-queue-title' }, t('queue.title')),
        this.#position,
        this.#wait,
        this.#online,
        h('p', { class: 'cb-queue-note' }, t('queue.browse')),
      ),
    );
    this.joined = h('div', { class: 'cb-toast cb-joined', 'data-testid': 'agent-joined', hidden: true });
  }

  setPosition(position: number, estimatedWaitSeconds: number | null, agentsOnline: number): void {
    const text = queuePositionText(position);
    // Announced only when it changes (the gateway re-sends it on reconnect).
    if (text !== this.#position.textContent) this.#announce(text);
    this.#position.textContent = text;
    const wait = waitText(estimatedWaitSeconds);
    this.#wait.textContent = wait;
    show(this.#wait, wait !== '');
    const online = agentsOnlineText(agentsOnline);
    this.#online.textContent = online;
    show(this.#online, online !== '');
  }

  showWaiting(visible: boolean): void {
    show(this.el, visible);
  }

  agentJoined(name: string): void {
    this.showWaiting(false);
    this.joined.textContent = t('queue.joined', { name });
    this.#announce(this.joined.textContent);
    show(this.joined, true);
    this.joined.classList.remove('cb-fade');
    if (this.#joinedTimer) clearTimeout(this.#joinedTimer);
    this.#joinedTimer = setTimeout(() => this.joined.classList.add('cb-fade'), 8000);
  }
}
