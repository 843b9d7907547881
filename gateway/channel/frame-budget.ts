// How many frames a socket may send: a token bucket (200 a second, bursts of 400) kept on the
// socket's own user data, so the per-frame check is two field reads and a clock read instead of a
// map lookup keyed by connection id (and nothing to drop when the socket closes). The bucket is the
// proxy's (../proxy/rate-limit.ts), held by the socket instead of a keyed map.
import { takeToken, type Bucket } from '../proxy/rate-limit.ts';

/** The bucket's state, on the socket's user data (absent until its first frame). */
export type FrameBudget = Bucket;

export const FRAMES_PER_SECOND = 200;
export const FRAME_BURST = 400;

/** Takes one frame from `holder`'s bucket at `now` (ms); false: over the limit, the frame is refused. */
export function takeFrame(holder: { budget?: FrameBudget }, now: number): boolean {
  return takeToken((holder.budget ??= { tokens: FRAME_BURST, at: now }), now, FRAMES_PER_SECOND, FRAME_BURST);
}
