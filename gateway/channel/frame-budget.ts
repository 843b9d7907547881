// How many frames a socket may send: a token bucket (200 a second, bursts of 400) kept on the
// socket's own user data, so the per-frame check is two field reads and a clock read instead of a
// map lookup keyed by connection id (and nothing to drop when the socket closes).

/** The bucket's state, on the socket's user data (absent until its first frame). */
export interface FrameBudget {
  tokens: number;
  at: number;
}

export const FRAMES_PER_SECOND = 200;
export const FRAME_BURST = 400;

/** Takes one frame from `holder`'s bucket at `now` (ms); false: over the limit, the frame is refused. */
export function takeFrame(holder: { budget?: FrameBudget }, now: number): boolean {
  const b = holder.budget;
  if (!b) {
    holder.budget = { tokens: FRAME_BURST - 1, at: now };
    return true;
  }
  b.tokens = Math.min(FRAME_BURST, b.tokens + ((now - b.at) / 1000) * FRAMES_PER_SECOND);
  b.at = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}
