// The store as role-sized ports. Every method may answer a value or a promise (`Maybe<T>`, as undici's
// cache stores do): the embedded SQLite store answers synchronously, so its path stays promise-free;
// the PostgreSQL store answers with promises. Callers go through `andThen()` from ./maybe.ts, or await.
//
// This replaces the one synchronous `Store` in ./types.ts (kept until every caller has moved).
import type { SessionEvent, SessionState } from '../../protocol/index.ts';
import type { AgentRecord, CannedResponse, NewEvent, OfflineMessage, RoutingLogBatch, SessionRecord, StoredAttachment } from './types.ts';
export type { RoutingLogBatch } from './types.ts';

export type Maybe<T> = T | Promise<T>;

/** Agents and their login tokens (only hashes are stored). */
export interface AgentStore {
  createAgent(a: Omit<AgentRecord, 'createdAt'>): Maybe<AgentRecord>;
  agentByEmail(email: string): Maybe<AgentRecord | null>;
  agentById(id: string): Maybe<AgentRecord | null>;
  listAgents(): Maybe<AgentRecord[]>;
  updateAgent(id: string, patch: Partial<Omit<AgentRecord, 'id' | 'createdAt'>>): Maybe<void>;
  saveAuthToken(tokenHash: string, agentId: string, expiresAt: number): Maybe<void>;
  agentForToken(tokenHash: string, now: number): Maybe<AgentRecord | null>;
  /** Like agentForToken, with the token's expiry (so a cache of it knows when it lapses). */
  tokenAgent(tokenHash: string, now: number): Maybe<{ agent: AgentRecord; expiresAt: number } | null>;
  deleteAuthToken(tokenHash: string): Maybe<void>;
}

/** Sessions, their transcripts (events with per-session sequence numbers) and their proxy origins. */
export interface SessionStore {
  createSession(s: SessionRecord): Maybe<void>;
  session(id: string): Maybe<SessionRecord | null>;
  updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): Maybe<void>;
  sessionsInState(...states: SessionState[]): Maybe<SessionRecord[]>;
  /** Appends an event with the next sequence number, atomically. A chat resent with a known clientId returns the stored event. */
  appendEvent(e: NewEvent): Maybe<{ event: SessionEvent; duplicate: boolean }>;
  /**
   * Group commit: appends the events in order, each exactly as appendEvent would (numbering,
   * clientId de-duplication, also between events of the batch), in one transaction and one round
   * trip. An event for an unknown session is answered with its Error in its place and the others are
   * still appended; any other failure appends none of them (the answer rejects, or throws).
   */
  appendEvents(es: NewEvent[]): Maybe<({ event: SessionEvent; duplicate: boolean } | Error)[]>;
  eventsAfter(sessionId: string, seq: number): Maybe<SessionEvent[]>;
  /** A cluster's event numbered elsewhere (Redis), copied into the transcript; a copy already there is kept. */
  archiveEvent(e: SessionEvent): Maybe<void>;
  saveProxyOrigin(token: string, sessionId: string, origin: string): Maybe<void>;
  proxyOrigins(): Maybe<{ token: string; sessionId: string; origin: string }[]>;
}

/** What agents and visitors leave behind: offline messages, canned responses, attachments. */
export interface ContentStore {
  saveOfflineMessage(m: OfflineMessage): Maybe<void>;
  offlineMessages(limit: number): Maybe<OfflineMessage[]>;
  markOfflineHandled(id: string, agentId: string): Maybe<void>;
  saveCanned(c: CannedResponse): Maybe<void>;
  cannedFor(agentId: string): Maybe<CannedResponse[]>;
  /** Deletes the agent's own response, or a shared one when `mayDeleteShared`. */
  deleteCanned(id: string, agentId: string, mayDeleteShared: boolean): Maybe<boolean>;
  saveAttachment(a: StoredAttachment): Maybe<void>;
  attachment(id: string): Maybe<StoredAttachment | null>;
}

/** Small state (the routing snapshot of one process). */
export interface StateStore {
  getKv(key: string): Maybe<string | null>;
  setKv(key: string, value: string): Maybe<void>;
  /**
   * The routing command log (issue 12, channel/routing-log.ts): batches of applied commands appended
   * in `seq` order between snapshots, so a restart replays them after the last snapshot instead of
   * the gateway writing the whole routing state every 250 ms.
   */
  appendRoutingLog(seq: number, batch: string): Maybe<void>;
  /** Batches with a seq above `seq`, in seq order. */
  routingLogAfter(seq: number): Maybe<RoutingLogBatch[]>;
  /** Drops batches up to and including `seq` (a snapshot now holds them). */
  dropRoutingLogThrough(seq: number): Maybe<void>;
}

/** Whether the store can be reached, for readiness (/readyz). */
export interface StoreHealth {
  /**
   * The last known answer, without waiting: false while PostgreSQL is unreachable (a background probe
   * turns it true again by itself when the server is back). The embedded SQLite store is always true.
   */
  healthy(): boolean;
}

/** The whole store, as the gateway is handed it; each part of the gateway takes only the ports it needs. */
export interface StorePorts extends AgentStore, SessionStore, ContentStore, StateStore, StoreHealth {
  /** 'sqlite' or 'postgres': for logs and /readyz. */
  readonly kind: string;
  /**
   * Called when an agent or a login token changed through another gateway on the same database
   * (PostgreSQL LISTEN/NOTIFY), so in-memory agent caches drop it: `agent` an agent id, `token` a token
   * hash, `all` when notifications may have been missed (the listening connection was lost). The
   * SQLite store has no other gateway to hear from and never calls it. Settles once listening
   * (after which the listener has been told 'all' once).
   */
  onChange?(listener: (change: { agent: string } | { token: string } | 'all') => void): Promise<void>;
  close(): Maybe<void>;
}
