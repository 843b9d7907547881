// Estimated wait, as Rocket.Chat computes it: ((position - 1) / agents + 1) x average handle time of
// recent sessions. Pure, so it can be tested without a gateway.
export class HandleTimes {
  #recent: number[] = [];
  constructor(private readonly defaultSeconds = 120, private readonly keep = 50) {}

  record(seconds: number) {
    if (!Number.isFinite(seconds) || seconds <= 0) return;
    this.#recent.push(seconds);
    if (this.#recent.length > this.keep) this.#recent.shift();
  }

  average(): number {
    if (!this.#recent.length) return this.defaultSeconds;
    return this.#recent.reduce((a, b) => a + b, 0) / this.#recent.length;
  }
}

export function estimateWaitSeconds(position: number, agentsOnline: number, avgHandleSeconds: number): number | null {
  if (agentsOnline <= 0 || position <= 0) return null;
  return Math.round(((position - 1) / agentsOnline + 1) * avgHandleSeconds);
}
