import { describe, expect, it } from 'vitest';
import { describeFit, fitViewport } from '../../../agent-ui/src/lib/viewport.ts';

describe('fitting the visitor viewport into the stage', () => {
  it('scales a desktop viewport down to the stage width', () => {
    const fit = fitViewport({ w: 1280, h: 800 }, { w: 640, h: 700 })!;
    expect(fit.scale).toBe(0.5);
    expect(fit).toMatchObject({ width: 640, height: 400 });
  });

  it('scales a phone down to the stage height', () => {
    const fit = fitViewport({ w: 390, h: 844 }, { w: 690, h: 715 })!;
    expect(fit.scale).toBeCloseTo(715 / 844, 2);
    expect(fit.height).toBeLessThanOrEqual(715);
    expect(fit.width).toBeLessThanOrEqual(690);
  });

  it('never enlarges past 1:1 and never overflows by a rounding pixel', () => {
    expect(fitViewport({ w: 390, h: 600 }, { w: 1000, h: 800 })).toEqual({ scale: 1, width: 390, height: 600 });
    for (const [sw, sh] of [
      [333, 777],
      [1001, 599],
      [689, 713],
    ]) {
      const f = fitViewport({ w: 1366, h: 768 }, { w: sw, h: sh })!;
      expect(1366 * f.scale).toBeLessThanOrEqual(sw);
      expect(768 * f.scale).toBeLessThanOrEqual(sh);
    }
  });

  it('returns null (fill the stage) when nothing is known', () => {
    expect(fitViewport(null, { w: 800, h: 600 })).toBeNull();
    expect(fitViewport({ w: 1280, h: 800 }, { w: 0, h: 0 })).toBeNull();
  });

  it('describes the fit for the stage badge', () => {
    expect(describeFit({ w: 390, h: 844 }, { scale: 0.847, width: 330, height: 714 })).toBe('390 × 844 · 85%');
  });
});
