// The locked SQLite store commits the session writer's writes once per event-loop turn, and commits
// that group before any write whose caller replies on it (gateway/store/sqlite-write-group.ts).
// Checked through a second connection on the same file, which sees only what is committed.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDirs } from '../../helpers/temp-dir.ts';
import { openSqliteStore } from '../../../gateway/store/sqlite-store.ts';
import { writeGroup } from '../../../gateway/store/sqlite-write-group.ts';
import type { SessionRecord } from '../../../gateway/store/types.ts';

const tempDir = tempDirs();

function opened() {
  const dir = tempDir('wg-');
  const path = join(dir, 'g.sqlite');
  const lost: { err: unknown; writes: number }[] = [];
  const store = openSqliteStore(path, { groupWrites: { onLost: (err, writes) => lost.push({ err, writes }) } });
  const reader = new Database(path, { readonly: true });
  const committed = (id: string) => reader.prepare('SELECT state FROM sessions WHERE id = ?').pluck().get(id) ?? null;
  return { store, reader, committed, lost, path };
}

const endOfTurn = () => new Promise<void>((r) => setImmediate(r));

const session = (id: string): SessionRecord => ({
  id, siteId: 'site', department: null, priority: 0, entryUrl: 'https://shop.test/', userAgent: null, language: null, state: 'queued',
  agentId: null, url: null, createdAt: 1, acceptedAt: null, endedAt: null, endedBy: null, endReason: null, rating: null, lastSeq: 0,
});

describe('SQLite write group', () => {
  it("runs a turn's deferrable writes at once, visible on its own connection, and commits them together as the turn ends", async () => {
    const { store, committed, reader } = opened();
    store.createSession(session('a'));
    store.updateSession('a', { state: 'active', agentId: 'ag' });
    store.createSession(session('b'));
    store.saveProxyOrigin('tok', 'a', 'https://shop.test');
    expect(store.session('a')?.state).toBe('active');
    expect(committed('a')).toBeNull();
    await endOfTurn();
    expect(committed('a')).toBe('active');
    expect(committed('b')).toBe('queued');
    expect(reader.prepare('SELECT origin FROM proxy_origins WHERE token = ?').pluck().get('tok')).toBe('https://shop.test');
    reader.close();
    store.close();
  });

  it('a write its caller replies on commits the open group with it before it returns', () => {
    const { store, committed, reader } = opened();
    store.createSession(session('a'));
    store.createAgent({ id: 'ag', email: 'a@x.test', name: 'A', passwordHash: 'h', role: 'agent', departments: [], capacity: null, disabled: false });
    expect(committed('a')).toBe('queued');
    store.createSession(session('b'));
    store.saveAuthToken('hash', 'ag', Date.now() + 60_000);
    expect(committed('b')).toBe('queued');
    expect(reader.prepare('SELECT agent_id FROM auth_tokens WHERE token_hash = ?').pluck().get('hash')).toBe('ag');
    reader.close();
    store.close();
  });

  it('a chat event is stored, with the open group, before appendEvents answers', () => {
    const { store, committed, reader } = opened();
    store.createSession(session('a'));
    const [r] = store.appendEvents([{ sessionId: 'a', ts: 2, kind: 'chat', from: 'visitor', text: 'hi', clientId: 'c1' }]);
    expect(r).toMatchObject({ duplicate: false, event: { seq: 1 } });
    expect(committed('a')).toBe('queued');
    expect(reader.prepare('SELECT text FROM events WHERE session_id = ? AND seq = 1').pluck().get('a')).toBe('hi');
    reader.close();
    store.close();
  });

  it('a write that fails in itself throws to its caller; the rest of the group still commits', async () => {
    const { store, committed, lost, reader } = opened();
    store.createSession(session('a'));
    expect(() => store.createSession(session('a'))).toThrow(/UNIQUE/);
    store.createSession(session('b'));
    await endOfTurn();
    expect(committed('a')).toBe('queued');
    expect(committed('b')).toBe('queued');
    expect(lost).toEqual([]);
    reader.close();
    store.close();
  });

  it('closing commits what is open', () => {
    const { store, path } = opened();
    store.createSession(session('a'));
    store.close();
    const again = new Database(path, { readonly: true });
    expect(again.prepare('SELECT state FROM sessions WHERE id = ?').pluck().get('a')).toBe('queued');
    again.close();
  });

  it('a group whose commit fails is reported with its number of writes, and the next turn starts clean', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x INTEGER)');
    const lost: { err: unknown; writes: number }[] = [];
    const runs: (() => void)[] = [];
    const g = writeGroup(db, (err, writes) => lost.push({ err, writes }), (run) => runs.push(run));
    g.deferred(() => db.prepare('INSERT INTO t VALUES (1)').run());
    g.deferred(() => db.prepare('INSERT INTO t VALUES (2)').run());
    db.exec('ROLLBACK'); // as SQLite does itself on some errors (disk full, I/O): the group is gone
    runs.shift()!();
    expect(lost).toHaveLength(1);
    expect(lost[0].writes).toBe(2);
    g.deferred(() => db.prepare('INSERT INTO t VALUES (3)').run());
    runs.shift()!();
    expect(db.prepare('SELECT x FROM t').pluck().all()).toEqual([3]);
    expect(lost).toHaveLength(1);
  });
});
