// Real-time alerts for new visitors: a short chime made with WebAudio (no audio files), desktop
// notifications once the agent allowed them, and a repeat of the chime every 10 s while a visitor
// the agent could take is still unanswered. Browsers only let a page make sound after a user
// gesture, so the audio context is created/resumed on the first click or key press.

const SOUND_PREF = 'cb.agent.sound';
const REPEAT_MS = 10_000;

type Permission = NotificationPermission | 'unsupported';

function readSoundPref(): boolean {
  try {
    return localStorage.getItem(SOUND_PREF) !== 'off';
  } catch {
    return true;
  }
}

export class Alerts {
  permission = $state<Permission>(typeof Notification === 'undefined' ? 'unsupported' : Notification.permission);
  soundOn = $state(readSoundPref());
  /** Whether the repeating chime is running (someone is waiting for an answer). */
  ringing = $state(false);
  #ctx: AudioContext | null = null;
  #repeat: ReturnType<typeof setInterval> | null = null;
  #notes = new Map<string, Notification>();
  #onGesture = () => this.unlock();

  constructor() {
    window.addEventListener('pointerdown', this.#onGesture, true);
    window.addEventListener('keydown', this.#onGesture, true);
  }

  dispose(): void {
    window.removeEventListener('pointerdown', this.#onGesture, true);
    window.removeEventListener('keydown', this.#onGesture, true);
    this.setRinging(false);
    for (const n of this.#notes.values()) n.close();
    this.#notes.clear();
    void this.#ctx?.close().catch(() => {});
    this.#ctx = null;
  }

  /** Create or resume the audio context; call from a user gesture. */
  unlock(): void {
    try {
      this.#ctx ??= new AudioContext();
      if (this.#ctx.state === 'suspended') void this.#ctx.resume().catch(() => {});
    } catch {
      /* no WebAudio: stay silent */
    }
  }

  async requestPermission(): Promise<void> {
    if (typeof Notification === 'undefined') return;
    this.unlock();
    try {
      this.permission = await Notification.requestPermission();
    } catch {
      this.permission = Notification.permission;
    }
  }

  toggleSound(): void {
    this.soundOn = !this.soundOn;
    try {
      localStorage.setItem(SOUND_PREF, this.soundOn ? 'on' : 'off');
    } catch {
      /* private mode: the choice lasts for this page only */
    }
    if (this.soundOn) {
      this.unlock();
      this.chime();
    }
  }

  /** Two short rising tones. */
  chime(): void {
    if (!this.soundOn) return;
    const ctx = this.#context();
    if (!ctx || ctx.state !== 'running') return;
    const t0 = ctx.currentTime + 0.02;
    for (const [freq, at] of [
      [880, 0],
      [1318.5, 0.15],
    ] as const) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'sine';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.2, t0 + at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.25);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + 0.3);
    }
  }

  /** A desktop notification (only once the agent allowed them). Same tag → replaces the previous one. */
  notify(tag: string, title: string, body: string, onClick?: () => void): void {
    if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return;
    try {
      const n = new Notification(title, { body, tag, requireInteraction: false });
      n.onclick = () => {
        window.focus();
        onClick?.();
        n.close();
      };
      n.onclose = () => {
        if (this.#notes.get(tag) === n) this.#notes.delete(tag);
      };
      this.#notes.set(tag, n);
    } catch {
      /* some platforms only allow notifications from a service worker */
    }
  }

  /** Close the notification for a visitor that was answered, taken or left. */
  clear(tag: string): void {
    this.#notes.get(tag)?.close();
    this.#notes.delete(tag);
  }

  setRinging(on: boolean): void {
    this.ringing = on;
    if (on && !this.#repeat) this.#repeat = setInterval(() => this.chime(), REPEAT_MS);
    else if (!on && this.#repeat) {
      clearInterval(this.#repeat);
      this.#repeat = null;
    }
  }

  #context(): AudioContext | null {
    if (this.#ctx) return this.#ctx;
    // Without a prior gesture the context would start suspended (and Chrome logs a warning).
    const ua = (navigator as Navigator & { userActivation?: { hasBeenActive: boolean } }).userActivation;
    if (ua && !ua.hasBeenActive) return null;
    this.unlock();
    return this.#ctx;
  }
}
