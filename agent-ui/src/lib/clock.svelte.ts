// A one-second clock in server time, for live "waiting 0:35" timers and offer countdowns.
// The gateway's timestamps (waitingSince, offerExpiresAt, createdAt) are its own clock; `welcome`
// carries serverTime, so we keep the offset to show durations that do not drift with a skewed PC.

export class Clock {
  now = $state(Date.now());
  #offset = 0;
  #timer: ReturnType<typeof setInterval> | null = null;

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), 1000);
    this.#tick();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Align with the gateway's clock (from `welcome.serverTime` / `pong.serverTime`). */
  sync(serverTime: number): void {
    this.#offset = serverTime - Date.now();
    this.#tick();
  }

  /** Current server time without waiting for the next tick. */
  read(): number {
    return Date.now() + this.#offset;
  }

  #tick() {
    this.now = this.read();
  }
}
