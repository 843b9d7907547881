// One visually hidden live region for what a screen reader should hear as it happens: new
// messages from the agent (not the replayed history), queue position changes, the agent joining.
// It exists from the start (a region that appears together with its text is often not read), and
// a repeated text is still announced (cleared first, then set on the next frame).
import { h } from './dom.ts';

export class Announcer {
  readonly el: HTMLElement;
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor() {
    this.el = h('div', { class: 'cb-sr', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-testid': 'announcer' });
  }

  say(text: string): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.el.textContent = '';
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.el.textContent = text;
    }, 50);
  }
}
