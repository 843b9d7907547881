// Which store errors are worth retrying: the database is briefly away (restarting, unreachable, out
// of connections, a statement cancelled by statement_timeout) rather than the write being wrong.
// A retry of a wrong write would fail again forever, so everything else is permanent.

/** Socket-level failures (Node error codes). */
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

/** PostgreSQL SQLSTATEs: connection exceptions (class 08), shutdown/restart (57P01-57P03), too many connections, serialization/deadlock, statement timeout. */
const SQLSTATE = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01', '57014']);

/** SQLite: the file is locked by another connection for longer than its busy timeout. */
const SQLITE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

export function isTransientStoreError(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK.has(code) || SQLSTATE.has(code) || SQLITE.has(code) || code.startsWith('08')) return true;
  // node-postgres reports a lost or never-made connection as plain Errors without a code.
  const msg = typeof e.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed|the database system is (starting up|shutting down|in recovery mode)/i.test(msg);
}
