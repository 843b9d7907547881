// Group commit of a session's events (one process): the appends of one event-loop turn go to the
// store as one batch, each is answered only after its batch committed, in order; a failure is
// answered to the appends it concerns. The store is the real embedded SQLite store, in memory.
import { describe, expect, it } from 'vitest';
import { storeEventLog } from '../../../gateway/channel/event-log.ts';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.ts';
import type { NewEvent } from '../../../gateway/store/types.ts';
import type { Delivered } from '../../../gateway/channel/event-delivery.ts';

function setup() {
  const store = openSqliteStore(':memory:');
  for (const id of ['s1', 's2']) {
    store.createSession({ id, siteId: 'site', department: null, priority: 0, entryUrl: 'https://shop.test/', userAgent: 'UA', language: null, state: 'active', agentId: null, url: null, createdAt: 1, acceptedAt: null, endedAt: null, endedBy: null, endReason: null, rating: null, lastSeq: 0 });
  }
  const batches: NewEvent[][] = [];
  let fail: Error | null = null;
  const counted = {
    appendEvents: (es: NewEvent[]) => {
      batches.push(es);
      if (fail) throw fail;
      return store.appendEvents(es);
    },
    eventsAfter: store.eventsAfter,
  };
  const turns: (() => void)[] = [];
  const heard: [string, number][] = [];
  const log = storeEventLog(counted, () => (id: string, e: Delivered) => heard.push([id, e.seq]), (run) => turns.push(run));
  const turn = () => turns.splice(0).forEach((run) => run());
  return { store, log, batches, heard, turn, failWith: (e: Error | null) => (fail = e) };
}

const chat = (sessionId: string, text: string, clientId?: string): NewEvent => ({ sessionId, ts: 1, kind: 'chat', from: 'visitor', text, clientId });

describe('store event log (group commit)', () => {
  it('appends of one turn are one batch, answered only after it committed, in order', async () => {
    const { log, batches, heard, turn, store } = setup();
    const answers: number[] = [];
    const ps = [chat('s1', 'a', 'c1'), chat('s2', 'b'), chat('s1', 'c'), chat('s1', 'a again', 'c1')].map((e) =>
      Promise.resolve(log.append(e)).then((r) => (answers.push(r.event.seq), r)),
    );
    await Promise.resolve();
    expect(batches).toHaveLength(0);
    expect(store.eventsAfter('s1', 0)).toEqual([]);
    expect(answers).toEqual([]);
    turn();
    const rs = await Promise.all(ps);
    expect(batches.map((b) => b.length)).toEqual([4]);
    expect(rs.map((r) => [r.event.sessionId, r.event.seq, r.duplicate])).toEqual([['s1', 1, false], ['s2', 1, false], ['s1', 2, false], ['s1', 1, true]]);
    expect(answers).toEqual([1, 1, 2, 1]);
    // The listener hears new events only, in sequence order; a resent chat is not delivered again.
    expect(heard).toEqual([['s1', 1], ['s2', 1], ['s1', 2]]);
    expect(store.eventsAfter('s1', 0).map((e) => e.text)).toEqual(['a', 'c']);
  });

  it('appends made while a batch commits gather into the next batch', async () => {
    const { log, batches, turn } = setup();
    const first = log.append(chat('s1', 'one'));
    turn();
    await first;
    const second = [log.append(chat('s1', 'two')), log.append(chat('s1', 'three'))];
    turn();
    expect((await Promise.all(second)).map((r) => r.event.seq)).toEqual([2, 3]);
    expect(batches.map((b) => b.map((e) => e.text))).toEqual([['one'], ['two', 'three']]);
  });

  it('a backlog gathered over a long turn is committed whole in the next, in order (no cap that could fall behind)', async () => {
    const { log, batches, turn, heard } = setup();
    const all = Array.from({ length: 1000 }, (_, i) => log.append(chat(i % 2 ? 's1' : 's2', `m${i}`)));
    turn();
    const rs = await Promise.all(all);
    expect(batches.map((b) => b.length)).toEqual([1000]);
    expect(rs.filter((r) => r.event.sessionId === 's1').map((r) => r.event.seq)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(heard.map(([, seq]) => seq)).toEqual(rs.map((r) => r.event.seq));
  });

  it('an unknown session fails its own append only; a store failure fails the whole batch and the next batch still runs', async () => {
    const { log, turn, failWith, store } = setup();
    const ok = log.append(chat('s1', 'kept'));
    const lost = log.append(chat('nope', 'lost'));
    turn();
    expect((await ok).event.seq).toBe(1);
    await expect(lost).rejects.toThrow(/unknown session/);
    failWith(new Error('disk full'));
    const both = [log.append(chat('s1', 'x')), log.append(chat('s2', 'y'))];
    turn();
    for (const p of both) await expect(p).rejects.toThrow('disk full');
    failWith(null);
    const after = log.append(chat('s1', 'later'));
    turn();
    expect((await after).event.seq).toBe(2);
    expect(store.eventsAfter('s1', 0).map((e) => e.text)).toEqual(['kept', 'later']);
  });
});
