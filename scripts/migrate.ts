// `npm run migrate`: applies pending PostgreSQL migrations (gateway/store/postgres-migrations.ts) to
// DATABASE_URL and says what it did. Gateways also migrate at start; this is for operators who
// migrate before rolling out new instances. The SQLite store updates its own schema when opened.
import { loadConfig } from '../gateway/config.ts';
import { GatewayError } from '../gateway/errors.ts';
import { openPostgresStore, redactUrl } from '../gateway/store/postgres-store.ts';
import { migrate } from '../gateway/store/postgres-migrate.ts';
import pg from 'pg';

export async function runMigrate(env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = console.log): Promise<number> {
  const config = loadConfig(env);
  if (!config.databaseUrl) {
    out('DATABASE_URL is not set: the SQLite store (DATABASE_PATH) migrates itself when the gateway opens it. Set DATABASE_URL=postgres://USER:PASS@HOST:PORT/DB to migrate PostgreSQL.');
    return 2;
  }
  // Opening checks the server answers (CB_ERR_STORE_UNREACHABLE otherwise); migrating is done below, to report it.
  const store = await openPostgresStore({
    url: config.databaseUrl,
    poolSize: 1,
    statementTimeoutMs: Math.max(config.databaseStatementTimeoutMs, 60_000),
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    migrate: false,
  });
  await store.close();
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: 1, connectionTimeoutMillis: config.databaseConnectTimeoutMs });
  try {
    const r = await migrate(pool);
    out(r.applied.length
      ? `${redactUrl(config.databaseUrl)}: applied ${r.applied.map((m) => `${m.version} (${m.name})`).join(', ')}; schema version ${r.version}`
      : `${redactUrl(config.databaseUrl)}: up to date at schema version ${r.version}`);
    return 0;
  } finally {
    await pool.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runMigrate().then(
    (code) => process.exit(code),
    (err) => {
      console.error(err instanceof GatewayError ? `${err.code}: ${err.message}` : err);
      process.exit(1);
    },
  );
}
