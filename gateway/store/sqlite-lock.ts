// One gateway per SQLite file unless they share Redis: two separate gateways on one file would each
// run their own queue and router over the same sessions and offer each other's visitors. The lock is
// an exclusive SQLite lock on a small side file (`<DATABASE_PATH>.lock`) held for the gateway's life:
// the operating system drops it when the process ends, even by kill -9, so a crash never leaves a
// stale lock behind. The agent CLI opens the store itself, not the side file, and is not locked out.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { GatewayError } from '../errors.ts';

export interface SqliteLock {
  readonly path: string;
  release(): void;
}

export function lockSqliteFile(databasePath: string): SqliteLock {
  const path = `${databasePath}.lock`;
  mkdirSync(dirname(path), { recursive: true });
  // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting for it.
  const db = new Database(path, { timeout: 0 });
  try {
    // EXCLUSIVE locking mode keeps the write lock after the first write until the connection closes.
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS holder (pid INTEGER NOT NULL, host TEXT NOT NULL, since INTEGER NOT NULL)');
    db.transaction(() => {
      db.exec('DELETE FROM holder');
      db.prepare('INSERT INTO holder (pid, host, since) VALUES (?, ?, ?)').run(process.pid, hostname(), Date.now());
    }).exclusive();
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith('SQLITE_BUSY') || (err as { code?: string }).code === 'SQLITE_LOCKED') {
      throw new GatewayError('CB_ERR_STORE_LOCKED', `(${databasePath}; lock ${path})`, { cause: err });
    }
    throw err;
  }
  return { path, release: () => db.open && db.close() };
}
