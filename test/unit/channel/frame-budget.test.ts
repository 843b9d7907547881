// The per-socket frame budget: 400 frames at once, then 200 a second, on an injected clock.
import { describe, expect, it } from 'vitest';
import { FRAME_BURST, FRAMES_PER_SECOND, takeFrame, type FrameBudget } from '../../../gateway/channel/frame-budget.ts';

describe('frame budget', () => {
  it('allows a burst, refuses beyond it, and refills at the rate', () => {
    const socket: { budget?: FrameBudget } = {};
    let ok = 0;
    for (let i = 0; i < FRAME_BURST + 50; i++) if (takeFrame(socket, 1000)) ok++;
    expect(ok).toBe(FRAME_BURST);
    expect(takeFrame(socket, 1000)).toBe(false);
    // Half a second later: half a second's worth of frames, no more.
    ok = 0;
    for (let i = 0; i < FRAMES_PER_SECOND; i++) if (takeFrame(socket, 1500)) ok++;
    expect(ok).toBe(FRAMES_PER_SECOND / 2);
    // A long pause refills to the burst, never beyond.
    ok = 0;
    for (let i = 0; i < FRAME_BURST * 2; i++) if (takeFrame(socket, 60_000)) ok++;
    expect(ok).toBe(FRAME_BURST);
  });

  it('each socket has its own budget', () => {
    const a: { budget?: FrameBudget } = {};
    const b: { budget?: FrameBudget } = {};
    for (let i = 0; i < FRAME_BURST; i++) takeFrame(a, 0);
    expect(takeFrame(a, 0)).toBe(false);
    expect(takeFrame(b, 0)).toBe(true);
  });
});
