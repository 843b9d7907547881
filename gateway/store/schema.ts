// SQLite schema, applied idempotently at open. Versioned with PRAGMA user_version.
export const SCHEMA_VERSION = 2;

export const SCHEMA = `
CREATE TABLE IF NOT EXISTS agents (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'agent',
  departments TEXT NOT NULL DEFAULT '[]',
  capacity INTEGER,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_tokens (
  token_hash TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  department TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  entry_url TEXT NOT NULL,
  user_agent TEXT,
  state TEXT NOT NULL,
  agent_id TEXT,
  url TEXT,
  created_at INTEGER NOT NULL,
  accepted_at INTEGER,
  ended_at INTEGER,
  ended_by TEXT,
  end_reason TEXT,
  rating INTEGER,
  last_seq INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sessions_state ON sessions(state);
CREATE TABLE IF NOT EXISTS events (
  session_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  ts INTEGER NOT NULL,
  kind TEXT NOT NULL,
  from_party TEXT NOT NULL,
  name TEXT,
  text TEXT,
  url TEXT,
  client_id TEXT,
  attachment TEXT,
  PRIMARY KEY (session_id, seq)
) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS events_client_id ON events(session_id, client_id) WHERE client_id IS NOT NULL;
CREATE TABLE IF NOT EXISTS proxy_origins (
  token TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  UNIQUE (session_id, origin)
);
CREATE TABLE IF NOT EXISTS offline_messages (
  id TEXT PRIMARY KEY,
  session_id TEXT,
  site_id TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  handled_by TEXT
);
CREATE TABLE IF NOT EXISTS canned_responses (
  id TEXT PRIMARY KEY,
  agent_id TEXT,
  shortcut TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS attachments (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  size INTEGER NOT NULL,
  data BLOB NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
-- Routing commands applied since the last routing snapshot (kv 'routing'), one row per batch.
CREATE TABLE IF NOT EXISTS routing_log (
  seq INTEGER PRIMARY KEY,
  batch TEXT NOT NULL
);
`;

/** Columns added after version 1, for stores created by an older gateway. */
export const MIGRATIONS: { table: string; column: string; ddl: string }[] = [
  { table: 'events', column: 'attachment', ddl: 'ALTER TABLE events ADD COLUMN attachment TEXT' },
  { table: 'sessions', column: 'language', ddl: 'ALTER TABLE sessions ADD COLUMN language TEXT' },
];
