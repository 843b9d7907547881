// What the gateway needs from its store. SQLite implements it for one instance; a shared store can
// implement the same interface for several instances.
import type { Attachment, SessionEvent, SessionState } from '../../protocol/index.ts';

export type Role = 'agent' | 'supervisor' | 'admin';

export interface AgentRecord {
  id: string;
  email: string;
  name: string;
  passwordHash: string;
  role: Role;
  departments: string[];
  capacity: number | null;
  disabled: boolean;
  createdAt: number;
}

export interface SessionRecord {
  id: string;
  siteId: string;
  department: string | null;
  priority: number;
  entryUrl: string;
  userAgent: string | null;
  /** The visitor's language (BCP 47, from the hyperlink's `lang` or Accept-Language), shown to the agent. */
  language?: string | null;
  state: SessionState;
  agentId: string | null;
  url: string | null;
  createdAt: number;
  acceptedAt: number | null;
  endedAt: number | null;
  endedBy: string | null;
  endReason: string | null;
  rating: number | null;
  lastSeq: number;
}

export type NewEvent = Omit<SessionEvent, 'seq'> & {
  /**
   * The gateway's key for this append (a random id, e.g. newId()), kept across its retries: a retry whose first
   * attempt was stored but not answered (the connection dropped after the commit) gets that stored
   * event back, answered as new, instead of a second copy. Never sent to clients. SQLite, which
   * answers in-process, has no such failure and ignores it.
   */
  appendKey?: string;
};

export interface OfflineMessage {
  id: string;
  sessionId: string | null;
  siteId: string;
  name: string;
  email: string;
  message: string;
  createdAt: number;
  handledBy: string | null;
}

export interface CannedResponse {
  id: string;
  /** null = shared by every agent. */
  agentId: string | null;
  shortcut: string;
  text: string;
  createdAt: number;
}

export interface StoredAttachment extends Attachment {
  sessionId: string;
  data: Buffer;
  createdAt: number;
}

/** One row of the routing command log (channel/routing-log.ts): a batch of applied commands, in seq order. */
export interface RoutingLogBatch {
  seq: number;
  batch: string;
}

export interface Store {
  // agents
  createAgent(a: Omit<AgentRecord, 'createdAt'>): AgentRecord;
  agentByEmail(email: string): AgentRecord | null;
  agentById(id: string): AgentRecord | null;
  listAgents(): AgentRecord[];
  updateAgent(id: string, patch: Partial<Omit<AgentRecord, 'id' | 'createdAt'>>): void;
  // login tokens (only hashes stored)
  saveAuthToken(tokenHash: string, agentId: string, expiresAt: number): void;
  agentForToken(tokenHash: string, now: number): AgentRecord | null;
  deleteAuthToken(tokenHash: string): void;
  // sessions
  createSession(s: SessionRecord): void;
  session(id: string): SessionRecord | null;
  updateSession(id: string, patch: Partial<Omit<SessionRecord, 'id'>>): void;
  sessionsInState(...states: SessionState[]): SessionRecord[];
  /** Appends an event with the next sequence number, atomically. A chat resent with a known clientId returns the stored event. */
  appendEvent(e: NewEvent): { event: SessionEvent; duplicate: boolean };
  /** Group commit: see ports.ts. */
  appendEvents(es: NewEvent[]): ({ event: SessionEvent; duplicate: boolean } | Error)[];
  eventsAfter(sessionId: string, seq: number): SessionEvent[];
  /** A cluster's event numbered elsewhere (Redis), copied into the transcript; a copy already there is kept. */
  archiveEvent(e: SessionEvent): void;
  // proxy origins
  saveProxyOrigin(token: string, sessionId: string, origin: string): void;
  proxyOrigins(): { token: string; sessionId: string; origin: string }[];
  // offline messages, canned responses, attachments
  saveOfflineMessage(m: OfflineMessage): void;
  offlineMessages(limit: number): OfflineMessage[];
  markOfflineHandled(id: string, agentId: string): void;
  saveCanned(c: CannedResponse): void;
  cannedFor(agentId: string): CannedResponse[];
  /** Deletes the agent's own response, or a shared one when `mayDeleteShared`. */
  deleteCanned(id: string, agentId: string, mayDeleteShared: boolean): boolean;
  saveAttachment(a: StoredAttachment): void;
  attachment(id: string): StoredAttachment | null;
  // small state blobs (routing snapshot)
  getKv(key: string): string | null;
  setKv(key: string, value: string): void;
  appendRoutingLog(seq: number, batch: string): void;
  routingLogAfter(seq: number): RoutingLogBatch[];
  dropRoutingLogThrough(seq: number): void;
  close(): void;
}
