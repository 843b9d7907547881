// The embedded store: better-sqlite3 (synchronous, so each method is atomic on the event loop).
// WAL mode so a crash loses nothing that was acknowledged. ':memory:' for tests.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SessionEvent } from '../../protocol/index.ts';
import { MIGRATIONS, SCHEMA, SCHEMA_VERSION } from './schema.ts';
import type { StorePorts } from './ports.ts';
import type { AgentRecord, CannedResponse, NewEvent, OfflineMessage, RoutingLogBatch, SessionRecord, Store, StoredAttachment } from './types.ts';
import { offlineFromRow, SESSION_COLS, sessionFromRow, type Row } from './sql-rows.ts';
import { ungrouped, writeGroup } from './sqlite-write-group.ts';
import { startCheckpointer } from './sqlite-checkpointer.ts';
import { archiveBatch } from './sqlite-archive-batch.ts';
import type { Logger } from '../log.ts';


const agentFromRow = (r: Row): AgentRecord => ({
  id: r.id as string,
  email: r.email as string,
  name: r.name as string,
  passwordHash: r.password_hash as string,
  role: r.role as AgentRecord['role'],
  departments: JSON.parse(r.departments as string),
  capacity: (r.capacity as number | null) ?? null,
  disabled: r.disabled === 1,
  createdAt: r.created_at as number,
});


const eventFromRow = (r: Row): SessionEvent => {
  const e: SessionEvent = {
    sessionId: r.session_id as string,
    seq: r.seq as number,
    ts: r.ts as number,
    kind: r.kind as SessionEvent['kind'],
    from: r.from_party as SessionEvent['from'],
  };
  if (r.name != null) e.name = r.name as string;
  if (r.text != null) e.text = r.text as string;
  if (r.url != null) e.url = r.url as string;
  if (r.client_id != null) e.clientId = r.client_id as string;
  if (r.attachment != null) e.attachment = JSON.parse(r.attachment as string);
  return e;
};


export interface SqliteStoreOptions {
  /**
   * Commit the session writer's writes once per event-loop turn (./sqlite-write-group.ts). Only for a
   * file this process owns alone; `onLost` hears of a group whose commit failed.
   */
  groupWrites?: { onLost: (err: unknown, writes: number) => void; schedule?: (run: () => void) => void };
  /** Checkpoint the WAL from a thread every `everyMs` (./sqlite-checkpointer.ts); a file only. */
  checkpoint?: { everyMs: number; log?: Pick<Logger, 'warn' | 'error'> };
  /** A file shared by a cluster's gateways: archived events are written once per turn (./sqlite-archive-batch.ts). */
  batchArchive?: { onError: (err: unknown, rows: number) => void };
}

export function openSqliteStore(path: string, o: SqliteStoreOptions = {}): Store & StorePorts {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  for (const m of MIGRATIONS) {
    const cols = db.prepare(`PRAGMA table_info(${m.table})`).all() as { name: string }[];
    if (!cols.some((c) => c.name === m.column)) db.exec(m.ddl);
  }
  db.pragma(`user_version = ${SCHEMA_VERSION}`);

  const q = {
    insertAgent: db.prepare(
      `INSERT INTO agents (id, email, name, password_hash, role, departments, capacity, disabled, created_at)
       VALUES (@id, @email, @name, @passwordHash, @role, @departments, @capacity, @disabled, @createdAt)`,
    ),
    agentByEmail: db.prepare('SELECT * FROM agents WHERE email = ?'),
    agentById: db.prepare('SELECT * FROM agents WHERE id = ?'),
    listAgents: db.prepare('SELECT * FROM agents ORDER BY created_at'),
    saveToken: db.prepare('INSERT OR REPLACE INTO auth_tokens (token_hash, agent_id, expires_at) VALUES (?, ?, ?)'),
    agentForToken: db.prepare(
      'SELECT a.* FROM auth_tokens t JOIN agents a ON a.id = t.agent_id WHERE t.token_hash = ? AND t.expires_at > ? AND a.disabled = 0',
    ),
    tokenAgent: db.prepare(
      'SELECT a.*, t.expires_at AS token_expires_at FROM auth_tokens t JOIN agents a ON a.id = t.agent_id WHERE t.token_hash = ? AND t.expires_at > ? AND a.disabled = 0',
    ),
    deleteToken: db.prepare('DELETE FROM auth_tokens WHERE token_hash = ?'),
    insertSession: db.prepare(
      `INSERT INTO sessions (id, site_id, department, priority, entry_url, user_agent, language, state, agent_id, url, created_at,
         accepted_at, ended_at, ended_by, end_reason, rating, last_seq)
       VALUES (@id, @siteId, @department, @priority, @entryUrl, @userAgent, @language, @state, @agentId, @url, @createdAt,
         @acceptedAt, @endedAt, @endedBy, @endReason, @rating, @lastSeq)`,
    ),
    session: db.prepare(`SELECT *, ${LIVE_SEQ} FROM sessions WHERE id = ?`),
    sessionSeq: db.prepare('SELECT last_seq FROM sessions WHERE id = ?').pluck(),
    lastEventSeq: db.prepare('SELECT MAX(seq) FROM events WHERE session_id = ?').pluck(),
    insertEvent: db.prepare(
      `INSERT INTO events (session_id, seq, ts, kind, from_party, name, text, url, client_id, attachment)
       VALUES (@sessionId, @seq, @ts, @kind, @from, @name, @text, @url, @clientId, @attachment)`,
    ),
    archiveEvent: db.prepare(
      `INSERT OR IGNORE INTO events (session_id, seq, ts, kind, from_party, name, text, url, client_id, attachment)
       VALUES (@sessionId, @seq, @ts, @kind, @from, @name, @text, @url, @clientId, @attachment)`,
    ),
    eventByClientId: db.prepare('SELECT * FROM events WHERE session_id = ? AND client_id = ?'),
    eventsAfter: db.prepare('SELECT * FROM events WHERE session_id = ? AND seq > ? ORDER BY seq'),
    saveOrigin: db.prepare('INSERT OR IGNORE INTO proxy_origins (token, session_id, origin) VALUES (?, ?, ?)'),
    origins: db.prepare('SELECT token, session_id AS sessionId, origin FROM proxy_origins'),
    saveOffline: db.prepare(
      `INSERT INTO offline_messages (id, session_id, site_id, name, email, message, created_at, handled_by)
       VALUES (@id, @sessionId, @siteId, @name, @email, @message, @createdAt, @handledBy)`,
    ),
    offline: db.prepare('SELECT * FROM offline_messages ORDER BY created_at DESC LIMIT ?'),
    handleOffline: db.prepare('UPDATE offline_messages SET handled_by = ? WHERE id = ?'),
    saveCanned: db.prepare('INSERT INTO canned_responses (id, agent_id, shortcut, text, created_at) VALUES (@id, @agentId, @shortcut, @text, @createdAt)'),
    cannedFor: db.prepare('SELECT * FROM canned_responses WHERE agent_id IS NULL OR agent_id = ? ORDER BY shortcut'),
    deleteCanned: db.prepare('DELETE FROM canned_responses WHERE id = ? AND (agent_id = ? OR (agent_id IS NULL AND ? = 1))'),
    saveAttachment: db.prepare(
      'INSERT INTO attachments (id, session_id, name, type, size, data, created_at) VALUES (@id, @sessionId, @name, @type, @size, @data, @createdAt)',
    ),
    attachment: db.prepare('SELECT * FROM attachments WHERE id = ?'),
    getKv: db.prepare('SELECT value FROM kv WHERE key = ?'),
    setKv: db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    appendRoutingLog: db.prepare('INSERT OR REPLACE INTO routing_log (seq, batch) VALUES (?, ?)'),
    routingLogAfter: db.prepare('SELECT seq, batch FROM routing_log WHERE seq > ? ORDER BY seq'),
    dropRoutingLogThrough: db.prepare('DELETE FROM routing_log WHERE seq <= ?'),
  };

  // One event's append, inside a transaction; an unknown session is answered with its Error and
  // nothing is written. The next number is the session's last event's plus one: a seek to the end of
  // the session's part of the events key, so an append writes the event alone and not also the
  // session's row (a second random page in every commit; sessions.last_seq is now only the base for
  // a session's first event, and reads take the larger of the two, LIVE_SEQ).
  const appendIn = (e: NewEvent): { event: SessionEvent; duplicate: boolean } | Error => {
    if (e.clientId) {
      const existing = q.eventByClientId.get(e.sessionId, e.clientId) as Row | undefined;
      if (existing) return { event: eventFromRow(existing), duplicate: true };
    }
    let last = q.lastEventSeq.get(e.sessionId) as number | null;
    // No event yet: the session's row says where numbering starts, and whether it exists at all.
    if (last === null) last = (q.sessionSeq.get(e.sessionId) as number | undefined) ?? null;
    if (last === null) return new Error(`appendEvent: unknown session ${e.sessionId}`);
    // appendKey is for stores that can lose an answer; it is not part of the event.
    const { appendKey: _key, ...fields } = e;
    const event: SessionEvent = { ...fields, seq: last + 1 };
    q.insertEvent.run(eventRow(event));
    return { event, duplicate: false };
  };
  const append = db.transaction((e: NewEvent) => {
    const r = appendIn(e);
    if (r instanceof Error) throw r;
    return r;
  });
  // Group commit: one transaction (one WAL commit) for a batch. An unknown session is answered in its
  // place (nothing was written for it); any other error rolls the whole batch back.
  const appendMany = db.transaction((es: NewEvent[]) => es.map(appendIn));

  // The copy raises the session's number as well: reads take the last event's.
  const archived = o.batchArchive ? archiveBatch(db, q.archiveEvent, o.batchArchive.onError) : null;
  const archive = (e: SessionEvent) => (archived ? archived.add(eventRow(e)) : void q.archiveEvent.run(eventRow(e)));

  const checkpointer = o.checkpoint && o.checkpoint.everyMs > 0 && path !== ':memory:' ? startCheckpointer(db, path, o.checkpoint.everyMs, o.checkpoint.log) : null;
  const group = o.groupWrites ? writeGroup(db, o.groupWrites.onLost, o.groupWrites.schedule) : ungrouped;
  const { deferred, durable } = group;
  // An UPDATE per set of patched columns, prepared once (preparing one per call cost more than running it).
  const updates = new Map<string, Database.Statement>();

  return {
    createAgent(a) {
      const rec: AgentRecord = { ...a, createdAt: Date.now() };
      durable(() => q.insertAgent.run({ ...rec, departments: JSON.stringify(rec.departments), disabled: rec.disabled ? 1 : 0 }));
      return rec;
    },
    agentByEmail: (email) => {
      const r = q.agentByEmail.get(email) as Row | undefined;
      return r ? agentFromRow(r) : null;
    },
    agentById: (id) => {
      const r = q.agentById.get(id) as Row | undefined;
      return r ? agentFromRow(r) : null;
    },
    listAgents: () => (q.listAgents.all() as Row[]).map(agentFromRow),
    updateAgent(id, patch) {
      const cols: Record<string, unknown> = {};
      if (patch.email !== undefined) cols.email = patch.email;
      if (patch.name !== undefined) cols.name = patch.name;
      if (patch.passwordHash !== undefined) cols.password_hash = patch.passwordHash;
      if (patch.role !== undefined) cols.role = patch.role;
      if (patch.departments !== undefined) cols.departments = JSON.stringify(patch.departments);
      if (patch.capacity !== undefined) cols.capacity = patch.capacity;
      if (patch.disabled !== undefined) cols.disabled = patch.disabled ? 1 : 0;
      const keys = Object.keys(cols);
      if (!keys.length) return;
      durable(() => db.prepare(`UPDATE agents SET ${keys.map((k) => `${k} = @${k}`).join(', ')} WHERE id = @id`).run({ ...cols, id }));
    },
    saveAuthToken: (h, agentId, exp) => void durable(() => q.saveToken.run(h, agentId, exp)),
    agentForToken: (h, now) => {
      const r = q.agentForToken.get(h, now) as Row | undefined;
      return r ? agentFromRow(r) : null;
    },
    tokenAgent: (h, now) => {
      const r = q.tokenAgent.get(h, now) as Row | undefined;
      return r ? { agent: agentFromRow(r), expiresAt: r.token_expires_at as number } : null;
    },
    deleteAuthToken: (h) => void durable(() => q.deleteToken.run(h)),
    createSession: (s) => void deferred(() => q.insertSession.run({ ...s, language: s.language ?? null })),
    session: (id) => {
      const r = q.session.get(id) as Row | undefined;
      return r ? sessionFromSqlite(r) : null;
    },
    updateSession(id, patch) {
      const entries = Object.entries(patch).filter(([k, val]) => k in SESSION_COLS && val !== undefined);
      if (!entries.length) return;
      const sets = entries.map(([k]) => `${SESSION_COLS[k as keyof typeof SESSION_COLS]} = @${k}`).join(', ');
      let update = updates.get(sets);
      if (!update) updates.set(sets, (update = db.prepare(`UPDATE sessions SET ${sets} WHERE id = @id`)));
      deferred(() => update.run({ ...Object.fromEntries(entries), id }));
    },
    sessionsInState: (...states) =>
      (db.prepare(`SELECT *, ${LIVE_SEQ} FROM sessions WHERE state IN (${states.map(() => '?').join(',')}) ORDER BY created_at`).all(...states) as Row[]).map(
        sessionFromSqlite,
      ),
    appendEvent: (e) => durable(() => append(e)),
    appendEvents: (es) => (es.length ? durable(() => appendMany(es)) : []),
    archiveEvent: (e) => deferred(() => archive(e)),
    eventsAfter: (sid, seq) => (q.eventsAfter.all(sid, seq) as Row[]).map(eventFromRow),
    saveProxyOrigin: (token, sid, origin) => void deferred(() => q.saveOrigin.run(token, sid, origin)),
    proxyOrigins: () => q.origins.all() as { token: string; sessionId: string; origin: string }[],
    saveOfflineMessage: (m) => void durable(() => q.saveOffline.run(m)),
    offlineMessages: (limit) =>
      (q.offline.all(limit) as Row[]).map(offlineFromRow),
    markOfflineHandled: (id, agentId) => void durable(() => q.handleOffline.run(agentId, id)),
    saveCanned: (c) => void durable(() => q.saveCanned.run(c)),
    cannedFor: (agentId) =>
      (q.cannedFor.all(agentId) as Row[]).map(
        (r): CannedResponse => ({ id: r.id as string, agentId: (r.agent_id as string | null) ?? null, shortcut: r.shortcut as string, text: r.text as string, createdAt: r.created_at as number }),
      ),
    deleteCanned: (id, agentId, mayDeleteShared) => durable(() => q.deleteCanned.run(id, agentId, mayDeleteShared ? 1 : 0).changes > 0),
    saveAttachment: (a) => void durable(() => q.saveAttachment.run(a)),
    attachment: (id) => {
      const r = q.attachment.get(id) as Row | undefined;
      if (!r) return null;
      return { id: r.id as string, sessionId: r.session_id as string, name: r.name as string, type: r.type as string, size: r.size as number, data: r.data as Buffer, createdAt: r.created_at as number } satisfies StoredAttachment;
    },
    getKv: (k) => ((q.getKv.get(k) as { value: string } | undefined)?.value ?? null),
    setKv: (k, val) => void deferred(() => q.setKv.run(k, val)),
    appendRoutingLog: (seq, batch) => void deferred(() => q.appendRoutingLog.run(seq, batch)),
    routingLogAfter: (seq) => q.routingLogAfter.all(seq) as RoutingLogBatch[],
    dropRoutingLogThrough: (seq) => void deferred(() => q.dropRoutingLogThrough.run(seq)),
    kind: 'sqlite',
    healthy: () => db.open,
    close: () => {
      group.flush();
      archived?.close();
      checkpointer?.stop();
      db.close();
    },
  };
}

/** A session's last sequence number: its last event's (appends do not rewrite the row), or the row's own base. */
const LIVE_SEQ = 'MAX(last_seq, IFNULL((SELECT MAX(e.seq) FROM events e WHERE e.session_id = sessions.id), 0)) AS live_seq';
const sessionFromSqlite = (r: Row) => sessionFromRow({ ...r, last_seq: r.live_seq });

/** An event as the events table's named parameters. */
function eventRow(e: SessionEvent) {
  return {
    sessionId: e.sessionId,
    seq: e.seq,
    ts: e.ts,
    kind: e.kind,
    from: e.from,
    name: e.name ?? null,
    text: e.text ?? null,
    url: e.url ?? null,
    clientId: e.clientId ?? null,
    attachment: e.attachment ? JSON.stringify(e.attachment) : null,
  };
}
