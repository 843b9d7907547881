// Indexes over the router's state, so no command or view sorts or scans every session or agent.
//
// The state (state.ts) stays plain records: what a snapshot copies and a restore rebuilds. This file
// derives, and keeps in step with every change, what the hot paths ask:
//
// - the queue in serving order, whole and per department (ordered sets with ranks, so a position
//   is a few rank queries, not a pass over the queue);
// - per department, the queued visitors who are connected and not offered ("ready"), so dispatch
//   takes the head of a queue instead of skipping every ringing or disconnected visitor;
// - free agents (routable, load under capacity) ordered by (load, last assignment, id), whole and per
//   department, so the best agent for a visitor is the first one of a set;
// - reservations per agent, who is staffed per department, how many agents are routable;
// - every deadline in firing order, so due ones are a prefix and the next one is the first.
//
// The discipline that keeps it right: whoever changes a record calls session(s) or agent(a) after
// the change. Both are idempotent: they compare the record with the key they filed last time and
// move it where it now belongs. Keys are frozen copies (ordered sets need ordering fields that do
// not change under them).
//
// The same calls give change detection for queue.changed: the first time a record is re-filed in a
// command, the view filed before the command is noted; at the end the notes are compared with the
// records' views now. That is the old "signature of the whole queue before and after" check, at the
// cost of the records the command touched.

import type { RoutingConfig, SessionRecord } from './types.ts';
import { isRoutable, type AgentState } from './state.ts';
import { OrderedSet } from './ordered-set.ts';
import { compareServingOrder } from './queue-order.ts';
import { compareDeadlines, maxWaitDeadline, type Deadline } from './deadlines.ts';

/** What the shell shows of a queued session; null when not queued. Replaced, never mutated. */
interface QueueView {
  department: string | null;
  priority: number;
  joinedAt: number;
  offeredTo: string | null;
  offerExpiresAt: number | null;
  connected: boolean;
  seq: number;
  headSeq: number | null;
}

/** Frozen ordering fields of one queued session, filed in the queue sets. */
export interface QueueKey {
  readonly sessionId: string;
  readonly department: string | null;
  readonly headSeq: number | null;
  readonly priority: number;
  readonly joinedAt: number;
  readonly seq: number;
  readonly rec: SessionRecord;
}

/** Serving order, then the id: a total order even for a hand-written snapshot with equal keys. */
export function compareKeys(a: QueueKey, b: QueueKey): number {
  const c = compareServingOrder(a, b);
  if (c !== 0) return c;
  return a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0;
}

interface FreeKey {
  readonly load: number;
  readonly lastAssignedAt: number;
  readonly agentId: string;
  readonly departments: readonly string[];
  readonly agent: AgentState;
}

/** pickAgent's order: least loaded, then longest idle, then id. */
function compareFree(a: FreeKey, b: FreeKey): number {
  if (a.load !== b.load) return a.load < b.load ? -1 : 1;
  if (a.lastAssignedAt !== b.lastAssignedAt) return a.lastAssignedAt < b.lastAssignedAt ? -1 : 1;
  return a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0;
}

interface SessionEntry {
  key: QueueKey | null;
  view: QueueView | null;
  ready: boolean;
  /** Agent whose reservation count includes this session. */
  reservedBy: string | null;
  grace: Deadline | null;
  ring: Deadline | null;
  wait: Deadline | null;
}

interface AgentEntry {
  routable: boolean;
  /** Departments as the agent lists them (for change detection) and deduplicated (for counts). */
  listed: readonly string[];
  unique: readonly string[];
  free: FreeKey | null;
  grace: Deadline | null;
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

function sameView(a: QueueView | null, b: QueueView | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  return (
    a.department === b.department &&
    a.priority === b.priority &&
    a.joinedAt === b.joinedAt &&
    a.offeredTo === b.offeredTo &&
    a.offerExpiresAt === b.offerExpiresAt &&
    a.connected === b.connected &&
    a.seq === b.seq &&
    a.headSeq === b.headSeq
  );
}

const sameDeadline = (a: Deadline | null, b: Deadline | null) =>
  a === b || (a !== null && b !== null && a.at === b.at && (a.kind !== 'ring' || (b.kind === 'ring' && a.agentId === b.agentId)));

export class RoutingIndex {
  readonly #cfg: RoutingConfig;
  readonly #agents: ReadonlyMap<string, AgentState>;

  readonly #queue = new OrderedSet<QueueKey>(compareKeys);
  readonly #byDept = new Map<string | null, OrderedSet<QueueKey>>();
  readonly #ready = new Map<string | null, OrderedSet<QueueKey>>();
  readonly #sessions = new Map<string, SessionEntry>();
  readonly #deadlines = new OrderedSet<Deadline>(compareDeadlines);

  readonly #reserved = new Map<string, number>();
  /** agentId -> queued sessions offered to them (at most their capacity). */
  readonly #offers = new Map<string, Set<SessionRecord>>();

  readonly #agentEntries = new Map<string, AgentEntry>();
  readonly #free = new OrderedSet<FreeKey>(compareFree);
  readonly #freeByDept = new Map<string, OrderedSet<FreeKey>>();
  readonly #staffed = new Map<string, number>();
  #routable = 0;
  /** Bumped whenever who is routable, or their departments, changes: competing departments depend on it. */
  #epoch = 0;
  #competeEpoch = -1;
  readonly #compete = new Map<string | null, Map<string | null, boolean>>();

  #beforeSessions: Map<string, QueueView | null> | null = null;
  #beforeAgents: Map<string, readonly string[] | null> | null = null;
  #queueSizeBefore = 0;

  /** Read-only "has" over staffed departments, for servesDepartment. */
  readonly staffed: Pick<ReadonlySet<string>, 'has'> = { has: (d: string) => (this.#staffed.get(d) ?? 0) > 0 };

  constructor(cfg: RoutingConfig, agents: ReadonlyMap<string, AgentState>) {
    this.#cfg = cfg;
    this.#agents = agents;
  }

  // ------------------------------------------------------------------ filing

  /** Re-files a session after any change to it (including a new one). */
  session(s: SessionRecord): void {
    let e = this.#sessions.get(s.sessionId);
    if (!e) {
      e = { key: null, view: null, ready: false, reservedBy: null, grace: null, ring: null, wait: null };
      this.#sessions.set(s.sessionId, e);
    }
    this.#noteSession(s.sessionId, e);
    const queued = s.agentId === null;
    const k = e.key;
    if (k !== null && (!queued || k.headSeq !== s.headSeq || k.priority !== s.priority || k.joinedAt !== s.joinedAt || k.seq !== s.seq || k.department !== s.department)) {
      this.#unqueue(e);
    }
    if (queued && e.key === null) {
      const key: QueueKey = { sessionId: s.sessionId, department: s.department, headSeq: s.headSeq, priority: s.priority, joinedAt: s.joinedAt, seq: s.seq, rec: s };
      e.key = key;
      this.#queue.add(key);
      setOf(this.#byDept, key.department, compareKeys).add(key);
    }
    e.view = queued
      ? {
          department: s.department,
          priority: s.priority,
          joinedAt: s.joinedAt,
          offeredTo: s.offeredTo,
          offerExpiresAt: s.offerExpiresAt,
          connected: s.connected,
          seq: s.seq,
          headSeq: s.headSeq,
        }
      : null;
    const ready = queued && s.offeredTo === null && s.connected;
    if (ready !== e.ready) {
      if (ready) setOf(this.#ready, e.key!.department, compareKeys).add(e.key!);
      else deleteFrom(this.#ready, e.key!.department, e.key!);
      e.ready = ready;
    }
    this.#reserve(s, e, queued ? s.offeredTo : null);
    e.grace = this.#syncDeadline(e.grace, s.graceExpiresAt === null ? null : { kind: 'visitor-grace', at: s.graceExpiresAt, sessionId: s.sessionId });
    e.ring = this.#syncDeadline(
      e.ring,
      queued && s.offeredTo !== null && s.offerExpiresAt !== null ? { kind: 'ring', at: s.offerExpiresAt, sessionId: s.sessionId, agentId: s.offeredTo } : null,
    );
    const wait = maxWaitDeadline(s, this.#cfg);
    e.wait = this.#syncDeadline(e.wait, wait === null ? null : { kind: 'max-wait', at: wait, sessionId: s.sessionId });
  }

  /** A session left the state. */
  dropSession(s: SessionRecord): void {
    const e = this.#sessions.get(s.sessionId);
    if (!e) return;
    this.#noteSession(s.sessionId, e);
    this.#unqueue(e);
    e.view = null;
    this.#reserve(s, e, null);
    e.grace = this.#syncDeadline(e.grace, null);
    e.ring = this.#syncDeadline(e.ring, null);
    e.wait = this.#syncDeadline(e.wait, null);
    this.#sessions.delete(s.sessionId);
  }

  #unqueue(e: SessionEntry): void {
    const key = e.key;
    if (key === null) return;
    this.#queue.delete(key);
    deleteFrom(this.#byDept, key.department, key);
    if (e.ready) deleteFrom(this.#ready, key.department, key);
    e.ready = false;
    e.key = null;
  }

  #reserve(s: SessionRecord, e: SessionEntry, agentId: string | null): void {
    if (e.reservedBy === agentId) return;
    const prev = e.reservedBy;
    e.reservedBy = agentId;
    if (prev !== null) {
      this.#reserved.set(prev, this.#reserved.get(prev)! - 1);
      this.#offers.get(prev)!.delete(s);
      const a = this.#agents.get(prev);
      if (a) this.agent(a);
    }
    if (agentId !== null) {
      this.#reserved.set(agentId, (this.#reserved.get(agentId) ?? 0) + 1);
      let set = this.#offers.get(agentId);
      if (!set) this.#offers.set(agentId, (set = new Set()));
      set.add(s);
      const a = this.#agents.get(agentId);
      if (a) this.agent(a);
    }
  }

  #syncDeadline(cur: Deadline | null, want: Deadline | null): Deadline | null {
    if (sameDeadline(cur, want)) return cur;
    if (cur !== null) this.#deadlines.delete(cur);
    if (want !== null) this.#deadlines.add(want);
    return want;
  }

  /** Re-files an agent after any change to it (status, connection, departments, capacity, load). */
  agent(a: AgentState): void {
    let e = this.#agentEntries.get(a.agentId);
    if (!e) {
      e = { routable: false, listed: [], unique: [], free: null, grace: null };
      this.#agentEntries.set(a.agentId, e);
    }
    if (this.#beforeAgents !== null && !this.#beforeAgents.has(a.agentId)) this.#beforeAgents.set(a.agentId, e.routable ? e.listed : null);
    const routable = isRoutable(a);
    if (routable !== e.routable || !sameList(a.departments, e.listed)) {
      if (e.routable) {
        this.#routable--;
        for (const d of e.unique) this.#staffed.set(d, this.#staffed.get(d)! - 1);
      }
      e.routable = routable;
      e.listed = [...a.departments];
      e.unique = [...new Set(a.departments)];
      if (routable) {
        this.#routable++;
        for (const d of e.unique) this.#staffed.set(d, (this.#staffed.get(d) ?? 0) + 1);
      }
      this.#epoch++;
    }
    const load = a.active.length + (this.#reserved.get(a.agentId) ?? 0);
    const free = routable && load < a.capacity;
    const f = e.free;
    if (f !== null && (!free || f.load !== load || f.lastAssignedAt !== a.lastAssignedAt || f.departments !== e.unique)) {
      this.#free.delete(f);
      for (const d of f.departments) deleteFrom(this.#freeByDept, d, f);
      e.free = null;
    }
    if (free && e.free === null) {
      const key: FreeKey = { load, lastAssignedAt: a.lastAssignedAt, agentId: a.agentId, departments: e.unique, agent: a };
      e.free = key;
      this.#free.add(key);
      for (const d of key.departments) setOf(this.#freeByDept, d, compareFree).add(key);
    }
    e.grace = this.#syncDeadline(e.grace, a.graceExpiresAt === null ? null : { kind: 'agent-grace', at: a.graceExpiresAt, agentId: a.agentId });
  }

  // ------------------------------------------------------------------ change detection

  beginCommand(): void {
    this.#beforeSessions = new Map();
    this.#beforeAgents = new Map();
    this.#queueSizeBefore = this.#queue.size;
  }

  /** Whether the queue as the shell shows it differs from before beginCommand(). */
  endCommand(): boolean {
    const sessions = this.#beforeSessions!;
    const agents = this.#beforeAgents!;
    this.#beforeSessions = null;
    this.#beforeAgents = null;
    for (const [id, before] of sessions) if (!sameView(before, this.#sessions.get(id)?.view ?? null)) return true;
    // Who can serve matters only while someone waits, before and after.
    if (this.#queueSizeBefore === 0 || this.#queue.size === 0) return false;
    for (const [id, before] of agents) {
      const e = this.#agentEntries.get(id)!;
      const after = e.routable ? e.listed : null;
      if (before === null || after === null ? before !== after : !sameList(before, after)) return true;
    }
    return false;
  }

  #noteSession(id: string, e: SessionEntry): void {
    if (this.#beforeSessions !== null && !this.#beforeSessions.has(id)) this.#beforeSessions.set(id, e.view);
  }

  // ------------------------------------------------------------------ queries

  get queueSize(): number {
    return this.#queue.size;
  }

  get routableCount(): number {
    return this.#routable;
  }

  /** The queue in serving order. */
  queue(): SessionRecord[] {
    const out: SessionRecord[] = [];
    this.#queue.forEachWhile((k) => {
      out.push(k.rec);
      return true;
    });
    return out;
  }

  queueKey(sessionId: string): QueueKey | null {
    return this.#sessions.get(sessionId)?.key ?? null;
  }

  /** Departments with someone queued, and their queues in serving order. */
  departmentQueues(): ReadonlyMap<string | null, OrderedSet<QueueKey>> {
    return this.#byDept;
  }

  reservedOf(agentId: string): number {
    return this.#reserved.get(agentId) ?? 0;
  }

  /** Queued sessions offered to this agent, in serving order. */
  offersOf(agentId: string): SessionRecord[] {
    const set = this.#offers.get(agentId);
    if (!set || set.size === 0) return [];
    return [...set].sort(compareServingOrder);
  }

  /** Routable agents who could serve this department (servesDepartment, counted). */
  eligibleCount(department: string | null): number {
    if (department === null) return this.#routable;
    const n = this.#staffed.get(department) ?? 0;
    if (n > 0) return n;
    return this.#cfg.departmentFallback ? this.#routable : 0;
  }

  serves(a: AgentState, department: string | null): boolean {
    if (department === null || a.departments.includes(department)) return true;
    return this.#cfg.departmentFallback && !this.staffed.has(department);
  }

  /** Free agents who serve this department, best first; null when there are none. */
  freeFor(department: string | null): OrderedSet<FreeKey> | null {
    const everyone = department === null || (this.#cfg.departmentFallback && !this.staffed.has(department));
    const set = everyone ? this.#free : this.#freeByDept.get(department);
    return set && set.size > 0 ? set : null;
  }

  get anyFree(): boolean {
    return this.#free.size > 0;
  }

  /** Ready (connected, unoffered) queued visitors per department, in serving order. */
  readyQueues(): ReadonlyMap<string | null, OrderedSet<QueueKey>> {
    return this.#ready;
  }

  earliestDeadline(): number | null {
    return this.#deadlines.first()?.at ?? null;
  }

  /** Due deadlines in firing order (a copy: firing changes the index). */
  dueDeadlines(now: number): Deadline[] {
    const due: Deadline[] = [];
    this.#deadlines.forEachWhile((d) => {
      if (!(d.at <= now)) return false;
      due.push(d);
      return true;
    });
    return due;
  }

  /**
   * Whether visitors of departments k and j wait for the same agents. A visitor's position counts
   * only the visitors ahead who compete for the same agents (a sales visitor does not wait behind
   * support visitors): two departments compete when they share an eligible routable agent; with
   * nobody eligible on one side, the best guess is that the same department and the general (null)
   * queue compete. Cached until who is routable, or their departments, changes.
   */
  competes(k: string | null, j: string | null): boolean {
    if (k === j) return true;
    if (this.#competeEpoch !== this.#epoch) {
      this.#compete.clear();
      this.#competeEpoch = this.#epoch;
    }
    let row = this.#compete.get(k);
    if (!row) this.#compete.set(k, (row = new Map()));
    let c = row.get(j);
    if (c === undefined) {
      c = this.#computeCompetes(k, j);
      row.set(j, c);
    }
    return c;
  }

  #computeCompetes(k: string | null, j: string | null): boolean {
    const ek = this.eligibleCount(k);
    const ej = this.eligibleCount(j);
    if (ek === 0 || ej === 0) return j === null || k === null;
    // Eligible for null or for an unstaffed department (by fallback) is every routable agent.
    if (k === null || j === null || !this.staffed.has(k) || !this.staffed.has(j)) return true;
    for (const e of this.#agentEntries.values()) if (e.routable && e.unique.includes(k) && e.unique.includes(j)) return true;
    return false;
  }

  /** 1-based position: 1 + the competing visitors ahead (a rank query per department), or null if not queued. */
  position(sessionId: string): number | null {
    const key = this.#sessions.get(sessionId)?.key;
    if (!key) return null;
    let n = 1;
    for (const [d, set] of this.#byDept) if (this.competes(key.department, d)) n += set.rank(key);
    return n;
  }

  /** Every queued visitor's position, in one pass over the queue. */
  positions(): Map<string, number> {
    const ahead = new Map<string | null, number>();
    const out = new Map<string, number>();
    this.#queue.forEachWhile((k) => {
      let n = 1;
      for (const [d, count] of ahead) if (this.competes(k.department, d)) n += count;
      out.set(k.sessionId, n);
      ahead.set(k.department, (ahead.get(k.department) ?? 0) + 1);
      return true;
    });
    return out;
  }
}

function setOf<K, T>(map: Map<K, OrderedSet<T>>, k: K, cmp: (a: T, b: T) => number): OrderedSet<T> {
  let set = map.get(k);
  if (!set) map.set(k, (set = new OrderedSet(cmp)));
  return set;
}

/** Empty sets are dropped, so iterating departments costs only the ones with someone in them. */
function deleteFrom<K, T>(map: Map<K, OrderedSet<T>>, k: K, v: T): void {
  const set = map.get(k);
  if (!set) return;
  set.delete(v);
  if (set.size === 0) map.delete(k);
}
