// The router's mutable state. Kept as plain records (no classes, no closures) so a snapshot is a
// copy and the same shape could later live in Redis hashes. `idx` is derived from the records
// (indexes.ts): never persisted, rebuilt on restore.

import type { AgentStatus, RoutingConfig, SessionRecord } from './types.ts';
import { RoutingIndex } from './indexes.ts';

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
  idx: RoutingIndex;
}

export function emptyState(config: RoutingConfig): RouterState {
  const agents = new Map<string, AgentState>();
  return { sessions: new Map(), agents, seq: 0, headSeq: 0, idx: new RoutingIndex(config, agents) };
}

export function isQueued(s: SessionRecord): boolean {
  return s.agentId === null;
}

/** Connected and online: the only agents who may receive offers or new sessions. */
export function isRoutable(a: AgentState): boolean {
  return a.connected && a.status === 'online';
}
