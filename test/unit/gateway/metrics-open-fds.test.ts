// process_open_fds is read off the event loop (prom-client's own reads /proc/self/fd synchronously,
// a stall of tens of ms per scrape with 10,000 sockets) and still says how many fds are open.
import { openSync, closeSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../gateway/metrics.ts';

const openFds = async (text: Promise<string>) => Number(/^process_open_fds (\d+)$/m.exec(await text)?.[1]);

describe.runIf(process.platform === 'linux')('process_open_fds', () => {
  it('is exposed once and follows the fds this process opens', async () => {
    const m = createMetrics();
    const before = await openFds(m.registry.metrics());
    expect(before).toBeGreaterThan(2);
    const fds = Array.from({ length: 20 }, () => openSync('/dev/null', 'r'));
    try {
      const text = await m.registry.metrics();
      expect(text.match(/^# TYPE process_open_fds gauge$/gm)).toHaveLength(1);
      expect(await openFds(Promise.resolve(text))).toBeGreaterThanOrEqual(before + 20);
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  });
});
