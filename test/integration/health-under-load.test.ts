// Health under load: a gateway takes a flood of frames from a child process while another child
// probes its health the way an orchestrator does. The health worker (HEALTH_PORT) answers every
// probe, and when the main loop is blocked (a long synchronous task, as an in-process fuzzer causes:
// the 3 s /healthz of issue 14) it answers at once and says so: live, not ready, "event-loop: no
// heartbeat". The main port's own /readyz waits for the loop. Latency figures live in the bench.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, freePort, type TestGateway } from '../helpers/gateway.ts';
import { forkChild, type Child } from '../../bench/lib/rpc.ts';
import { epochMs } from '../../bench/lib/hdr.ts';
import type { ProbeResult } from '../../bench/clients/health-probe.ts';
import type { HealthReport } from '../../gateway/http/health/assess.ts';

let t: TestGateway;
let flood: Child;
let probe: Child;
let healthPort: number;

beforeAll(async () => {
  healthPort = await freePort();
  t = await startTestGateway({ healthPort, allowedTargets: ['https://shop.example'] });
  [flood, probe] = await Promise.all([forkChild('clients/frame-flood.ts', 'flood'), forkChild('clients/health-probe.ts', 'probe')]);
  expect(await flood.call('connect', { url: t.gw.url, visitors: 50 })).toBe(50);
});
afterAll(async () => {
  await flood?.call('close').catch(() => {});
  await Promise.all([flood?.stop(), probe?.stop()]);
  await t?.close();
});

type Body = HealthReport & { ok: boolean; answeredBy: string; instance: string };
const body = (r: ProbeResult) => r.body as Body;

describe('health under load', () => {
  it('the health port answers every probe during a frame flood and reports a blocked main loop', async () => {
    expect(t.gw.healthPort).toBe(healthPort);
    const worker = `http://127.0.0.1:${healthPort}`;
    const main = `http://127.0.0.1:${t.gw.port}`;
    await flood.call('start', { perSecond: 15_000, badEvery: 4 });
    await probe.call('start', { urls: [`${worker}/healthz`, `${worker}/readyz`, `${main}/readyz`], everyMs: 50 });
    await new Promise((r) => setTimeout(r, 1500));
    // A long synchronous task on the gateway's loop (this test shares the gateway's process).
    const blockStart = epochMs();
    while (epochMs() - blockStart < 3000) {
      /* busy */
    }
    const blockEnd = epochMs();
    await new Promise((r) => setTimeout(r, 1500));
    const load = await flood.call<{ sent: number; received: number }>('stop');
    const results = await probe.call<ProbeResult[]>('stop');

    // The flood ran: tens of thousands of frames, and the gateway answered (error frames for the hostile ones).
    expect(load.sent).toBeGreaterThan(30_000);
    expect(load.received).toBeGreaterThan(1000);

    const of = (url: string) => results.filter((r) => r.url === url);
    const live = of(`${worker}/healthz`);
    const ready = of(`${worker}/readyz`);
    const mainReady = of(`${main}/readyz`);
    expect(live.length).toBeGreaterThan(50);
    // Liveness: every probe answered 200 by the worker, also while the loop was blocked.
    for (const r of live) {
      expect(r.error).toBeUndefined();
      expect(r.status).toBe(200);
      expect(body(r)).toMatchObject({ ok: true, live: true, answeredBy: 'health-worker' });
    }
    // Readiness during the block, once the heartbeat is 2 s old: answered before the block ended,
    // 503, and it says why.
    const inBlock = ready.filter((r) => r.sentAt > blockStart + 2300 && r.sentAt < blockEnd - 200);
    expect(inBlock.length).toBeGreaterThan(3);
    for (const r of inBlock) {
      expect(r.answeredAt!).toBeLessThan(blockEnd);
      expect(r.status).toBe(503);
      expect(body(r).ready).toBe(false);
      expect(body(r).degraded.join('; ')).toMatch(/event-loop: no heartbeat for \d+ ms/);
      expect(body(r).eventLoop.heartbeatAgeMs).toBeGreaterThanOrEqual(2000);
    }
    // Before the block and after it, the same probe says ready (under the same frame load).
    expect(ready.filter((r) => r.sentAt < blockStart - 200).every((r) => r.status === 200)).toBe(true);
    const after = ready.filter((r) => r.sentAt > blockEnd + 500);
    expect(after.length).toBeGreaterThan(3);
    expect(after.every((r) => r.status === 200 && body(r).ready)).toBe(true);
    // The blocked loop was visible in the delay it published afterwards.
    expect(Math.max(...after.map((r) => body(r).eventLoop.maxMs))).toBeGreaterThanOrEqual(2000);
    // The main port's /readyz, asked during the block, could only answer once the loop was free.
    const mainInBlock = mainReady.filter((r) => r.sentAt > blockStart + 100 && r.sentAt < blockEnd - 100);
    expect(mainInBlock.length).toBeGreaterThan(3);
    for (const r of mainInBlock) expect(r.answeredAt!).toBeGreaterThanOrEqual(blockEnd);
  });
});
