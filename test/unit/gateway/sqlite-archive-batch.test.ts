// Transcript copies into a SQLite file that a cluster's gateways share are written a turn at a time,
// in one short transaction, and kept in order through a busy file (gateway/store/sqlite-archive-batch.ts).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../helpers/temp-dir.ts';
import { archiveBatch } from '../../../gateway/store/sqlite-archive-batch.ts';

const tempDir = tempDirs();

function twoConnections() {
  const dir = tempDir('arch-');
  const path = join(dir, 'a.sqlite');
  const db = new Database(path, { timeout: 0 });
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE ev (sid TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (sid, seq)) WITHOUT ROWID');
  const other = new Database(path, { timeout: 0 });
  const stored = () => other.prepare('SELECT sid, seq FROM ev ORDER BY sid, seq').all();
  return { db, other, stored, insert: db.prepare('INSERT OR IGNORE INTO ev (sid, seq) VALUES (@sid, @seq)') };
}

const endOfTurn = () => new Promise<void>((r) => setImmediate(r));

describe('SQLite archive batch', () => {
  it("writes a turn's copies together at the end of the turn", async () => {
    const { db, other, stored, insert } = twoConnections();
    const b = archiveBatch(db, insert, () => {});
    for (let i = 1; i <= 50; i++) b.add({ sid: 's', seq: i });
    expect(b.pending).toBe(50);
    expect(stored()).toEqual([]);
    await endOfTurn();
    expect(b.pending).toBe(0);
    expect(other.prepare('SELECT COUNT(*) FROM ev').pluck().get()).toBe(50);
    other.close();
    db.close();
  });

  it('a busy file keeps the copies, in order, and writes them once it is free', async () => {
    const { db, other, insert } = twoConnections();
    const errors: number[] = [];
    const b = archiveBatch(db, insert, (_err, rows) => errors.push(rows), setImmediate, { firstMs: 5, maxMs: 20 });
    other.exec('BEGIN IMMEDIATE'); // another gateway holds the write lock
    b.add({ sid: 's', seq: 1 });
    b.add({ sid: 's', seq: 2 });
    await endOfTurn();
    expect(errors).toEqual([2]);
    b.add({ sid: 's', seq: 3 });
    await new Promise((r) => setTimeout(r, 30));
    expect(b.pending).toBe(3);
    other.exec('COMMIT');
    const end = Date.now() + 2000;
    while (b.pending && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    expect(other.prepare('SELECT seq FROM ev WHERE sid = ? ORDER BY seq').pluck().all('s')).toEqual([1, 2, 3]);
    other.close();
    db.close();
  });

  it('closing writes what is waiting', () => {
    const { db, other, insert } = twoConnections();
    const b = archiveBatch(db, insert, () => {});
    b.add({ sid: 's', seq: 1 });
    expect(b.close()).toBe(true);
    expect(other.prepare('SELECT COUNT(*) FROM ev').pluck().get()).toBe(1);
    b.add({ sid: 's', seq: 2 }); // after close: not scheduled
    other.close();
    db.close();
  });
});
