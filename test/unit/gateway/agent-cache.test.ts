// The agent cache over a real (in-memory SQLite) store, with a clock moved by hand.
import { describe, expect, it } from 'vitest';
import { withAgentCache } from '../../../gateway/store/agent-cache.ts';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.ts';
import type { AgentRecord } from '../../../gateway/store/types.ts';

function setup(o: { ttlMs?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const raw = openSqliteStore(':memory:');
  const s = withAgentCache(raw, { clock: () => now, ...o });
  const add = (email: string) => s.createAgent({ id: email, email, name: email, passwordHash: 'x', role: 'agent', departments: [], capacity: null, disabled: false }) as AgentRecord;
  return { raw, s, add, advance: (ms: number) => (now += ms), now: () => now };
}

describe('agent cache', () => {
  it('answers synchronously over SQLite, from memory after the first lookup', () => {
    const { s, add, now } = setup();
    const a = add('a@x.test');
    s.saveAuthToken('t', a.id, now() + 60_000);
    expect(s.agentForToken('t', now())).toEqual(a); // a value, not a promise
    expect(s.agentCache.misses).toBe(1);
    expect(s.agentForToken('t', now())).toEqual(a);
    expect(s.agentById(a.id)).toEqual(a);
    expect(s.agentCache.hits).toBe(2);
  });

  it('a change made behind its back (another process on the file) shows once the entry\'s time to live has passed', () => {
    const { raw, s, add, advance, now } = setup({ ttlMs: 5000 });
    const a = add('a@x.test');
    s.saveAuthToken('t', a.id, now() + 600_000);
    expect(s.agentForToken('t', now())?.id).toBe(a.id);
    raw.updateAgent(a.id, { disabled: true }); // not through the cache
    advance(4999);
    expect(s.agentForToken('t', now())?.id).toBe(a.id);
    advance(2);
    expect(s.agentForToken('t', now())).toBeNull();
  });

  it('a cached token still lapses at its expiry', () => {
    const { s, add, now } = setup({ ttlMs: 60_000 });
    const a = add('a@x.test');
    s.saveAuthToken('t', a.id, now() + 1000);
    expect(s.agentForToken('t', now())?.id).toBe(a.id);
    expect(s.agentForToken('t', now() + 999)?.id).toBe(a.id);
    expect(s.agentForToken('t', now() + 1000)).toBeNull();
  });

  it('is bounded: the oldest entries go first', () => {
    const { s, add } = setup({ maxEntries: 3 });
    const agents = ['a', 'b', 'c', 'd'].map((n) => add(`${n}@x.test`));
    for (const a of agents) s.agentById(a.id);
    const misses = s.agentCache.misses;
    s.agentById(agents[3].id);
    s.agentById(agents[1].id);
    expect(s.agentCache.misses).toBe(misses);
    s.agentById(agents[0].id); // dropped when d came in
    expect(s.agentCache.misses).toBe(misses + 1);
  });

  it('a lookup that started before an invalidation does not put the old record back', async () => {
    const raw = openSqliteStore(':memory:');
    const rec = raw.createAgent({ id: 'a', email: 'a@x.test', name: 'A', passwordHash: 'x', role: 'agent', departments: [], capacity: null, disabled: false });
    // A slow store: agentById answers later, with what it read before the update.
    let release!: () => void;
    const slow = { ...raw, agentById: (id: string) => new Promise<AgentRecord | null>((r) => (release = () => r(id === 'a' ? rec : null))) };
    const s = withAgentCache(slow);
    const pending = s.agentById('a');
    s.updateAgent('a', { name: 'B' });
    release();
    expect((await pending)?.name).toBe('A'); // the answer it got
    const next = s.agentById('a'); // not cached: asks the store again
    release();
    expect(next).toBeInstanceOf(Promise);
    expect((await next)?.name).toBe('A'); // the slow store's answer, again from the store
    expect(s.agentCache.misses).toBe(2);
  });
});
