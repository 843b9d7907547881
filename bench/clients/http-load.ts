// HTTP load generator (autocannon) in its own process. Latencies go into our own HdrHistogram from
// autocannon's per-response event, so the proxy rows report the same p50/p95/p99 as the other
// scenarios (autocannon's own summary has no p95).
//
// About `overallRate`: autocannon splits the rate over the connections and each connection sends its
// share of every second back to back from the start of that second, then idles. A "fixed rate" row
// therefore measures latency at `connections` concurrency for part of each second, not an evenly
// paced open-loop arrival process; it is the same for every target in the table.
import autocannon from 'autocannon';
import { serve } from '../lib/rpc.ts';
import { encodeHist, newHist } from '../lib/hdr.ts';

interface Job {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationSec: number;
  overallRate?: number;
}

serve({
  async run(j: Job) {
    const hist = newHist();
    const ticks: number[] = [];
    const statusOther: Record<string, number> = {};
    const inst = autocannon({
      url: j.url,
      headers: j.headers,
      connections: j.connections,
      duration: j.durationSec,
      ...(j.overallRate ? { overallRate: j.overallRate } : {}),
      timeout: 20,
    });
    inst.on('response', (_client: unknown, status: number, _bytes: number, responseTimeMs: number) => {
      if (status >= 200 && status < 300) hist.recordValue(Math.max(1, Math.round(responseTimeMs * 1000)));
      else statusOther[status] = (statusOther[status] ?? 0) + 1;
    });
    inst.on('tick', (t: { counter: number }) => ticks.push(t.counter));
    const r = await inst;
    return {
      requests: r.requests.total,
      durationSec: r.duration,
      reqPerSec: r.requests.total / r.duration,
      bytesPerSec: r.throughput.total / r.duration,
      non2xx: r.non2xx,
      statusOther,
      errors: r.errors,
      timeouts: r.timeouts,
      hist: encodeHist(hist),
      ticks,
    };
  },
});
