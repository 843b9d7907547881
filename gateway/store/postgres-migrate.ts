// Applies ./postgres-migrations.ts in one transaction under an advisory lock, so gateways starting
// together migrate once and a failed migration leaves the schema as it was. Records each version in
// `schema_migrations`.
import type { Pool } from 'pg';
import { GatewayError } from '../errors.ts';
import { MIGRATIONS, type Migration } from './postgres-migrations.ts';

/** Any 64-bit number no other application on the database uses for an advisory lock. */
const MIGRATION_LOCK = 0x636f62726f7773; // "cobrows"

export interface MigrationResult {
  applied: Migration[];
  /** The schema version after the run. */
  version: number;
}

export async function migrate(pool: Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`);
    const done = new Set((await client.query<{ version: number }>('SELECT version FROM schema_migrations')).rows.map((r) => r.version));
    const known = Math.max(0, ...migrations.map((m) => m.version));
    const newest = Math.max(0, ...done);
    if (newest > known) throw new GatewayError('CB_ERR_STORE_SCHEMA', `The database is at version ${newest}; this gateway knows up to ${known}.`);
    const applied: Migration[] = [];
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (done.has(m.version)) continue;
      await client.query(m.sql);
      await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [m.version, m.name]);
      applied.push(m);
    }
    await client.query('COMMIT');
    return { applied, version: Math.max(newest, ...applied.map((m) => m.version)) };
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}
