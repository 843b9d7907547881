// PostgreSQL schema as versioned migrations, applied in order at start (./postgres-migrate.ts) and by
// `npm run migrate`. Never edit a released migration: add the next version.
//
// Times are milliseconds since the epoch (BIGINT), as in the SQLite store, so both stores answer the
// same records. `row_order` keeps insertion order for ties on created_at (SQLite's rowid does that).
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL DEFAULT 'agent',
  departments JSONB NOT NULL DEFAULT '[]',
  capacity INTEGER,
  disabled BOOLEAN NOT NULL DEFAULT false,
  created_at BIGINT NOT NULL,
  row_order BIGINT GENERATED ALWAYS AS IDENTITY
);
-- Emails match without regard to case (SQLite: COLLATE NOCASE).
CREATE UNIQUE INDEX agents_email ON agents (lower(email));
CREATE TABLE auth_tokens (
  token_hash TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL REFERENCES agents(id),
  expires_at BIGINT NOT NULL
);
CREATE INDEX auth_tokens_agent ON auth_tokens (agent_id);
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  site_id TEXT NOT NULL,
  department TEXT,
  priority INTEGER NOT NULL DEFAULT 0,
  entry_url TEXT NOT NULL,
  user_agent TEXT,
  state TEXT NOT NULL,
  agent_id TEXT,
  url TEXT,
  created_at BIGINT NOT NULL,
  accepted_at BIGINT,
  ended_at BIGINT,
  ended_by TEXT,
  end_reason TEXT,
  rating INTEGER,
  last_seq BIGINT NOT NULL DEFAULT 0,
  row_order BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX sessions_state ON sessions (state);
CREATE TABLE events (
  session_id TEXT NOT NULL,
  seq BIGINT NOT NULL,
  ts BIGINT NOT NULL,
  kind TEXT NOT NULL,
  from_party TEXT NOT NULL,
  name TEXT,
  text TEXT,
  url TEXT,
  client_id TEXT,
  attachment JSONB,
  PRIMARY KEY (session_id, seq)
);
CREATE UNIQUE INDEX events_client_id ON events (session_id, client_id) WHERE client_id IS NOT NULL;
CREATE TABLE proxy_origins (
  token TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  origin TEXT NOT NULL,
  UNIQUE (session_id, origin)
);
CREATE TABLE offline_messages (
  id TEXT PRIMARY KEY,
  session_id TEXT,
  site_id TEXT NOT NULL,
  name TEXT NOT NULL,
  email TEXT NOT NULL,
  message TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  handled_by TEXT,
  row_order BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX offline_messages_created ON offline_messages (created_at DESC, row_order DESC);
CREATE TABLE canned_responses (
  id TEXT PRIMARY KEY,
  agent_id TEXT,
  shortcut TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE attachments (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  name TEXT NOT NULL,
  type TEXT NOT NULL,
  size INTEGER NOT NULL,
  data BYTEA NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE kv (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

-- appendEvent in one round trip and one transaction. The session row's lock (FOR UPDATE) orders
-- concurrent appends to one session, from any number of gateways; the clientId check runs after the
-- lock is held, so it sees an append that committed while this one waited (READ COMMITTED takes a
-- fresh snapshot per statement), and a resent chat is answered with the stored event, never stored twice.
CREATE FUNCTION cb_append_event(
  p_session TEXT, p_ts BIGINT, p_kind TEXT, p_from TEXT, p_name TEXT, p_text TEXT, p_url TEXT, p_client_id TEXT, p_attachment JSONB
) RETURNS TABLE (
  r_seq BIGINT, r_ts BIGINT, r_kind TEXT, r_from TEXT, r_name TEXT, r_text TEXT, r_url TEXT, r_client_id TEXT, r_attachment JSONB, r_duplicate BOOLEAN
) LANGUAGE plpgsql AS $$
DECLARE
  n BIGINT;
BEGIN
  SELECT s.last_seq INTO n FROM sessions s WHERE s.id = p_session FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'appendEvent: unknown session %', p_session USING ERRCODE = 'P0002';
  END IF;
  IF p_client_id IS NOT NULL THEN
    RETURN QUERY SELECT e.seq, e.ts, e.kind, e.from_party, e.name, e.text, e.url, e.client_id, e.attachment, true
      FROM events e WHERE e.session_id = p_session AND e.client_id = p_client_id;
    IF FOUND THEN RETURN; END IF;
  END IF;
  n := n + 1;
  UPDATE sessions SET last_seq = n WHERE id = p_session;
  INSERT INTO events (session_id, seq, ts, kind, from_party, name, text, url, client_id, attachment)
    VALUES (p_session, n, p_ts, p_kind, p_from, p_name, p_text, p_url, p_client_id, p_attachment);
  RETURN QUERY SELECT n, p_ts, p_kind, p_from, p_name, p_text, p_url, p_client_id, p_attachment, false;
END
$$;
`,
  },
  {
    version: 2,
    name: 'the visitor language of a session',
    sql: `ALTER TABLE sessions ADD COLUMN language TEXT;`,
  },
  {
    version: 3,
    name: 'idempotent event appends',
    // A connection lost after the commit but before the answer leaves the gateway not knowing whether
    // its append landed; it retries with the same key, and this answers the event the first attempt
    // stored instead of numbering it again. The key is checked before the clientId: a key match is
    // the gateway's own retry (nobody was told of the event yet: not a duplicate), a clientId match
    // a client's resend (already delivered: a duplicate). The 9-argument form stays for gateways of
    // the previous version still running during an upgrade.
    sql: `
ALTER TABLE events ADD COLUMN append_key TEXT;
CREATE UNIQUE INDEX events_append_key ON events (session_id, append_key) WHERE append_key IS NOT NULL;
CREATE FUNCTION cb_append_event(
  p_session TEXT, p_ts BIGINT, p_kind TEXT, p_from TEXT, p_name TEXT, p_text TEXT, p_url TEXT, p_client_id TEXT, p_attachment JSONB, p_key TEXT
) RETURNS TABLE (
  r_seq BIGINT, r_ts BIGINT, r_kind TEXT, r_from TEXT, r_name TEXT, r_text TEXT, r_url TEXT, r_client_id TEXT, r_attachment JSONB, r_duplicate BOOLEAN
) LANGUAGE plpgsql AS $$
DECLARE
  n BIGINT;
BEGIN
  SELECT s.last_seq INTO n FROM sessions s WHERE s.id = p_session FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'appendEvent: unknown session %', p_session USING ERRCODE = 'P0002';
  END IF;
  IF p_key IS NOT NULL THEN
    RETURN QUERY SELECT e.seq, e.ts, e.kind, e.from_party, e.name, e.text, e.url, e.client_id, e.attachment, false
      FROM events e WHERE e.session_id = p_session AND e.append_key = p_key;
    IF FOUND THEN RETURN; END IF;
  END IF;
  IF p_client_id IS NOT NULL THEN
    RETURN QUERY SELECT e.seq, e.ts, e.kind, e.from_party, e.name, e.text, e.url, e.client_id, e.attachment, true
      FROM events e WHERE e.session_id = p_session AND e.client_id = p_client_id;
    IF FOUND THEN RETURN; END IF;
  END IF;
  n := n + 1;
  UPDATE sessions SET last_seq = n WHERE id = p_session;
  INSERT INTO events (session_id, seq, ts, kind, from_party, name, text, url, client_id, attachment, append_key)
    VALUES (p_session, n, p_ts, p_kind, p_from, p_name, p_text, p_url, p_client_id, p_attachment, p_key);
  RETURN QUERY SELECT n, p_ts, p_kind, p_from, p_name, p_text, p_url, p_client_id, p_attachment, false;
END
$$;
`,
  },
  {
    version: 4,
    name: 'the routing command log between routing snapshots',
    // One process keeps its routing state as the last snapshot (kv 'routing') and the batches of
    // commands applied after it (gateway/channel/routing-log.ts), instead of rewriting the snapshot.
    sql: `CREATE TABLE routing_log (
  seq BIGINT PRIMARY KEY,
  batch TEXT NOT NULL
);`,
  },
];
