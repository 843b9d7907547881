// The cluster's event log on a real redis-server: numbering stays unique and gap-free when two
// instances (two connections) append to one session at once, a resent clientId returns the stored
// event, and a Redis that comes back empty continues each session's numbering from the transcript.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { openSqliteStore } from '../../gateway/store/sqlite-store.ts';
import { redisEventLog } from '../../gateway/cluster/redis-event-log.ts';
import type { Store } from '../../gateway/store/types.ts';
import { startRedis, type TestRedis } from '../helpers/redis-server.ts';

let redis: TestRedis;
let r1: Redis;
let r2: Redis;
let store: Store;

beforeAll(async () => {
  redis = await startRedis();
  r1 = new Redis(redis.url);
  r2 = new Redis(redis.url);
  store = openSqliteStore(':memory:');
});
afterAll(async () => {
  r1?.disconnect();
  r2?.disconnect();
  store?.close();
  await redis?.close();
});

function session(id: string) {
  store.createSession({
    id, siteId: 's', department: null, priority: 0, entryUrl: 'http://shop.test/', userAgent: null, state: 'active', agentId: null, url: null,
    createdAt: 0, acceptedAt: null, endedAt: null, endedBy: null, endReason: null, rating: null, lastSeq: 0,
  });
}

describe('Redis event log', () => {
  it('two instances appending at once: unique, consecutive numbers; resend returns the stored event', async () => {
    session('s1');
    const fail = (err: unknown) => { throw err; };
    const a = redisEventLog(r1, store, 'A', 60, fail);
    const b = redisEventLog(r2, store, 'B', 60, fail);
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).append({ sessionId: 's1', ts: i, kind: 'chat', from: 'visitor', text: `m${i}`, clientId: `c${i}` })),
    );
    const seqs = results.map((r) => r.event.seq).sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    const again = await b.append({ sessionId: 's1', ts: 999, kind: 'chat', from: 'visitor', text: 'm7', clientId: 'c7' });
    expect(again.duplicate).toBe(true);
    expect(again.event.seq).toBe(results[7].event.seq);
    expect(again.event.text).toBe('m7');
    const replay = await a.after('s1', 150);
    expect(replay.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 151));
    // Every event was copied into the store, once.
    expect(store.eventsAfter('s1', 0)).toHaveLength(200);
  });

  it('a Redis that lost its data continues the numbering and replays the gap from the store', async () => {
    session('s2');
    const log = redisEventLog(r1, store, 'A', 60, (err) => { throw err; });
    for (let i = 0; i < 5; i++) await log.append({ sessionId: 's2', ts: i, kind: 'system', from: 'system', text: `e${i}` });
    await r1.flushall();
    const next = await log.append({ sessionId: 's2', ts: 9, kind: 'system', from: 'system', text: 'after' });
    expect(next.event.seq).toBe(6);
    expect((await log.after('s2', 2)).map((e) => e.seq)).toEqual([3, 4, 5, 6]);
  });

  it('a counter behind its stream cannot burn a number: the event follows the stream', async () => {
    session('s3');
    const log = redisEventLog(r1, store, 'A', 60, (err) => { throw err; });
    for (let i = 0; i < 3; i++) await log.append({ sessionId: 's3', ts: i, kind: 'system', from: 'system', text: `e${i}` });
    await r1.set('cb:seq:s3', '1');
    const next = await log.append({ sessionId: 's3', ts: 9, kind: 'system', from: 'system', text: 'after' });
    expect(next.event.seq).toBe(4);
    expect((await log.after('s3', 0)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect((await log.append({ sessionId: 's3', ts: 10, kind: 'system', from: 'system', text: 'then' })).event.seq).toBe(5);
  });

  it("a replay from the store takes only its consecutive run: a young session's later event copied before its earlier ones is not replayed over them", async () => {
    session('s-young');
    const log = redisEventLog(r1, store, 'A', 60, (err) => { throw err; });
    // Seq 3 (numbered on another instance) reached the store before 1 and 2; the stream is not there.
    store.archiveEvent({ sessionId: 's-young', seq: 3, ts: 3, kind: 'system', from: 'system', text: 'joined' });
    expect(await log.after('s-young', 0)).toEqual([]);
    store.archiveEvent({ sessionId: 's-young', seq: 1, ts: 1, kind: 'system', from: 'system', text: 'waiting' });
    expect((await log.after('s-young', 0)).map((e) => e.seq)).toEqual([1]);
    store.archiveEvent({ sessionId: 's-young', seq: 2, ts: 2, kind: 'nav', from: 'visitor', url: 'http://shop.test/' });
    expect((await log.after('s-young', 0)).map((e) => e.seq)).toEqual([1, 2, 3]);
  });
});
