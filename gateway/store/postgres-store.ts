// The shared store: PostgreSQL through a node-postgres pool, for gateways on several hosts. Every
// method answers a promise (the ports in ./ports.ts). What SQLite got from being one synchronous
// process is made explicit: event numbering and clientId de-duplication run in one transaction
// (the cb_append_event function), archiving in one statement.
//
// Health: a failed query with a connection-class error marks the store unhealthy at once; a probe
// (SELECT 1) every PROBE_MS turns it healthy again when the server is back, and notices an outage
// while the gateway is idle. Agent changes are announced with NOTIFY so other gateways drop them
// from their caches (./agent-cache.ts).
import pg from 'pg';
import type { SessionEvent } from '../../protocol/index.ts';
import { GatewayError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { migrate } from './postgres-migrate.ts';
import type { StorePorts } from './ports.ts';
import { isTransientStoreError } from './transient.ts';
import type { AgentRecord, CannedResponse, OfflineMessage, SessionRecord, StoredAttachment } from './types.ts';
import { offlineFromRow, SESSION_COLS, sessionFromRow, type Row } from './sql-rows.ts';

export interface PostgresStoreOptions {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  connectTimeoutMs: number;
  log?: Logger;
  /** Apply pending migrations at open (the gateway does; `npm run migrate` does it alone). */
  migrate?: boolean;
}

const PROBE_MS = 2000;
const CHANNEL = 'cb_store_changed';


// BIGINT (int8) columns hold milliseconds and sequence numbers, well inside 2^53: parse them as numbers.
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text'))) as typeof pg.types.getTypeParser,
};

const agentFromRow = (r: Row): AgentRecord => ({
  id: r.id as string,
  email: r.email as string,
  name: r.name as string,
  passwordHash: r.password_hash as string,
  role: r.role as AgentRecord['role'],
  departments: r.departments as string[],
  capacity: (r.capacity as number | null) ?? null,
  disabled: r.disabled as boolean,
  createdAt: r.created_at as number,
});


function eventOf(sessionId: string, r: { seq: number; ts: number; kind: string; from: string; name: unknown; text: unknown; url: unknown; clientId: unknown; attachment: unknown }): SessionEvent {
  const e: SessionEvent = { sessionId, seq: r.seq, ts: r.ts, kind: r.kind as SessionEvent['kind'], from: r.from as SessionEvent['from'] };
  if (r.name != null) e.name = r.name as string;
  if (r.text != null) e.text = r.text as string;
  if (r.url != null) e.url = r.url as string;
  if (r.clientId != null) e.clientId = r.clientId as string;
  if (r.attachment != null) e.attachment = r.attachment as SessionEvent['attachment'];
  return e;
}

const eventFromRow = (r: Row) =>
  eventOf(r.session_id as string, { seq: r.seq as number, ts: r.ts as number, kind: r.kind as string, from: r.from_party as string, name: r.name, text: r.text, url: r.url, clientId: r.client_id, attachment: r.attachment });


const SESSION_KEYS = Object.keys(SESSION_COLS) as (keyof typeof SESSION_COLS)[];

const AGENT_COLS = { email: 'email', name: 'name', passwordHash: 'password_hash', role: 'role', departments: 'departments', capacity: 'capacity', disabled: 'disabled' } as const;

/** A pool per store; no query waits on a connection longer than connectTimeoutMs, nor runs longer than statementTimeoutMs. */
function poolFor(o: PostgresStoreOptions): pg.Pool {
  return new pg.Pool({
    connectionString: o.url,
    max: o.poolSize,
    connectionTimeoutMillis: o.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: o.statementTimeoutMs,
    // A lock wait counts against the statement timeout too, but say so explicitly for DDL at migration.
    lock_timeout: o.statementTimeoutMs,
    idle_in_transaction_session_timeout: o.statementTimeoutMs * 2,
    application_name: 'cobrowse-gateway',
    keepAlive: true,
    types,
  });
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/**
 * Opens the pool, checks the server answers (a coded CB_ERR_STORE_UNREACHABLE saying what to do if
 * not) and applies pending migrations.
 */
export async function openPostgresStore(o: PostgresStoreOptions): Promise<StorePorts> {
  const log = o.log;
  let up = true;
  let closed = false;
  const pool = poolFor(o);
  // An idle pooled connection cut by a server restart is reported here; without a listener it would crash the process.
  pool.on('error', (err) => {
    markDown(err);
  });
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => {});
    throw new GatewayError('CB_ERR_STORE_UNREACHABLE', `(${redactUrl(o.url)}: ${(err as Error).message || (err as { code?: string }).code})`, { cause: err });
  }
  if (o.migrate !== false) {
    try {
      const r = await migrate(pool);
      if (r.applied.length) log?.info({ event: 'store.migrated', version: r.version, applied: r.applied.map((m) => m.version) }, 'database migrated');
    } catch (err) {
      await pool.end().catch(() => {});
      throw err;
    }
  }

  function markDown(err: unknown) {
    if (closed) return;
    if (up) log?.warn({ event: 'store.unreachable', err }, 'PostgreSQL unreachable; retrying');
    up = false;
  }
  function markUp() {
    if (!up && !closed) log?.info({ event: 'store.reachable' }, 'PostgreSQL reachable again');
    up = true;
  }
  let probing = false;
  const probe = setInterval(() => {
    if (probing || closed) return;
    probing = true;
    pool.query('SELECT 1').then(markUp, markDown).finally(() => (probing = false));
  }, PROBE_MS);
  probe.unref();

  /** Every query goes through here, so health follows what the store actually sees. */
  async function query(text: string, values?: unknown[], name?: string): Promise<pg.QueryResult<Row>> {
    try {
      const r = await pool.query<Row>(name ? { name, text, values } : { text, values });
      if (!up) markUp();
      return r;
    } catch (err) {
      if (isTransientStoreError(err)) markDown(err);
      throw err;
    }
  }
  const one = async (text: string, values: unknown[], name?: string) => (await query(text, values, name)).rows[0] ?? null;

  // ---- change notifications from other gateways (LISTEN on a connection of its own)
  const listeners: ((c: { agent: string } | { token: string } | 'all') => void)[] = [];
  let listener: pg.Client | null = null;
  let relistenTimer: NodeJS.Timeout | null = null;
  const emit = (c: { agent: string } | { token: string } | 'all') => listeners.forEach((f) => f(c));
  async function listen(): Promise<void> {
    if (closed || listener) return;
    const c = new pg.Client({ connectionString: o.url, connectionTimeoutMillis: o.connectTimeoutMs, keepAlive: true, application_name: 'cobrowse-gateway-listen' });
    const lost = () => {
      if (listener !== c) return;
      listener = null;
      c.end().catch(() => {});
      // Changes made while we were not listening are unknown: caches start over.
      emit('all');
      if (!closed) relistenTimer = setTimeout(() => void listen(), PROBE_MS);
    };
    c.on('error', lost);
    c.on('end', lost);
    c.on('notification', (n) => {
      const p = n.payload ?? '';
      if (p.startsWith('agent:')) emit({ agent: p.slice(6) });
      else if (p.startsWith('token:')) emit({ token: p.slice(6) });
    });
    listener = c;
    try {
      await c.connect();
      await c.query(`LISTEN ${CHANNEL}`);
      // What was cached before we listened may have changed unheard: start over from here.
      emit('all');
    } catch {
      lost();
    }
  }

  const store: StorePorts = {
    kind: 'postgres',
    healthy: () => up,
    onChange(f) {
      listeners.push(f);
      return listen();
    },

    // ---- agents and tokens
    async createAgent(a) {
      const rec: AgentRecord = { ...a, createdAt: Date.now() };
      await query(
        `INSERT INTO agents (id, email, name, password_hash, role, departments, capacity, disabled, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [rec.id, rec.email, rec.name, rec.passwordHash, rec.role, JSON.stringify(rec.departments), rec.capacity, rec.disabled, rec.createdAt],
      );
      return rec;
    },
    async agentByEmail(email) {
      const r = await one('SELECT * FROM agents WHERE lower(email) = lower($1)', [email], 'agentByEmail');
      return r ? agentFromRow(r) : null;
    },
    async agentById(id) {
      const r = await one('SELECT * FROM agents WHERE id = $1', [id], 'agentById');
      return r ? agentFromRow(r) : null;
    },
    async listAgents() {
      return (await query('SELECT * FROM agents ORDER BY created_at, row_order')).rows.map(agentFromRow);
    },
    async updateAgent(id, patch) {
      const sets: string[] = [];
      const values: unknown[] = [id];
      for (const [k, col] of Object.entries(AGENT_COLS) as [keyof typeof AGENT_COLS, string][]) {
        if (patch[k] === undefined) continue;
        values.push(k === 'departments' ? JSON.stringify(patch[k]) : patch[k]);
        sets.push(`${col} = $${values.length}`);
      }
      if (!sets.length) return;
      // The change and its announcement in one statement: other gateways hear of it only once it is committed.
      await query(`WITH u AS (UPDATE agents SET ${sets.join(', ')} WHERE id = $1 RETURNING id) SELECT pg_notify('${CHANNEL}', 'agent:' || id) FROM u`, values);
    },
    async saveAuthToken(h, agentId, exp) {
      await query(
        'INSERT INTO auth_tokens (token_hash, agent_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (token_hash) DO UPDATE SET agent_id = excluded.agent_id, expires_at = excluded.expires_at',
        [h, agentId, exp],
        'saveAuthToken',
      );
    },
    async agentForToken(h, now) {
      const r = await one(
        'SELECT a.* FROM auth_tokens t JOIN agents a ON a.id = t.agent_id WHERE t.token_hash = $1 AND t.expires_at > $2 AND NOT a.disabled',
        [h, now],
        'agentForToken',
      );
      return r ? agentFromRow(r) : null;
    },
    async tokenAgent(h, now) {
      const r = await one(
        'SELECT a.*, t.expires_at AS token_expires_at FROM auth_tokens t JOIN agents a ON a.id = t.agent_id WHERE t.token_hash = $1 AND t.expires_at > $2 AND NOT a.disabled',
        [h, now],
        'tokenAgent',
      );
      return r ? { agent: agentFromRow(r), expiresAt: r.token_expires_at as number } : null;
    },
    async deleteAuthToken(h) {
      await query(`WITH d AS (DELETE FROM auth_tokens WHERE token_hash = $1 RETURNING token_hash) SELECT pg_notify('${CHANNEL}', 'token:' || token_hash) FROM d`, [h], 'deleteAuthToken');
    },

    // ---- sessions and events
    async createSession(s) {
      await query(
        `INSERT INTO sessions (id, site_id, department, priority, entry_url, user_agent, state, agent_id, url, created_at,
           accepted_at, ended_at, ended_by, end_reason, rating, last_seq, language)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
        [s.id, s.siteId, s.department, s.priority, s.entryUrl, s.userAgent, s.state, s.agentId, s.url, s.createdAt, s.acceptedAt, s.endedAt, s.endedBy, s.endReason, s.rating, s.lastSeq, s.language ?? null],
        'createSession',
      );
    },
    async session(id) {
      const r = await one('SELECT * FROM sessions WHERE id = $1', [id], 'session');
      return r ? sessionFromRow(r) : null;
    },
    async updateSession(id, patch) {
      const keys = SESSION_KEYS.filter((k) => patch[k] !== undefined);
      if (!keys.length) return;
      // Prepared once per column set: a session's few kinds of updates (accept, end, url) each get a plan.
      await query(
        `UPDATE sessions SET ${keys.map((k, i) => `${SESSION_COLS[k]} = $${i + 2}`).join(', ')} WHERE id = $1`,
        [id, ...keys.map((k) => patch[k])],
        `updateSession:${keys.join(',')}`,
      );
    },
    async sessionsInState(...states) {
      return (await query('SELECT * FROM sessions WHERE state = ANY($1) ORDER BY created_at, row_order', [states], 'sessionsInState')).rows.map(sessionFromRow);
    },
    async appendEvent(e) {
      let r: Row | null;
      // With the event's appendKey, retrying an append whose answer was lost (the connection dropped
      // after the commit) answers the event the first attempt stored instead of storing it twice.
      try {
        r = await one('SELECT * FROM cb_append_event($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)', [
          e.sessionId, e.ts, e.kind, e.from, e.name ?? null, e.text ?? null, e.url ?? null, e.clientId ?? null, e.attachment ? JSON.stringify(e.attachment) : null, e.appendKey ?? null,
        ], 'appendEvent');
      } catch (err) {
        if ((err as { code?: string }).code === 'P0002') throw new Error(`appendEvent: unknown session ${e.sessionId}`, { cause: err });
        throw err;
      }
      const event = eventOf(e.sessionId, { seq: r!.r_seq as number, ts: r!.r_ts as number, kind: r!.r_kind as string, from: r!.r_from as string, name: r!.r_name, text: r!.r_text, url: r!.r_url, clientId: r!.r_client_id, attachment: r!.r_attachment });
      return { event, duplicate: r!.r_duplicate as boolean };
    },
    async appendEvents(es) {
      if (es.length === 0) return [];
      const cols = (f: (e: (typeof es)[number]) => unknown) => es.map(f);
      let rows: Row[];
      try {
        // One statement: cb_append_event per event, in the batch's order (a volatile function sees
        // what the calls before it in the statement wrote, so numbering and clientId checks chain).
        rows = (await query(
          `SELECT r.* FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[])
             WITH ORDINALITY AS t(sid, ts, kind, from_party, name, text, url, client_id, attachment, ord)
           CROSS JOIN LATERAL cb_append_event(t.sid, t.ts, t.kind, t.from_party, t.name, t.text, t.url, t.client_id, t.attachment) r
           ORDER BY t.ord`,
          [
            cols((e) => e.sessionId), cols((e) => e.ts), cols((e) => e.kind), cols((e) => e.from), cols((e) => e.name ?? null), cols((e) => e.text ?? null),
            cols((e) => e.url ?? null), cols((e) => e.clientId ?? null), cols((e) => (e.attachment ? JSON.stringify(e.attachment) : null)),
          ],
          'appendEvents',
        )).rows;
      } catch (err) {
        // An unknown session, or a deadlock with another gateway's batch (a batch locks several
        // sessions' rows): nothing was written, so each event goes alone and gets its own answer.
        const code = (err as { code?: string }).code;
        if (code !== 'P0002' && code !== '40P01') throw err;
        const out: ({ event: SessionEvent; duplicate: boolean } | Error)[] = [];
        for (const e of es) {
          try {
            out.push(await store.appendEvent(e));
          } catch (one) {
            if (!(one instanceof Error) || !/unknown session/.test(one.message)) throw one;
            out.push(one);
          }
        }
        return out;
      }
      return rows.map((r, i) => ({
        event: eventOf(es[i].sessionId, { seq: r.r_seq as number, ts: r.r_ts as number, kind: r.r_kind as string, from: r.r_from as string, name: r.r_name, text: r.r_text, url: r.r_url, clientId: r.r_client_id, attachment: r.r_attachment }),
        duplicate: r.r_duplicate as boolean,
      }));
    },
    async eventsAfter(sid, seq) {
      return (await query('SELECT * FROM events WHERE session_id = $1 AND seq > $2 ORDER BY seq', [sid, seq], 'eventsAfter')).rows.map(eventFromRow);
    },
    async archiveEvent(e) {
      // One statement, so atomic: the copy (kept if already there) and the session's last_seq raised to cover it.
      await query(
        `WITH ins AS (
           INSERT INTO events (session_id, seq, ts, kind, from_party, name, text, url, client_id, attachment)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING)
         UPDATE sessions SET last_seq = GREATEST(last_seq, $2) WHERE id = $1`,
        [e.sessionId, e.seq, e.ts, e.kind, e.from, e.name ?? null, e.text ?? null, e.url ?? null, e.clientId ?? null, e.attachment ? JSON.stringify(e.attachment) : null],
        'archiveEvent',
      );
    },
    async saveProxyOrigin(token, sid, origin) {
      await query('INSERT INTO proxy_origins (token, session_id, origin) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [token, sid, origin], 'saveProxyOrigin');
    },
    async proxyOrigins() {
      return (await query('SELECT token, session_id AS "sessionId", origin FROM proxy_origins')).rows as { token: string; sessionId: string; origin: string }[];
    },

    // ---- content
    async saveOfflineMessage(m) {
      await query(
        'INSERT INTO offline_messages (id, session_id, site_id, name, email, message, created_at, handled_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
        [m.id, m.sessionId, m.siteId, m.name, m.email, m.message, m.createdAt, m.handledBy],
      );
    },
    async offlineMessages(limit) {
      return (await query('SELECT * FROM offline_messages ORDER BY created_at DESC, row_order DESC LIMIT $1', [limit])).rows.map(offlineFromRow);
    },
    async markOfflineHandled(id, agentId) {
      await query('UPDATE offline_messages SET handled_by = $2 WHERE id = $1', [id, agentId]);
    },
    async saveCanned(c) {
      await query('INSERT INTO canned_responses (id, agent_id, shortcut, text, created_at) VALUES ($1, $2, $3, $4, $5)', [c.id, c.agentId, c.shortcut, c.text, c.createdAt]);
    },
    async cannedFor(agentId) {
      // Byte order, as SQLite sorts: the same list whatever the database's locale.
      return (await query('SELECT * FROM canned_responses WHERE agent_id IS NULL OR agent_id = $1 ORDER BY shortcut COLLATE "C"', [agentId])).rows.map(
        (r): CannedResponse => ({ id: r.id as string, agentId: (r.agent_id as string | null) ?? null, shortcut: r.shortcut as string, text: r.text as string, createdAt: r.created_at as number }),
      );
    },
    async deleteCanned(id, agentId, mayDeleteShared) {
      const r = await query('DELETE FROM canned_responses WHERE id = $1 AND (agent_id = $2 OR (agent_id IS NULL AND $3::boolean))', [id, agentId, mayDeleteShared]);
      return (r.rowCount ?? 0) > 0;
    },
    async saveAttachment(a) {
      await query('INSERT INTO attachments (id, session_id, name, type, size, data, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [a.id, a.sessionId, a.name, a.type, a.size, a.data, a.createdAt]);
    },
    async attachment(id) {
      const r = await one('SELECT * FROM attachments WHERE id = $1', [id]);
      if (!r) return null;
      return { id: r.id as string, sessionId: r.session_id as string, name: r.name as string, type: r.type as string, size: r.size as number, data: r.data as Buffer, createdAt: r.created_at as number } satisfies StoredAttachment;
    },

    // ---- kv
    async getKv(k) {
      return ((await one('SELECT value FROM kv WHERE key = $1', [k], 'getKv'))?.value as string | undefined) ?? null;
    },
    async setKv(k, val) {
      await query('INSERT INTO kv (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value', [k, val], 'setKv');
    },
    async appendRoutingLog(seq, batch) {
      await query('INSERT INTO routing_log (seq, batch) VALUES ($1, $2) ON CONFLICT (seq) DO UPDATE SET batch = excluded.batch', [seq, batch], 'appendRoutingLog');
    },
    async routingLogAfter(seq) {
      const r = await query('SELECT seq, batch FROM routing_log WHERE seq > $1 ORDER BY seq', [seq], 'routingLogAfter');
      return r.rows.map((x) => ({ seq: Number(x.seq), batch: x.batch as string }));
    },
    async dropRoutingLogThrough(seq) {
      await query('DELETE FROM routing_log WHERE seq <= $1', [seq], 'dropRoutingLogThrough');
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(probe);
      if (relistenTimer) clearTimeout(relistenTimer);
      const l = listener;
      listener = null;
      await l?.end().catch(() => {});
      await pool.end();
    },
  };
  return store;
}
