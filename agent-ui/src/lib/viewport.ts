// Fitting the visitor's viewport into the console's stage: the co-browse frame is laid out at the
// visitor's exact size (so lines wrap and elements sit where the visitor sees them) and scaled
// down with a CSS transform to fit. Pure, unit-tested in test/unit/agent-ui/viewport.test.ts.

export interface Size {
  w: number;
  h: number;
}

export interface Fit {
  /** CSS transform scale for the frame (≤ maxScale). */
  scale: number;
  /** The frame's box after scaling, in the stage's px. */
  width: number;
  height: number;
}

/** null when nothing is known yet (no viewport, or the stage has no size): fill the stage instead. */
export function fitViewport(vp: Size | null | undefined, stage: Size, maxScale = 1): Fit | null {
  if (!vp || vp.w <= 0 || vp.h <= 0 || stage.w <= 0 || stage.h <= 0) return null;
  const scale = Math.min(stage.w / vp.w, stage.h / vp.h, maxScale);
  // Round down to 1/1000 so the scaled frame never overflows the stage by a sub-pixel.
  const s = Math.floor(scale * 1000) / 1000;
  return { scale: s, width: Math.floor(vp.w * s), height: Math.floor(vp.h * s) };
}

/** "1280 × 800 · 72%" */
export function describeFit(vp: Size, fit: Fit): string {
  return `${vp.w} × ${vp.h} · ${Math.round(fit.scale * 100)}%`;
}
