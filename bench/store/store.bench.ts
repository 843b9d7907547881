/**
 * What each store call costs: the embedded SQLite store (the reference) against PostgreSQL on
 * loopback (a server of its own, test/helpers/postgres.ts), both through the agent cache as the
 * gateway opens them (gateway/store/open-store.ts).
 *
 *   node --import tsx bench/store/store.bench.ts [--quick] [--store sqlite|postgres]
 *
 * Per call, one at a time and then 16 in flight (what a busy gateway's pool sees): createSession,
 * appendEvent, archiveEvent (the cluster's write-behind of a Redis-numbered event), eventsAfter (a
 * resume's replay of a 20-event session), session (load), agentForToken (the store's lookup, and
 * through the cache), updateSession, setKv (a routing snapshot of 100 queued visitors, 11 KiB). Then the
 * chat bench's load (bench/scenarios/chat-sync.ts: 200 sessions, one message per second per party =
 * 400 appendEvent/s) offered at that rate, and the most appends per second with one append in flight
 * per session (200 at once).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { openSqlite, openStore, type OpenedStore } from '../../gateway/store/open-store.ts';
import type { SessionRecord } from '../../gateway/store/types.ts';
import { newId } from '../../gateway/ids.ts';
import { startPostgres } from '../../test/helpers/postgres.ts';

export interface StoreBenchRow {
  store: string;
  call: string;
  p50us: number;
  p99us: number;
  perSec: number;
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const session = (): SessionRecord => ({
  id: newId(), siteId: 'bench', department: null, priority: 0, entryUrl: 'https://shop.example.com/', userAgent: 'bench', state: 'active',
  agentId: null, url: null, createdAt: Date.now(), acceptedAt: null, endedAt: null, endedBy: null, endReason: null, rating: null, lastSeq: 0,
});

/** One call at a time, n times: latency percentiles and calls per second. */
async function serial(store: string, call: string, n: number, f: (i: number) => unknown): Promise<StoreBenchRow> {
  for (let i = 0; i < Math.min(200, n / 10); i++) await f(i); // warm-up: prepared statements, JIT
  const lat: number[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await f(i);
    lat.push((performance.now() - t) * 1000);
  }
  const secs = (performance.now() - t0) / 1000;
  return { store, call, p50us: pct(lat, 50), p99us: pct(lat, 99), perSec: n / secs };
}

/** n calls with `k` in flight at once: latency percentiles (queueing in the pool included) and calls per second. */
async function concurrent(store: string, call: string, n: number, k: number, f: (i: number) => unknown): Promise<StoreBenchRow> {
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: k }, async () => {
    for (let i = next++; i < n; i = next++) {
      const t = performance.now();
      await f(i);
      lat.push((performance.now() - t) * 1000);
    }
  }));
  const secs = (performance.now() - t0) / 1000;
  return { store, call: `${call}, ${k} in flight`, p50us: pct(lat, 50), p99us: pct(lat, 99), perSec: n / secs };
}

/** `rate` appends per second spread over the sessions, for `seconds`: latency at the bench's load. */
async function offered(store: string, s: OpenedStore, sids: string[], rate: number, seconds: number): Promise<StoreBenchRow> {
  const lat: number[] = [];
  const pending: Promise<unknown>[] = [];
  const total = rate * seconds;
  const t0 = performance.now();
  for (let i = 0; i < total; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const t = performance.now();
    pending.push(Promise.resolve(s.appendEvent({ sessionId: sids[i % sids.length], ts: Date.now(), kind: 'chat', from: 'visitor', text: 'hello there', clientId: `o${i}` })).then(() => lat.push((performance.now() - t) * 1000)));
  }
  await Promise.all(pending);
  return { store, call: `appendEvent at ${rate}/s over ${sids.length} sessions`, p50us: pct(lat, 50), p99us: pct(lat, 99), perSec: total / ((performance.now() - t0) / 1000) };
}

/** Every session appending as fast as its previous append returns (one in flight per session). */
async function saturated(store: string, s: OpenedStore, sids: string[], seconds: number): Promise<StoreBenchRow> {
  const lat: number[] = [];
  const end = performance.now() + seconds * 1000;
  let n = 0;
  const t0 = performance.now();
  await Promise.all(sids.map(async (sid) => {
    while (performance.now() < end) {
      const t = performance.now();
      await s.appendEvent({ sessionId: sid, ts: Date.now(), kind: 'chat', from: 'agent', text: 'hello there' });
      lat.push((performance.now() - t) * 1000);
      n++;
    }
  }));
  return { store, call: `appendEvent, ${sids.length} in flight`, p50us: pct(lat, 50), p99us: pct(lat, 99), perSec: n / ((performance.now() - t0) / 1000) };
}

/** Calls in flight at once in the concurrent rows. */
const IN_FLIGHT = 16;

export async function runStoreBench(quick = false, only?: 'sqlite' | 'postgres'): Promise<StoreBenchRow[]> {
  const n = quick ? 300 : 3000;
  const seconds = quick ? 1 : 3;
  const dir = mkdtempSync(join(tmpdir(), 'cb-store-bench-'));
  const pg = only === 'sqlite' ? null : await startPostgres();
  const rows: StoreBenchRow[] = [];
  try {
    const stores: [string, () => Promise<OpenedStore>][] = [
      ['sqlite', async () => openSqlite({ databasePath: join(dir, 'bench.sqlite'), redisUrl: '' })],
      ['postgres', () => openStore({ databaseUrl: pg!.url, databasePath: join(dir, 'unused.sqlite'), databasePoolSize: 10, databaseStatementTimeoutMs: 5000, databaseConnectTimeoutMs: 5000, redisUrl: '' })],
    ];
    for (const [name, open] of stores) {
      if (only && name !== only) continue;
      const s = await open();
      const sids: string[] = [];
      for (let i = 0; i < 200; i++) {
        const x = session();
        await s.createSession(x);
        sids.push(x.id);
      }
      const agent = await s.createAgent({ id: newId(), email: `bench-${name}@example.test`, name: 'Bench', passwordHash: 'x', role: 'agent', departments: [], capacity: null, disabled: false });
      await s.saveAuthToken('bench-token', agent.id, Date.now() + 3600_000);
      const now = Date.now();
      // Sessions of their own for the replay: 20 events each, as a resume after a short chat reads.
      const replay: string[] = [];
      for (let i = 0; i < 50; i++) {
        const x = session();
        await s.createSession(x);
        for (let k = 0; k < 20; k++) await s.appendEvent({ sessionId: x.id, ts: now, kind: 'chat', from: 'visitor', text: `message ${k}` });
        replay.push(x.id);
      }
      // Archived events: a session per row kind, numbered past what appendEvent gave out.
      const archived = sids.slice(0, 100);
      let archiveSeq = 1_000_000;
      const snapshot = JSON.stringify({ v: 1, queue: Array.from({ length: 100 }, (_, i) => ({ sessionId: newId(), priority: 0, joinedAt: now + i, connected: true, offeredTo: null })) });
      type Call = [string, (i: number) => unknown];
      const calls = (tag: string): Call[] => [
        ['createSession', () => s.createSession(session())],
        ['appendEvent', (i) => s.appendEvent({ sessionId: sids[i % 200], ts: now, kind: 'chat', from: 'visitor', text: 'hello there', clientId: `${tag}${i}` })],
        ['archiveEvent', (i) => s.archiveEvent({ sessionId: archived[i % 100], seq: archiveSeq++, ts: now, kind: 'chat', from: 'agent', text: 'hello there' })],
        ['eventsAfter (20 events)', (i) => s.eventsAfter(replay[i % 50], 0)],
        ['session (load)', (i) => s.session(sids[i % 200])],
        // The store's own lookup (what a cache miss costs), then through the cache as requests see it.
        ['agentForToken, store (cache miss)', () => s.tokenAgent('bench-token', now)],
        ['agentForToken, cached', () => s.agentForToken('bench-token', now)],
        ['updateSession', (i) => s.updateSession(sids[i % 200], { url: `https://shop.example.com/p/${i}` })],
        [`setKv (${(snapshot.length / 1024).toFixed(0)} KiB)`, () => s.setKv('bench:routing', snapshot)],
      ];
      for (const [call, f] of calls('s')) rows.push(await serial(name, call, n, f));
      for (const [call, f] of calls('c')) rows.push(await concurrent(name, call, n, IN_FLIGHT, f));
      rows.push(await offered(name, s, sids, 400, seconds));
      rows.push(await saturated(name, s, sids, seconds));
      await s.close();
    }
  } finally {
    await pg?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const at = process.argv.indexOf('--store');
  const only = at > 0 ? process.argv[at + 1] : undefined;
  if (only !== undefined && only !== 'sqlite' && only !== 'postgres') throw new Error('--store: sqlite or postgres');
  const rows = await runStoreBench(process.argv.includes('--quick'), only);
  const f = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));
  console.log('| store | call | p50 (µs) | p99 (µs) | calls/s |\n|---|---|---:|---:|---:|');
  for (const r of rows) console.log(`| ${r.store} | ${r.call} | ${f(r.p50us)} | ${f(r.p99us)} | ${f(r.perSec)} |`);
}
