// Ports: one process takes its ports exclusively (a second gateway on the same port fails with
// CB_ERR_LISTEN instead of silently splitting traffic between two separate states); cluster
// instances may share them, and the kernel spreads connections over both.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';

const open: TestGateway[] = [];
let redis: TestRedis | null = null;
const dir = mkdtempSync(join(tmpdir(), 'cb-ports-'));
afterAll(async () => {
  for (const g of open) await g.close();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('listening', () => {
  it('one process refuses a port another gateway holds', async () => {
    const [port, p1, p2] = [await freePort(), await freePort(), await freePort()];
    open.push(await startTestGateway({ port, proxyPort: p1 }));
    await expect(startTestGateway({ port, proxyPort: p2 })).rejects.toMatchObject({ code: 'CB_ERR_LISTEN', message: expect.stringContaining(`:${port}`) });
  });

  it('cluster instances share PORT and PROXY_PORT; connections reach both', async () => {
    redis = await startRedis();
    const [port, proxyPort] = [await freePort(), await freePort()];
    const shared = { redisUrl: redis.url, databasePath: join(dir, 'store.sqlite'), port, proxyPort };
    const a = await startTestGateway({ ...shared, instanceId: 'A' });
    open.push(a);
    const b = await startTestGateway({ ...shared, instanceId: 'B' });
    open.push(b);
    // Fresh connections (no keep-alive) until both instances have answered.
    const seen = new Set<string>();
    for (let i = 0; i < 200 && seen.size < 2; i++) {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`, { headers: { connection: 'close' } });
      seen.add(((await res.json()) as { instance: string }).instance);
    }
    expect([...seen].sort()).toEqual(['A', 'B']);
  });
});
