// The router's mutable state. Kept as plain records (no classes, no closures) so a snapshot is a
// copy and the same shape could later live in Redis hashes.

import type { AgentStatus, SessionRecord } from './types.ts';

export interface AgentState {
  agentId: string;
  status: AgentStatus;
  connected: boolean;
  departments: string[];
  capacity: number;
  /** Active sessions in assignment order (re-queue keeps this order). */
  active: string[];
  missedOffers: number;
  lastAssignedAt: number;
  graceExpiresAt: number | null;
}

export interface RouterState {
  sessions: Map<string, SessionRecord>;
  agents: Map<string, AgentState>;
  seq: number;
  headSeq: number;
}

export function emptyState(): RouterState {
  return { sessions: new Map(), agents: new Map(), seq: 0, headSeq: 0 };
}

export function isQueued(s: SessionRecord): boolean {
  return s.agentId === null;
}

/** Connected and online: the only agents who may receive offers or new sessions. */
export function isRoutable(a: AgentState): boolean {
  return a.connected && a.status === 'online';
}
