// Agent records the hub reads on every session frame (names in session info, departments and
// capacity on connect), cached in memory. A record is dropped when an admin changes it (on every
// instance: the engine carries the notice) and re-read on next use.
import type { AgentStore, Maybe } from '../store/ports.ts';
import type { AgentRecord } from '../store/types.ts';
import { isPromise, andThen } from '../store/maybe.ts';

export class AgentDirectory {
  #store: Pick<AgentStore, 'agentById' | 'listAgents'>;
  #by = new Map<string, AgentRecord | null>();
  #loading = new Map<string, Promise<AgentRecord | null>>();

  constructor(store: Pick<AgentStore, 'agentById' | 'listAgents'>) {
    this.#store = store;
  }

  get(id: string): Maybe<AgentRecord | null> {
    const hit = this.#by.get(id);
    if (hit !== undefined) return hit;
    const pending = this.#loading.get(id);
    if (pending) return pending;
    const got = andThen(this.#store.agentById(id), (rec) => {
      this.#by.set(id, rec);
      return rec;
    });
    if (!isPromise(got)) return got;
    const p = got.finally(() => this.#loading.delete(id));
    this.#loading.set(id, p);
    return p;
  }

  /** The cached record, or undefined while it is not (a load starts, for next time). */
  peek(id: string): AgentRecord | null | undefined {
    const v = this.get(id);
    if (!isPromise(v)) return v;
    v.catch(() => {});
    return undefined;
  }

  /** Every agent (the supervisors' overview), fresh from the store. */
  list(): Maybe<AgentRecord[]> {
    return this.#store.listAgents();
  }

  forget(id: string): void {
    this.#by.delete(id);
  }
}
