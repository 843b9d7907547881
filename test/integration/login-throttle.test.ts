// Login throttling and the per-address limit of the visitor endpoints, over real HTTP: one gateway
// (counters in memory), then two gateways on a real redis-server sharing their counters.
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../gateway/config.ts';
import { createGateway, type Gateway } from '../../gateway/server.ts';
import { createLogger } from '../../gateway/log.ts';
import { MemoryThrottleStore } from '../../gateway/http/throttle/store.ts';
import { RedisThrottleStore } from '../../gateway/http/throttle/redis-store.ts';
import { startTestGateway, type TestGateway } from '../helpers/gateway.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';

const open: { close(): Promise<void> }[] = [];
let redis: TestRedis | null = null;
const dir = mkdtempSync(join(tmpdir(), 'cb-throttle-'));
afterAll(async () => {
  for (const g of open.reverse()) await g.close();
  await redis?.close();
  rmSync(dir, { recursive: true, force: true });
});

const THROTTLE: Partial<Config> = { loginAccountFreeAttempts: 3, loginAddressFreeAttempts: 50, loginLockoutBaseSeconds: 3, loginLockoutMaxSeconds: 60 };
// 3 s: long enough that a loaded machine still asks again inside the lockout, short enough to wait out.

function login(url: string, email: string, password: string, headers: Record<string, string> = {}) {
  return fetch(`${url}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json', origin: url, ...headers }, body: JSON.stringify({ email, password }) });
}

/** A gateway whose log lines are kept (JSON objects), for the lockout log line. */
async function loggedGateway(overrides: Partial<Config>): Promise<{ gw: Gateway; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      cb();
    },
  });
  const config = loadConfig({}, { port: 0, proxyPort: 0, healthPort: 0, databasePath: ':memory:', logLevel: 'info', visitorRequestsPerMinute: 0, ...overrides });
  const gw = await createGateway(config, { log: createLogger('info', { destination: sink }) });
  open.push(gw);
  return { gw, lines };
}

describe('login throttling (one gateway)', () => {
  let gw: Gateway;
  let lines: Record<string, unknown>[];
  beforeAll(async () => {
    ({ gw, lines } = await loggedGateway(THROTTLE));
    await gw.auth.createAgent({ email: 'amy@x.test', password: 'amy-pass-12', name: 'Amy' });
    await gw.auth.createAgent({ email: 'bob@x.test', password: 'bob-pass-12', name: 'Bob' });
  });

  it('locks an account after its free attempts with 429, Retry-After and a coded error; waits, then logs in; a success resets the count', async () => {
    expect((await login(gw.url, 'amy@x.test', 'wrong-1')).status).toBe(401);
    expect((await login(gw.url, 'amy@x.test', 'wrong-2')).status).toBe(401);
    const third = await login(gw.url, 'amy@x.test', 'wrong-3');
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('3');
    const body = (await third.json()) as { code: string; message: string };
    expect(body.code).toBe('CB_ERR_LOGIN_THROTTLED');
    expect(body.message).toMatch(/Try again in 3 s/);
    // Locked: even the right password waits.
    const early = await login(gw.url, 'amy@x.test', 'amy-pass-12');
    expect(early.status).toBe(429);
    expect(((await early.json()) as { code: string }).code).toBe('CB_ERR_LOGIN_THROTTLED');
    // Another account from the same address is not locked.
    expect((await login(gw.url, 'bob@x.test', 'bob-pass-12')).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1000 * Number(third.headers.get('retry-after')) + 50));
    expect((await login(gw.url, 'amy@x.test', 'amy-pass-12')).status).toBe(200);
    // Reset by the success: two more wrong passwords are free again.
    expect((await login(gw.url, 'amy@x.test', 'wrong-4')).status).toBe(401);
    expect((await login(gw.url, 'amy@x.test', 'wrong-5')).status).toBe(401);

    const lockouts = lines.filter((l) => l.event === 'auth.lockout');
    expect(lockouts).toHaveLength(1);
    expect(lockouts[0]).toMatchObject({ scope: 'account', account: 'amy@x.test', attempts: 3, lockSeconds: 3, level: 40 });
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/cobrowse_login_lockouts_total\{scope="account"\} 1/);
    expect(metrics).toMatch(/cobrowse_throttled_requests_total\{endpoint="login"\} 1/);
  });

  it('40 parallel wrong passwords: only the free attempts are checked, the rest and the right password get 429', async () => {
    // A long first lockout, so a loaded machine cannot outlast it before the last request is checked.
    const { gw } = await loggedGateway({ ...THROTTLE, loginLockoutBaseSeconds: 60 });
    await gw.auth.createAgent({ email: 'bob@x.test', password: 'bob-pass-12', name: 'Bob' });
    const all = await Promise.all(Array.from({ length: 40 }, (_, i) => login(gw.url, 'bob@x.test', `wrong-${i}`)));
    const statuses = all.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401).length).toBeLessThanOrEqual(2);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(38);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect((await login(gw.url, 'bob@x.test', 'bob-pass-12')).status).toBe(429);
  });
});

describe('per-address limit of the visitor endpoints', () => {
  let behindProxy: TestGateway;
  let direct: TestGateway;
  beforeAll(async () => {
    behindProxy = await startTestGateway({ visitorRequestsPerMinute: 3, trustProxyHops: 1 });
    direct = await startTestGateway({ visitorRequestsPerMinute: 2 });
    open.push(behindProxy, direct);
  });
  const start = (url: string, xff?: string) =>
    fetch(`${url}/start?site=demo&url=${encodeURIComponent('http://shop.test/')}`, { redirect: 'manual', headers: xff ? { 'x-forwarded-for': xff } : {} });

  it('counts /start and offline messages per client address (X-Forwarded-For trusted for one proxy) and answers 429 with Retry-After', async () => {
    const url = behindProxy.gw.url;
    for (let i = 0; i < 2; i++) expect((await start(url, `6.6.6.6, 198.51.100.7`)).status).toBe(303);
    const offline = (xff: string) =>
      fetch(`${url}/api/offline-messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: url, 'x-forwarded-for': xff },
        body: JSON.stringify({ siteId: 'demo', name: 'Vic', email: 'vic@x.test', message: 'call me' }),
      });
    expect((await offline('198.51.100.7')).status).toBe(201);
    // The fourth work-creating request from that address: refused, whichever endpoint.
    const refused = await start(url, `7.7.7.7, 198.51.100.7`);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-cb-error')).toBe('CB_ERR_RATE_LIMITED');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(await refused.text()).toMatch(/Try again in \d+ s/);
    const refusedJson = await offline('198.51.100.7');
    expect(refusedJson.status).toBe(429);
    expect(refusedJson.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await refusedJson.json()) as { code: string }).code).toBe('CB_ERR_RATE_LIMITED');
    // Another client behind the same proxy is its own address.
    expect((await start(url, '198.51.100.8')).status).toBe(303);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/cobrowse_throttled_requests_total\{endpoint="start"\} 1/);
    expect(metrics).toMatch(/cobrowse_throttled_requests_total\{endpoint="offline-message"\} 1/);
  });

  it('ignores X-Forwarded-For when no proxy is trusted: a client cannot rotate it to escape the limit', async () => {
    const url = direct.gw.url;
    expect((await start(url, '1.1.1.1')).status).toBe(303);
    expect((await start(url, '2.2.2.2')).status).toBe(303);
    expect((await start(url, '3.3.3.3')).status).toBe(429);
  });
});

describe('throttle counters in Redis (a cluster)', () => {
  beforeAll(async () => {
    redis = await startRedis();
  });

  it('the Redis store answers the same sequence as the memory store (its Lua mirrors the policy)', async () => {
    const r = new Redis(redis!.url);
    const s = new RedisThrottleStore(r, () => r.status === 'ready');
    const m = new MemoryThrottleStore(Date.now, 0);
    await new Promise((res) => (r.status === 'ready' ? res(null) : r.once('ready', res)));
    const p = { freeAttempts: 2, baseMs: 300, maxMs: 1000, windowMs: 60_000 };
    const seq = async (st: typeof s | typeof m) => {
      const out: unknown[] = [];
      for (let i = 0; i < 3; i++) out.push(await st.attempt('seq', p));
      await new Promise((res) => setTimeout(res, 320));
      out.push(await st.attempt('seq', p));
      await st.forgive('seq');
      out.push(await st.attempt('seq', p));
      await st.clear('seq');
      out.push(await st.attempt('seq', p));
      out.push(await st.hit('w', 1000), await st.hit('w', 1000));
      return out.map((x) => JSON.parse(JSON.stringify(x, (k, v) => (k === 'retryAfterMs' || k === 'ttlMs' ? (v > 0 ? 'positive' : v) : v))));
    };
    const [a, b] = [await seq(s), await seq(m)];
    expect(a).toEqual(b);
    expect(a.slice(0, 4)).toEqual([
      { allowed: true, count: 1, lockMs: 0 },
      { allowed: true, count: 2, lockMs: 300 },
      { allowed: false, retryAfterMs: 'positive' },
      { allowed: true, count: 3, lockMs: 600 },
    ]);
    // forgive took one back (count 2 again, lock gone), clear started afresh.
    expect(a.slice(4, 6)).toEqual([{ allowed: true, count: 3, lockMs: 600 }, { allowed: true, count: 1, lockMs: 0 }]);
    expect(a.slice(6)).toEqual([{ count: 1, ttlMs: 'positive' }, { count: 2, ttlMs: 'positive' }]);
    s.close();
    m.close();
    r.disconnect();
  });

  it('two instances share the counts: failures on one lock the account on the other', async () => {
    const shared = { ...THROTTLE, redisUrl: redis!.url, databasePath: join(dir, 'store.sqlite') };
    const a = await startTestGateway({ ...shared, instanceId: 'A' });
    open.push(a);
    const b = await startTestGateway({ ...shared, instanceId: 'B' });
    open.push(b);
    await a.gw.auth.createAgent({ email: 'cy@x.test', password: 'cy-pass-123', name: 'Cy' });
    expect((await login(a.gw.url, 'cy@x.test', 'wrong-1')).status).toBe(401);
    expect((await login(b.gw.url, 'cy@x.test', 'wrong-2')).status).toBe(401);
    const third = await login(a.gw.url, 'cy@x.test', 'wrong-3');
    expect(third.status).toBe(429);
    const onB = await login(b.gw.url, 'cy@x.test', 'cy-pass-123');
    expect(onB.status).toBe(429);
    expect(Number(onB.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(onB.headers.get('retry-after'))).toBeLessThanOrEqual(3);
    await new Promise((r) => setTimeout(r, 1000 * Number(onB.headers.get('retry-after')) + 100));
    expect((await login(b.gw.url, 'cy@x.test', 'cy-pass-123')).status).toBe(200);
    // The success on B reset the account for A too.
    expect((await login(a.gw.url, 'cy@x.test', 'wrong-4')).status).toBe(401);
  });
});
