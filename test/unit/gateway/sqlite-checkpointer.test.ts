// The WAL is copied back by a thread of its own (gateway/store/sqlite-checkpointer.ts), so commits on
// the event loop never run SQLite's automatic checkpoint.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../helpers/temp-dir.ts';
import { startCheckpointer } from '../../../gateway/store/sqlite-checkpointer.ts';

const tempDir = tempDirs();

function file() {
  const dir = tempDir('ckpt-');
  const path = join(dir, 'c.sqlite');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID');
  return { db, path };
}

const until = async (what: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('SQLite checkpointer', () => {
  it('turns off the in-commit checkpoint and copies the WAL back from its thread', async () => {
    const { db, path } = file();
    const cp = startCheckpointer(db, path, 20);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const ins = db.prepare('INSERT INTO t VALUES (?, ?)');
    // About 2,500 pages: past the 1,000 at which SQLite would have checkpointed inside a commit.
    for (let b = 0; b < 20; b++) db.transaction(() => { for (let i = 0; i < 500; i++) ins.run(`k${b}-${i}`, 'x'.repeat(800)); })();
    const after = cp.done;
    await until(() => cp.done >= after + 2);
    // Every WAL frame is in the database file now: another connection's checkpoint finds none left.
    const other = new Database(path);
    const [r] = other.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    expect(r.log).toBeGreaterThan(1000);
    expect(r.checkpointed).toBe(r.log);
    expect(other.prepare('SELECT COUNT(*) FROM t').pluck().get()).toBe(10_000);
    other.close();
    cp.stop();
    db.close();
  });

  it('when its thread cannot start, the connection goes back to SQLite’s own checkpoints', async () => {
    const { db, path } = file();
    const warned: unknown[] = [];
    startCheckpointer(db, `${path}.missing`, 20, { warn: (o: unknown) => warned.push(o), error: () => {} } as never);
    await until(() => warned.length > 0);
    expect(db.pragma('wal_autocheckpoint', { simple: true })).toBe(1000);
    db.close();
  });
});
