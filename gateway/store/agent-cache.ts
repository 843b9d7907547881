// Agent records in memory for the lookups made on every request and socket (login token → agent,
// agent by id), so a networked store is not asked each time. Changes made through this store drop
// the entry at once: a disabled agent's tokens stop working on the next request. Changes made
// elsewhere are heard through `store.onChange` (PostgreSQL NOTIFY from another gateway); anything
// not announced (the agent CLI writing to the SQLite file from another process) is bounded by the
// entry's time to live.
//
// A lookup that started before an invalidation must not put the old record back: each lookup
// remembers the cache's epoch and only stores its answer if nothing was invalidated meanwhile.
import { andThen } from './maybe.ts';
import type { StorePorts } from './ports.ts';
import type { AgentRecord } from './types.ts';

export interface AgentCacheOptions {
  /** How long an entry is trusted without hearing of a change. */
  ttlMs?: number;
  /** Entries per map at most (oldest dropped first): memory stays bounded under a token flood. */
  maxEntries?: number;
  clock?: () => number;
}

export interface AgentCacheControl {
  readonly hits: number;
  readonly misses: number;
  /** Settles once changes from other gateways are heard (at once when the store has none to tell). */
  readonly listening: Promise<void>;
  invalidateAgent(id: string): void;
  invalidateToken(tokenHash: string): void;
  clear(): void;
}

interface Entry<T> {
  value: T;
  until: number;
}

/** The store with agentById / agentForToken answered from memory when fresh. Keeps the store's synchronous answers synchronous. */
export function withAgentCache<S extends StorePorts>(store: S, o: AgentCacheOptions = {}): S & { agentCache: AgentCacheControl } {
  const ttl = o.ttlMs ?? 5000;
  const max = o.maxEntries ?? 10_000;
  const clock = o.clock ?? Date.now;
  const agents = new Map<string, Entry<AgentRecord>>();
  const tokens = new Map<string, Entry<{ agentId: string; expiresAt: number }>>();
  let epoch = 0;
  let hits = 0;
  let misses = 0;

  const put = <T>(m: Map<string, Entry<T>>, k: string, value: T) => {
    m.delete(k);
    if (m.size >= max) m.delete(m.keys().next().value!);
    m.set(k, { value, until: clock() + ttl });
  };
  const fresh = <T>(m: Map<string, Entry<T>>, k: string): T | undefined => {
    const e = m.get(k);
    if (!e) return undefined;
    if (e.until > clock()) return e.value;
    m.delete(k);
    return undefined;
  };
  let listening: Promise<void> = Promise.resolve();
  const control: AgentCacheControl = {
    get listening() {
      return listening;
    },
    get hits() {
      return hits;
    },
    get misses() {
      return misses;
    },
    invalidateAgent(id) {
      epoch++;
      agents.delete(id);
    },
    invalidateToken(h) {
      epoch++;
      tokens.delete(h);
    },
    clear() {
      epoch++;
      agents.clear();
      tokens.clear();
    },
  };
  listening = store.onChange?.((c) => (c === 'all' ? control.clear() : 'agent' in c ? control.invalidateAgent(c.agent) : control.invalidateToken(c.token))) ?? listening;

  const cached: Pick<StorePorts, 'agentById' | 'agentForToken' | 'tokenAgent' | 'updateAgent' | 'saveAuthToken' | 'deleteAuthToken'> = {
    agentById(id) {
      const hit = fresh(agents, id);
      if (hit) return hits++, hit;
      misses++;
      const at = epoch;
      return andThen(store.agentById(id), (rec) => {
        if (rec && at === epoch) put(agents, id, rec);
        return rec;
      });
    },
    agentForToken(h, now) {
      // A token entry only says whose it is; the agent entry says whether they may still sign in.
      const t = fresh(tokens, h);
      const rec = t === undefined ? undefined : fresh(agents, t.agentId);
      if (t && rec) return hits++, rec.disabled || t.expiresAt <= now ? null : rec;
      misses++;
      const at = epoch;
      return andThen(store.tokenAgent(h, now), (found) => {
        if (found && at === epoch) {
          put(agents, found.agent.id, found.agent);
          put(tokens, h, { agentId: found.agent.id, expiresAt: found.expiresAt });
        }
        return found?.agent ?? null;
      });
    },
    tokenAgent(h, now) {
      return store.tokenAgent(h, now);
    },
    updateAgent(id, patch) {
      control.invalidateAgent(id);
      return andThen(store.updateAgent(id, patch), () => control.invalidateAgent(id));
    },
    saveAuthToken(h, agentId, expiresAt) {
      control.invalidateToken(h);
      return andThen(store.saveAuthToken(h, agentId, expiresAt), () => control.invalidateToken(h));
    },
    deleteAuthToken(h) {
      control.invalidateToken(h);
      return andThen(store.deleteAuthToken(h), () => control.invalidateToken(h));
    },
  };
  return { ...store, ...cached, agentCache: control } as S & { agentCache: AgentCacheControl };
}
