// Latency histograms (HdrHistogram): recorded in microseconds in the client processes, shipped to
// the harness as compressed base64 and merged there, so percentiles are exact over all clients
// rather than averages of per-process percentiles.
import * as hdr from 'hdr-histogram-js';

export type Hist = hdr.Histogram;

export function newHist(): Hist {
  // 1 µs .. 120 s at 3 significant digits; autoResize so an outlier never throws mid-run.
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

export const encodeHist = (h: Hist): string => hdr.encodeIntoCompressedBase64(h);

export function mergeHists(encoded: (string | null | undefined)[]): Hist {
  const out = newHist();
  for (const e of encoded) if (e) out.add(hdr.decodeFromCompressedBase64(e));
  return out;
}

/** Percentiles in milliseconds. */
export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function summarize(h: Hist): LatencySummary {
  const ms = (us: number) => us / 1000;
  if (h.totalCount === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, p999: NaN, max: NaN, mean: NaN };
  return {
    count: h.totalCount,
    p50: ms(h.getValueAtPercentile(50)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
    mean: ms(h.mean),
  };
}

/** Wall-clock milliseconds with sub-ms precision, comparable across processes on one machine. */
export const epochMs = (): number => performance.timeOrigin + performance.now();
