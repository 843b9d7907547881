// What every peer reports to the harness over IPC: its port, and event-loop delay p99 measured the
// way the gateway's prom-client default metric does (monitorEventLoopDelay, 10 ms resolution, reset
// at each read), so the figures sit side by side.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serve } from '../lib/rpc.ts';

export function servePeer(port: number, extra: Record<string, (a: any) => unknown> = {}): void {
  const eld = monitorEventLoopDelay({ resolution: 10 });
  eld.enable();
  serve({
    port: () => port,
    /** p99 of event-loop delay since the last call, in seconds (like nodejs_eventloop_lag_p99_seconds). */
    eventLoopP99() {
      const v = eld.percentile(99) / 1e9;
      eld.reset();
      return v;
    },
    ...extra,
  });
}

export function argValue(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : def;
}
