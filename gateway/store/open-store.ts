// Opens the store the configuration names: PostgreSQL when DATABASE_URL is set (no SQLite file is
// created then), otherwise the embedded SQLite file at DATABASE_PATH, locked to this gateway unless
// it is one of a Redis cluster. Either way with agent records cached in memory (./agent-cache.ts).
import { DEFAULTS, type Config } from '../config.ts';
import type { Logger } from '../log.ts';
import { withAgentCache, type AgentCacheControl } from './agent-cache.ts';
import type { StorePorts } from './ports.ts';
import { openPostgresStore } from './postgres-store.ts';
import { lockSqliteFile } from './sqlite-lock.ts';
import { openSqliteStore } from './sqlite-store.ts';
import type { Store } from './types.ts';

type StoreConfig = Partial<Pick<Config, 'sqliteCheckpointMs'>> & Pick<Config, 'databaseUrl' | 'databasePath' | 'databasePoolSize' | 'databaseStatementTimeoutMs' | 'databaseConnectTimeoutMs' | 'redisUrl'>;

export type OpenedStore = StorePorts & { agentCache: AgentCacheControl };

/** `lock: false` for tools beside a running gateway (the agent CLI): they share the file on purpose. */
export async function openStore(config: StoreConfig, log?: Logger, o: { lock?: boolean } = {}): Promise<OpenedStore> {
  if (config.databaseUrl) {
    const pg = await openPostgresStore({
      url: config.databaseUrl,
      poolSize: config.databasePoolSize,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
      connectTimeoutMs: config.databaseConnectTimeoutMs,
      log,
    });
    return withAgentCache(pg);
  }
  return openSqlite(config, { ...o, log });
}

/**
 * The SQLite store alone (synchronous answers), locked unless in a Redis cluster or in memory. A
 * locked file is this process's alone, so its deferrable writes commit once per turn.
 */
export function openSqlite(
  config: Pick<StoreConfig, 'databasePath' | 'redisUrl' | 'sqliteCheckpointMs'>,
  o: { lock?: boolean; log?: Logger } = {},
): Store & OpenedStore {
  const lock = o.lock === false || config.redisUrl || config.databasePath === ':memory:' ? null : lockSqliteFile(config.databasePath);
  let sqlite: Store & StorePorts;
  try {
    const report = (level: 'error' | 'warn', fields: Record<string, unknown>, msg: string) =>
      o.log ? o.log[level](fields, msg) : console[level](`store: ${msg}`, fields);
    const onLost = (err: unknown, writes: number) => report('error', { event: 'store.write-lost', writes, err: String(err) }, 'a turn of store writes failed to commit; dropped');
    // A tool beside a running gateway (lock: false) leaves checkpoints to SQLite: it is short-lived.
    const checkpoint = o.lock === false ? undefined : { everyMs: config.sqliteCheckpointMs ?? DEFAULTS.sqliteCheckpointMs, log: o.log };
    // Gateways of a cluster share the file: no turn-long transaction, but the transcript copies of
    // Redis-numbered events are written a turn at a time.
    const onArchiveError = (err: unknown, rows: number) => report('warn', { event: 'store.archive-retry', rows, err: String(err) }, 'copying events into the shared SQLite file failed; retrying');
    const shared = !lock && !!config.redisUrl && o.lock !== false;
    sqlite = openSqliteStore(config.databasePath, { ...(lock ? { groupWrites: { onLost } } : {}), ...(shared ? { batchArchive: { onError: onArchiveError } } : {}), checkpoint });
  } catch (err) {
    lock?.release();
    throw err;
  }
  const store = withAgentCache(sqlite);
  return {
    ...store,
    close() {
      store.close();
      lock?.release();
    },
  };
}
