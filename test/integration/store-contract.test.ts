// The store contract: one suite, run against the embedded SQLite store and a real PostgreSQL server
// (test/helpers/postgres.ts starts its own). Every port method, event numbering under concurrent
// appends from two store instances, clientId de-duplication, attachments' bytes, kv, and the agent
// cache's invalidation. PostgreSQL-only faults (restart mid-use, unreachable at start) are at the end.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqlite, openStore, type OpenedStore } from '../../gateway/store/open-store.ts';
import { openSqliteStore } from '../../gateway/store/sqlite-store.ts';
import { withAgentCache } from '../../gateway/store/agent-cache.ts';
import type { StorePorts } from '../../gateway/store/ports.ts';
import type { SessionRecord } from '../../gateway/store/types.ts';
import { newId } from '../../gateway/ids.ts';
import { GatewayError } from '../../gateway/errors.ts';
import { freePort } from '../../bench/lib/proc-stats.ts';
import type { Logger } from 'pino';
import { SessionWriter } from '../../gateway/channel/session-writer.ts';
import { runAgentCli } from '../../gateway/cli/agent-cli.ts';
import { runMigrate } from '../../scripts/migrate.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';

let pg: TestPostgres;
const dir = mkdtempSync(join(tmpdir(), 'cb-store-contract-'));
let dbCount = 0;

beforeAll(async () => {
  pg = await startPostgres();
});
afterAll(async () => {
  await pg?.close();
  rmSync(dir, { recursive: true, force: true });
});

const pgConfig = (url: string) => ({ databaseUrl: url, databasePath: '/nonexistent/never-created.sqlite', databasePoolSize: 4, databaseStatementTimeoutMs: 5000, databaseConnectTimeoutMs: 2000, redisUrl: '' });

/** Each case gets an empty store, and a second instance on the same data (a second gateway). */
const kinds: { name: string; fresh(): Promise<{ a: OpenedStore; b: () => Promise<OpenedStore> }> }[] = [
  {
    name: 'sqlite',
    async fresh() {
      const path = join(dir, `s${++dbCount}.sqlite`);
      // The second instance is a second connection on the file (the lock is for gateways, tested elsewhere).
      return { a: openSqlite({ databasePath: path, redisUrl: '' }), b: async () => withAgentCache(openSqliteStore(path)) };
    },
  },
  {
    name: 'postgres',
    async fresh() {
      const url = await pg.createDatabase(`contract_${++dbCount}`);
      return { a: await openStore(pgConfig(url)), b: () => openStore(pgConfig(url)) };
    },
  },
];

const endOfTurn = () => new Promise<void>((r) => setImmediate(r));

const session = (over: Partial<SessionRecord> = {}): SessionRecord => ({
  id: newId(),
  siteId: 'site',
  department: null,
  priority: 0,
  entryUrl: 'https://shop.test/',
  userAgent: 'UA',
  language: null,
  state: 'queued',
  agentId: null,
  url: null,
  createdAt: Date.now(),
  acceptedAt: null,
  endedAt: null,
  endedBy: null,
  endReason: null,
  rating: null,
  lastSeq: 0,
  ...over,
});

const agent = (email: string, over: Record<string, unknown> = {}) => ({
  id: newId(),
  email,
  name: email.split('@')[0],
  passwordHash: 'scrypt$x',
  role: 'agent' as const,
  departments: [] as string[],
  capacity: null,
  disabled: false,
  ...over,
});

describe.each(kinds)('store contract: $name', (kind) => {
  const opened: StorePorts[] = [];
  const fresh = async () => {
    const f = await kind.fresh();
    opened.push(f.a);
    return {
      s: f.a,
      twin: async () => {
        const b = await f.b();
        opened.push(b);
        return b;
      },
    };
  };
  afterAll(async () => {
    for (const s of opened) await s.close();
  });

  it('agents: create, by email (any case), by id, list in creation order, update every field', async () => {
    const { s } = await fresh();
    const a = await s.createAgent(agent('Ann@Example.test', { departments: ['sales', 'support'], capacity: 2 }));
    const b = await s.createAgent(agent('bob@example.test', { role: 'admin' }));
    expect(a.createdAt).toBeGreaterThan(0);
    expect(await s.agentByEmail('ann@example.TEST')).toEqual(a);
    expect(await s.agentById(b.id)).toEqual(b);
    expect(await s.agentById('nope')).toBeNull();
    expect(await s.agentByEmail('nobody@example.test')).toBeNull();
    expect((await s.listAgents()).map((x) => x.id)).toEqual([a.id, b.id]);
    await s.updateAgent(a.id, { name: 'Ann B', email: 'ann.b@example.test', passwordHash: 'scrypt$y', role: 'supervisor', departments: ['vip'], capacity: null, disabled: true });
    expect(await s.agentById(a.id)).toEqual({ ...a, name: 'Ann B', email: 'ann.b@example.test', passwordHash: 'scrypt$y', role: 'supervisor', departments: ['vip'], capacity: null, disabled: true });
    await s.updateAgent(a.id, {});
    await s.updateAgent(a.id, { capacity: 5, disabled: false });
    expect(await s.agentById(a.id)).toMatchObject({ capacity: 5, disabled: false, name: 'Ann B' });
  });

  it('login tokens: only unexpired tokens of enabled agents; replaced and deleted', async () => {
    const { s } = await fresh();
    const a = await s.createAgent(agent('t@example.test'));
    const b = await s.createAgent(agent('u@example.test'));
    const now = Date.now();
    await s.saveAuthToken('h1', a.id, now + 60_000);
    await s.saveAuthToken('h2', a.id, now - 1);
    expect((await s.agentForToken('h1', now))?.id).toBe(a.id);
    expect(await s.agentForToken('h2', now)).toBeNull();
    expect(await s.agentForToken('h1', now + 60_000)).toBeNull();
    expect(await s.agentForToken('unknown', now)).toBeNull();
    expect(await s.tokenAgent('h1', now)).toEqual({ agent: a, expiresAt: now + 60_000 });
    expect(await s.tokenAgent('h2', now)).toBeNull();
    await s.saveAuthToken('h1', b.id, now + 60_000);
    expect((await s.agentForToken('h1', now))?.id).toBe(b.id);
    await s.deleteAuthToken('h1');
    expect(await s.agentForToken('h1', now)).toBeNull();
    await s.deleteAuthToken('never-there');
  });

  it('sessions: create, load, partial update, list by state in creation order', async () => {
    const { s } = await fresh();
    const t = Date.now();
    const q1 = session({ createdAt: t, department: 'sales', priority: 2, language: 'de-DE' });
    const q2 = session({ createdAt: t + 1, state: 'ringing' });
    const act = session({ createdAt: t + 2, state: 'active', agentId: 'ag' });
    for (const x of [q1, q2, act]) await s.createSession(x);
    expect(await s.session(q1.id)).toEqual(q1);
    expect(await s.session('nope')).toBeNull();
    await s.updateSession(q1.id, { state: 'ended', endedAt: t + 5, endedBy: 'visitor', endReason: 'left', rating: 4, url: 'https://shop.test/cart', acceptedAt: t + 3, agentId: 'ag' });
    expect(await s.session(q1.id)).toEqual({ ...q1, state: 'ended', endedAt: t + 5, endedBy: 'visitor', endReason: 'left', rating: 4, url: 'https://shop.test/cart', acceptedAt: t + 3, agentId: 'ag' });
    await s.updateSession(q1.id, {});
    expect((await s.sessionsInState('queued', 'ringing', 'active')).map((x) => x.id)).toEqual([q2.id, act.id]);
    expect((await s.sessionsInState('ended')).map((x) => x.id)).toEqual([q1.id]);
    expect(await s.sessionsInState('queued')).toEqual([]);
  });

  it('events: numbered 1, 2, 3… per session, every field kept, read after a sequence number in order', async () => {
    const { s } = await fresh();
    const x = session();
    const y = session();
    await s.createSession(x);
    await s.createSession(y);
    const att = { id: newId(), name: 'a.png', type: 'image/png', size: 3 };
    const r1 = await s.appendEvent({ sessionId: x.id, ts: 1, kind: 'system', from: 'system', text: 'joined' });
    const r2 = await s.appendEvent({ sessionId: x.id, ts: 2, kind: 'chat', from: 'visitor', name: 'Vi', text: 'hello ünïcode ✓', clientId: 'c1' });
    const r3 = await s.appendEvent({ sessionId: y.id, ts: 3, kind: 'nav', from: 'agent', url: 'https://shop.test/p?q=1' });
    const r4 = await s.appendEvent({ sessionId: x.id, ts: 4, kind: 'attachment', from: 'agent', name: 'Ag', attachment: att });
    expect([r1, r2, r3, r4].map((r) => [r.event.seq, r.duplicate])).toEqual([[1, false], [2, false], [1, false], [3, false]]);
    expect(r2.event).toEqual({ sessionId: x.id, seq: 2, ts: 2, kind: 'chat', from: 'visitor', name: 'Vi', text: 'hello ünïcode ✓', clientId: 'c1' });
    expect(await s.eventsAfter(x.id, 0)).toEqual([r1.event, r2.event, r4.event]);
    expect(await s.eventsAfter(x.id, 2)).toEqual([r4.event]);
    expect(await s.eventsAfter(y.id, 0)).toEqual([r3.event]);
    expect(await s.eventsAfter('nope', 0)).toEqual([]);
    expect((await s.session(x.id))?.lastSeq).toBe(3);
  });

  it('events: appending to an unknown session fails', async () => {
    const { s } = await fresh();
    await expect(async () => s.appendEvent({ sessionId: 'nope', ts: 1, kind: 'chat', from: 'visitor', text: 'x' })).rejects.toThrow(/unknown session/);
  });

  it('events: a chat resent with a known clientId answers the stored event and stores nothing', async () => {
    const { s } = await fresh();
    const x = session();
    await s.createSession(x);
    const first = await s.appendEvent({ sessionId: x.id, ts: 10, kind: 'chat', from: 'visitor', text: 'once', clientId: 'dup' });
    const again = await s.appendEvent({ sessionId: x.id, ts: 99, kind: 'chat', from: 'visitor', text: 'once (resent)', clientId: 'dup' });
    expect(again).toEqual({ event: first.event, duplicate: true });
    const next = await s.appendEvent({ sessionId: x.id, ts: 11, kind: 'chat', from: 'visitor', text: 'next', clientId: 'other' });
    expect(next.event.seq).toBe(2);
    expect((await s.eventsAfter(x.id, 0)).map((e) => e.text)).toEqual(['once', 'next']);
  });

  it('events: two store instances appending at once number without gaps or repeats, and a resent clientId is stored once', async () => {
    const { s, twin } = await fresh();
    const t = await twin();
    const x = session();
    await s.createSession(x);
    const N = 60;
    // Each chat is sent through both instances (a client resending to another gateway), plus chats without a clientId.
    const jobs: Promise<{ event: { seq: number; clientId?: string }; duplicate: boolean }>[] = [];
    for (let i = 0; i < N; i++) {
      const e = { sessionId: x.id, ts: i, kind: 'chat' as const, from: 'visitor' as const, text: `m${i}`, clientId: `c${i}` };
      jobs.push(Promise.resolve(s.appendEvent(e)), Promise.resolve(t.appendEvent(e)));
      jobs.push(Promise.resolve((i % 2 ? s : t).appendEvent({ sessionId: x.id, ts: i, kind: 'system', from: 'system', text: `s${i}` })));
    }
    const results = await Promise.all(jobs);
    const stored = await s.eventsAfter(x.id, 0);
    expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: 2 * N }, (_, i) => i + 1));
    expect(new Set(stored.filter((e) => e.clientId).map((e) => e.clientId)).size).toBe(N);
    expect(results.filter((r) => r.duplicate)).toHaveLength(N);
    // Both answers for one clientId name the same stored event.
    for (let i = 0; i < N; i++) expect(results[3 * i].event.seq).toBe(results[3 * i + 1].event.seq);
    expect((await t.session(x.id))?.lastSeq).toBe(2 * N);
  });

  it('appendEvents: a batch is numbered in order across sessions, de-duplicates within itself and against the log, every field kept', async () => {
    const { s } = await fresh();
    const x = session();
    const y = session();
    await s.createSession(x);
    await s.createSession(y);
    expect(await s.appendEvents([])).toEqual([]);
    const before = await s.appendEvent({ sessionId: x.id, ts: 1, kind: 'chat', from: 'visitor', text: 'earlier', clientId: 'old' });
    const att = { id: newId(), name: 'a "quoted" name.png', type: 'image/png', size: 3 };
    const got = (await s.appendEvents([
      { sessionId: x.id, ts: 2, kind: 'chat', from: 'visitor', name: 'Vi', text: 'hello ünïcode ✓ "{x}"', clientId: 'c1' },
      { sessionId: y.id, ts: 3, kind: 'nav', from: 'agent', url: 'https://shop.test/p?q=1' },
      { sessionId: x.id, ts: 4, kind: 'chat', from: 'visitor', text: 'hello (resent in the batch)', clientId: 'c1' },
      { sessionId: x.id, ts: 5, kind: 'chat', from: 'visitor', text: 'earlier (resent)', clientId: 'old' },
      { sessionId: x.id, ts: 6, kind: 'attachment', from: 'agent', name: 'Ag', attachment: att },
      { sessionId: y.id, ts: 7, kind: 'system', from: 'system', text: 'two' },
    ])) as { event: { seq: number }; duplicate: boolean }[];
    expect(got.map((r) => [r.event.seq, r.duplicate])).toEqual([[2, false], [1, false], [2, true], [1, true], [3, false], [2, false]]);
    expect(got[0].event).toEqual({ sessionId: x.id, seq: 2, ts: 2, kind: 'chat', from: 'visitor', name: 'Vi', text: 'hello ünïcode ✓ "{x}"', clientId: 'c1' });
    expect(got[2].event).toEqual(got[0].event);
    expect(got[3].event).toEqual(before.event);
    expect(await s.eventsAfter(x.id, 0)).toEqual([before.event, got[0].event, got[4].event]);
    expect(await s.eventsAfter(y.id, 0)).toEqual([got[1].event, got[5].event]);
    expect((await s.session(x.id))?.lastSeq).toBe(3);
    expect((await s.session(y.id))?.lastSeq).toBe(2);
  });

  it('appendEvents: an event for an unknown session is answered with its error, the rest of the batch is appended', async () => {
    const { s } = await fresh();
    const x = session();
    await s.createSession(x);
    const got = await s.appendEvents([
      { sessionId: x.id, ts: 1, kind: 'chat', from: 'visitor', text: 'a' },
      { sessionId: 'nope', ts: 2, kind: 'chat', from: 'visitor', text: 'lost' },
      { sessionId: x.id, ts: 3, kind: 'chat', from: 'visitor', text: 'b' },
    ]);
    expect(got[1]).toBeInstanceOf(Error);
    expect((got[1] as Error).message).toMatch(/unknown session/);
    expect([got[0], got[2]].map((r) => (r as { event: { seq: number } }).event.seq)).toEqual([1, 2]);
    expect((await s.eventsAfter(x.id, 0)).map((e) => e.text)).toEqual(['a', 'b']);
  });

  it('appendEvents: batches from two store instances at once number without gaps or repeats', async () => {
    const { s, twin } = await fresh();
    const t = await twin();
    const x = session();
    const y = session();
    await s.createSession(x);
    await s.createSession(y);
    const batch = (k: number, from: string) => [x, y, x].map((z, j) => ({ sessionId: z.id, ts: k, kind: 'system' as const, from: 'system' as const, text: `${from}${k}.${j}` }));
    const jobs: Promise<unknown>[] = [];
    for (let k = 0; k < 20; k++) jobs.push(Promise.resolve(s.appendEvents(batch(k, 's'))), Promise.resolve(t.appendEvents(batch(k, 't'))));
    await Promise.all(jobs);
    expect((await s.eventsAfter(x.id, 0)).map((e) => e.seq)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect((await s.eventsAfter(y.id, 0)).map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('archiveEvent: copies an event numbered elsewhere, keeps a copy already there, raises lastSeq', async () => {
    const { s } = await fresh();
    const x = session();
    await s.createSession(x);
    const e5 = { sessionId: x.id, seq: 5, ts: 5, kind: 'chat' as const, from: 'agent' as const, name: 'Ag', text: 'five', clientId: 'k5' };
    await s.archiveEvent(e5);
    await s.archiveEvent({ ...e5, text: 'five again' });
    await s.archiveEvent({ sessionId: x.id, seq: 3, ts: 3, kind: 'nav', from: 'visitor', url: 'https://shop.test/' });
    expect((await s.eventsAfter(x.id, 0)).map((e) => [e.seq, e.text ?? e.url])).toEqual([[3, 'https://shop.test/'], [5, 'five']]);
    expect((await s.session(x.id))?.lastSeq).toBe(5);
    expect((await s.appendEvent({ sessionId: x.id, ts: 6, kind: 'system', from: 'system', text: 'after' })).event.seq).toBe(6);
  });

  it('proxy origins: saved once per token and per (session, origin), listed', async () => {
    const { s } = await fresh();
    await s.saveProxyOrigin('tok1', 'sid1', 'https://a.test');
    await s.saveProxyOrigin('tok1', 'sid1', 'https://a.test');
    await s.saveProxyOrigin('tok2', 'sid1', 'https://a.test');
    await s.saveProxyOrigin('tok3', 'sid2', 'https://a.test');
    const list = await s.proxyOrigins();
    expect(list.sort((p, q) => p.token.localeCompare(q.token))).toEqual([
      { token: 'tok1', sessionId: 'sid1', origin: 'https://a.test' },
      { token: 'tok3', sessionId: 'sid2', origin: 'https://a.test' },
    ]);
  });

  it('offline messages: newest first, limited, marked handled', async () => {
    const { s } = await fresh();
    const t = Date.now();
    const msg = (i: number) => ({ id: newId(), sessionId: i % 2 ? null : `sid${i}`, siteId: 'site', name: `N${i}`, email: `n${i}@example.test`, message: `hello ${i}`, createdAt: t + i, handledBy: null });
    const ms = [0, 1, 2, 3].map(msg);
    for (const m of ms) await s.saveOfflineMessage(m);
    expect(await s.offlineMessages(10)).toEqual([...ms].reverse());
    expect((await s.offlineMessages(2)).map((m) => m.id)).toEqual([ms[3].id, ms[2].id]);
    await s.markOfflineHandled(ms[1].id, 'agent-7');
    expect((await s.offlineMessages(10)).find((m) => m.id === ms[1].id)?.handledBy).toBe('agent-7');
  });

  it('canned responses: own and shared, by shortcut; deleted by the owner, shared ones only when allowed', async () => {
    const { s } = await fresh();
    const c = (agentId: string | null, shortcut: string) => ({ id: newId(), agentId, shortcut, text: `text ${shortcut}`, createdAt: Date.now() });
    const mine = c('me', 'thanks');
    const shared = c(null, 'Hello');
    const other = c('you', 'bye');
    const mine2 = c('me', 'apology');
    for (const x of [mine, shared, other, mine2]) await s.saveCanned(x);
    // Byte order: upper case before lower case, as SQLite sorts.
    expect((await s.cannedFor('me')).map((x) => x.shortcut)).toEqual(['Hello', 'apology', 'thanks']);
    expect(await s.cannedFor('you')).toEqual([shared, other]);
    expect(await s.deleteCanned(other.id, 'me', true)).toBe(false);
    expect(await s.deleteCanned(shared.id, 'me', false)).toBe(false);
    expect(await s.deleteCanned(mine.id, 'me', false)).toBe(true);
    expect(await s.deleteCanned(shared.id, 'me', true)).toBe(true);
    expect(await s.deleteCanned(shared.id, 'me', true)).toBe(false);
    expect((await s.cannedFor('me')).map((x) => x.id)).toEqual([mine2.id]);
  });

  it('attachments: every byte value and a large random file come back exactly', async () => {
    const { s } = await fresh();
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const big = randomBytes(2 * 1024 * 1024);
    for (const data of [all, big]) {
      const a = { id: newId(), sessionId: 'sid', name: 'f.bin', type: 'application/pdf', size: data.length, data, createdAt: Date.now() };
      await s.saveAttachment(a);
      const back = await s.attachment(a.id);
      expect(back).toEqual({ ...a, data: expect.any(Buffer) });
      expect(Buffer.compare(back!.data, data)).toBe(0);
    }
    expect(await s.attachment('nope')).toBeNull();
  });

  it('kv: missing is null, set, overwritten, large values kept', async () => {
    const { s } = await fresh();
    expect(await s.getKv('routing')).toBeNull();
    await s.setKv('routing', '{"v":1}');
    await s.setKv('routing', '{"v":2}');
    expect(await s.getKv('routing')).toBe('{"v":2}');
    const big = 'x'.repeat(1_000_000);
    await s.setKv('big', big);
    expect(await s.getKv('big')).toBe(big);
  });

  it('routing log: rows come back in seq order after a seq, a retried append replaces its row, compaction drops through a seq, a second instance sees it', async () => {
    const { s, twin } = await fresh();
    const other = await twin();
    expect(await s.routingLogAfter(0)).toEqual([]);
    // Appended out of order on purpose: the answer is ordered by seq, not by insertion.
    await s.appendRoutingLog(2, '[[2,{"type":"tick"}]]');
    await s.appendRoutingLog(1, '[[1,{"type":"tick"}]]');
    await s.appendRoutingLog(3, 'first attempt');
    await s.appendRoutingLog(3, '[[3,{"type":"tick"}]]'); // the writer's retry of a write that may have landed
    const big = JSON.stringify(Array.from({ length: 5000 }, (_, i) => [i, { type: 'visitor.join', sessionId: `s${i}`, department: null, priority: 0 }]));
    await s.appendRoutingLog(4, big);
    expect((await s.routingLogAfter(0)).map((r) => r.seq)).toEqual([1, 2, 3, 4]);
    expect(await s.routingLogAfter(2)).toEqual([{ seq: 3, batch: '[[3,{"type":"tick"}]]' }, { seq: 4, batch: big }]);
    // The locked SQLite file commits a turn's deferrable writes as the turn ends
    // (gateway/store/sqlite-write-group.ts): another connection sees them after it.
    await endOfTurn();
    expect(await other.routingLogAfter(3)).toEqual([{ seq: 4, batch: big }]);
    // Seqs beyond 2^31 (a long-lived gateway) keep their value as numbers.
    await s.appendRoutingLog(2 ** 40, '[]');
    expect((await s.routingLogAfter(4)).map((r) => r.seq)).toEqual([2 ** 40]);
    await s.dropRoutingLogThrough(3);
    expect((await s.routingLogAfter(0)).map((r) => r.seq)).toEqual([4, 2 ** 40]);
    await s.dropRoutingLogThrough(2 ** 40);
    expect(await s.routingLogAfter(0)).toEqual([]);
    await endOfTurn();
    expect(await other.routingLogAfter(0)).toEqual([]);
  });

  it('is healthy and says what it is', async () => {
    const { s } = await fresh();
    expect(s.healthy()).toBe(true);
    expect(s.kind).toBe(kind.name);
  });

  it('agent cache: answers from memory, and a change through the store takes effect at once (a disabled agent\'s token stops working)', async () => {
    const { s } = await fresh();
    await s.agentCache.listening; // PostgreSQL drops the cache once its LISTEN is up: before counting hits
    const a = await s.createAgent(agent('c@example.test'));
    const now = Date.now();
    await s.saveAuthToken('tok', a.id, now + 60_000);
    expect((await s.agentForToken('tok', now))?.id).toBe(a.id);
    const misses = s.agentCache.misses;
    for (let i = 0; i < 5; i++) expect((await s.agentForToken('tok', now))?.id).toBe(a.id);
    expect(await s.agentById(a.id)).toMatchObject({ id: a.id });
    expect(s.agentCache.misses).toBe(misses); // all hits
    await s.updateAgent(a.id, { disabled: true });
    expect(await s.agentForToken('tok', now)).toBeNull();
    expect((await s.agentById(a.id))?.disabled).toBe(true);
    await s.updateAgent(a.id, { disabled: false, name: 'Renamed' });
    expect((await s.agentForToken('tok', now))?.name).toBe('Renamed');
    await s.deleteAuthToken('tok');
    expect(await s.agentForToken('tok', now)).toBeNull();
  });
});

describe('store contract: postgres only', () => {
  const opened: StorePorts[] = [];
  afterAll(async () => {
    for (const s of opened) await Promise.resolve(s.close()).catch(() => {});
  });
  const open = async (url: string) => {
    const s = await openStore(pgConfig(url));
    opened.push(s);
    return s;
  };

  it('an agent changed through another gateway drops out of this one\'s cache (NOTIFY)', async () => {
    const url = await pg.createDatabase(`notify_${++dbCount}`);
    const a = await open(url);
    const b = await open(url);
    await Promise.all([a.agentCache.listening, b.agentCache.listening]);
    const rec = await a.createAgent(agent('n@example.test'));
    await a.saveAuthToken('tok', rec.id, Date.now() + 60_000);
    expect((await a.agentForToken('tok', Date.now()))?.id).toBe(rec.id);
    // Give b's LISTEN connection a moment to be up before the change (it starts with the store).
    await waitFor(async () => (await b.agentForToken('tok', Date.now()))?.id === rec.id);
    await b.updateAgent(rec.id, { disabled: true });
    await waitFor(async () => (await a.agentForToken('tok', Date.now())) === null, 2000);
    await b.updateAgent(rec.id, { disabled: false });
    await waitFor(async () => (await a.agentForToken('tok', Date.now()))?.id === rec.id, 2000);
    await b.deleteAuthToken('tok');
    await waitFor(async () => (await a.agentForToken('tok', Date.now())) === null, 2000);
  });

  it('the agent CLI works on DATABASE_URL, and a running gateway stops honouring a token the CLI disabled', async () => {
    const url = await pg.createDatabase(`cli_${++dbCount}`);
    const gw = await open(url);
    const out: string[] = [];
    const env = { DATABASE_URL: url };
    expect(await runAgentCli(['add', 'cli@example.test', 'long-password', '--role', 'supervisor'], env, (l) => out.push(l))).toBe(0);
    const rec = (await gw.agentByEmail('cli@example.test'))!;
    expect(rec.role).toBe('supervisor');
    await gw.saveAuthToken('tok', rec.id, Date.now() + 60_000);
    expect((await gw.agentForToken('tok', Date.now()))?.id).toBe(rec.id);
    expect(await runAgentCli(['disable', 'cli@example.test'], env, (l) => out.push(l))).toBe(0);
    await waitFor(async () => (await gw.agentForToken('tok', Date.now())) === null, 2000);
    expect(await runAgentCli(['list'], env, (l) => out.push(l))).toBe(0);
    expect(out.at(-1)).toMatch(/^cli@example.test\tcli\tsupervisor\t-\tcapacity=default\tdisabled$/);
  });

  it('npm run migrate: applies the pending migrations, then says the schema is up to date; without DATABASE_URL says what to set', async () => {
    const url = await pg.createDatabase(`npm_migrate_${++dbCount}`);
    const out: string[] = [];
    expect(await runMigrate({ DATABASE_URL: url }, (l) => out.push(l))).toBe(0);
    expect(await runMigrate({ DATABASE_URL: url }, (l) => out.push(l))).toBe(0);
    expect(await runMigrate({}, (l) => out.push(l))).toBe(2);
    expect(out[0]).toMatch(/applied 1 \(initial schema\), 2 \(the visitor language of a session\), 3 \(idempotent event appends\), 4 \(the routing command log between routing snapshots\); schema version 4$/);
    expect(out[1]).toMatch(/up to date at schema version 4$/);
    expect(out[2]).toMatch(/DATABASE_URL is not set/);
    await expect(runMigrate({ DATABASE_URL: `postgres://x@127.0.0.1:${await freePort()}/db`, DATABASE_CONNECT_TIMEOUT_MS: '1000' })).rejects.toMatchObject({ code: 'CB_ERR_STORE_UNREACHABLE' });
  });

  it('migrations: applied once, concurrently from two gateways, and a newer schema is refused', async () => {
    const url = await pg.createDatabase(`migrate_${++dbCount}`);
    const [a, b] = await Promise.all([open(url), open(url)]);
    expect(a.healthy() && b.healthy()).toBe(true);
    const { default: pgLib } = await import('pg');
    const c = new pgLib.Client(url);
    await c.connect();
    expect((await c.query('SELECT version FROM schema_migrations ORDER BY version')).rows).toEqual([{ version: 1 }, { version: 2 }, { version: 3 }, { version: 4 }]);
    await c.query("INSERT INTO schema_migrations (version, name) VALUES (999, 'from the future')");
    await c.end();
    await expect(openStore(pgConfig(url))).rejects.toMatchObject({ code: 'CB_ERR_STORE_SCHEMA' });
  });

  it('PostgreSQL restarted mid-use: health goes false and back by itself; the session writer retries in order, nothing lost or stored twice', async () => {
    const url = await pg.createDatabase(`restart_${++dbCount}`);
    const s = await open(url);
    const logged: string[] = [];
    const log = { warn: (o: object) => logged.push(String((o as { event: string }).event)), error: (o: object) => logged.push(String((o as { event: string }).event)) } as unknown as Logger;
    const writer = new SessionWriter(log, { retryMs: 20, maxRetryMs: 200 });
    const x = session();
    await s.createSession(x);
    const N = 300;
    let sent = 0;
    // A steady stream of writes for one session (chats with clientIds, as the hub sends them), with a restart in the middle.
    const stream = (async () => {
      for (; sent < N; sent++) {
        const i = sent;
        writer.write(x.id, 'appendEvent', () => s.appendEvent({ sessionId: x.id, ts: i, kind: 'chat', from: 'visitor', text: `m${i}`, clientId: `c${i}` }));
        if (i % 10 === 9) writer.write(x.id, 'updateSession', () => s.updateSession(x.id, { url: `https://shop.test/${i}` }));
        await new Promise((r) => setTimeout(r, 2));
      }
    })();
    await waitFor(async () => sent > N / 3);
    await pg.kill();
    await waitFor(async () => !s.healthy(), 5000);
    const outage = sent;
    await new Promise((r) => setTimeout(r, 300));
    expect(writer.pending).toBeGreaterThan(0);
    await pg.start();
    await waitFor(async () => s.healthy(), 10_000);
    await stream;
    await writer.idle();
    expect(outage).toBeLessThan(N);
    const events = await s.eventsAfter(x.id, 0);
    expect(events.map((e) => e.clientId)).toEqual(Array.from({ length: N }, (_, i) => `c${i}`));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    expect((await s.session(x.id))?.url).toBe(`https://shop.test/${N - 1}`);
    expect(logged).toContain('store.write-failed');
    expect(logged).not.toContain('store.write-lost');
  });

  it('an unreachable DATABASE_URL at start stops with CB_ERR_STORE_UNREACHABLE saying what to do, without the password', async () => {
    const port = await freePort();
    const t = Date.now();
    const err = await openStore(pgConfig(`postgres://gw:s3cret@127.0.0.1:${port}/cobrowse`)).catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe('CB_ERR_STORE_UNREACHABLE');
    expect(err.message).toMatch(/check that PostgreSQL is running/);
    expect(err.message).toContain(`127.0.0.1:${port}`);
    expect(err.message).not.toContain('s3cret');
    expect(Date.now() - t).toBeLessThan(5000);
  });
});

async function waitFor(cond: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
