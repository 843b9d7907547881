// The per-frame counters (Tally): increments are plain map additions, folded into the Prometheus
// counter at each scrape, so /metrics reads the same totals as counting each one through prom-client.
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../gateway/metrics.ts';

const line = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('metrics tally', () => {
  it('scrapes show every increment once, across scrapes', async () => {
    const m = createMetrics();
    m.relayed.add('pointer');
    m.relayed.add('pointer');
    m.relayed.add('scroll');
    m.messages.add('visitor');
    expect(line(await m.registry.metrics(), 'cobrowse_relayed_frames_total')).toEqual(['cobrowse_relayed_frames_total{type="pointer"} 2', 'cobrowse_relayed_frames_total{type="scroll"} 1']);
    m.relayed.add('scroll');
    expect(line(await m.registry.metrics(), 'cobrowse_relayed_frames_total')).toEqual(['cobrowse_relayed_frames_total{type="pointer"} 2', 'cobrowse_relayed_frames_total{type="scroll"} 2']);
    expect(line(await m.registry.metrics(), 'cobrowse_messages_total')).toEqual(['cobrowse_messages_total{from="visitor"} 1']);
  });
});
