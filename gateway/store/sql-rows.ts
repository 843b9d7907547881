// Row shapes both SQL stores share: the sessions and offline_messages tables have the same columns
// in SQLite and PostgreSQL, so a row maps to a record (and a record's fields to columns) one way.
import type { OfflineMessage, SessionRecord } from './types.ts';

export type Row = Record<string, unknown>;

export const sessionFromRow = (r: Row): SessionRecord => ({
  id: r.id as string,
  siteId: r.site_id as string,
  department: (r.department as string | null) ?? null,
  priority: r.priority as number,
  entryUrl: r.entry_url as string,
  userAgent: (r.user_agent as string | null) ?? null,
  language: (r.language as string | null) ?? null,
  state: r.state as SessionRecord['state'],
  agentId: (r.agent_id as string | null) ?? null,
  url: (r.url as string | null) ?? null,
  createdAt: r.created_at as number,
  acceptedAt: (r.accepted_at as number | null) ?? null,
  endedAt: (r.ended_at as number | null) ?? null,
  endedBy: (r.ended_by as string | null) ?? null,
  endReason: (r.end_reason as string | null) ?? null,
  rating: (r.rating as number | null) ?? null,
  lastSeq: r.last_seq as number,
});

/** Each session field's column, for partial updates. */
export const SESSION_COLS: Record<keyof Omit<SessionRecord, 'id'>, string> = {
  siteId: 'site_id',
  department: 'department',
  priority: 'priority',
  entryUrl: 'entry_url',
  userAgent: 'user_agent',
  language: 'language',
  state: 'state',
  agentId: 'agent_id',
  url: 'url',
  createdAt: 'created_at',
  acceptedAt: 'accepted_at',
  endedAt: 'ended_at',
  endedBy: 'ended_by',
  endReason: 'end_reason',
  rating: 'rating',
  lastSeq: 'last_seq',
};

export const offlineFromRow = (r: Row): OfflineMessage => ({
  id: r.id as string,
  sessionId: (r.session_id as string | null) ?? null,
  siteId: r.site_id as string,
  name: r.name as string,
  email: r.email as string,
  message: r.message as string,
  createdAt: r.created_at as number,
  handledBy: (r.handled_by as string | null) ?? null,
});
