// appendEvent on a real PostgreSQL server when the connection is lost after the commit but before the
// answer: the gateway's writer retries the same event (the same appendKey), and the event is stored
// once and answered as new (nobody was told of it yet), for a system line (no clientId) and for a
// chat message; without the key the retry would number it again. Between the store and the server sits
// a TCP relay that, once armed, lets the next append reach the server, swallows the server's whole
// answer (up to its ReadyForQuery, sent after the commit) and cuts the connection, as a network
// failure at that moment would.
import { createServer, connect, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../helpers/gateway.ts';
import { startPostgres, type TestPostgres } from '../helpers/postgres.ts';
import { openPostgresStore } from '../../gateway/store/postgres-store.ts';
import { openSqliteStore } from '../../gateway/store/sqlite-store.ts';
import type { StorePorts } from '../../gateway/store/ports.ts';
import type { NewEvent } from '../../gateway/store/types.ts';
import { SessionWriter } from '../../gateway/channel/session-writer.ts';
import { createLogger } from '../../gateway/log.ts';
import { newId } from '../../gateway/ids.ts';

let server: TestPostgres;
let relay: Server;
let store: StorePorts;
let direct: pg.Client;
const sockets = new Set<Socket>();
/** Armed: the next connection that sends an append has its answer swallowed and is cut. */
let armed = false;
let cut = 0;

/** Whether `buf` (server messages from a message boundary) holds a complete ReadyForQuery ('Z'). */
function holdsReadyForQuery(buf: Buffer): boolean {
  let pos = 0;
  while (pos + 5 <= buf.length) {
    const len = buf.readInt32BE(pos + 1);
    if (pos + 1 + len > buf.length) return false;
    if (buf[pos] === 0x5a) return true;
    pos += 1 + len;
  }
  return false;
}

beforeAll(async () => {
  server = await startPostgres();
  const url = await server.createDatabase('append_retry');
  const port = await freePort();
  relay = createServer((client) => {
    const up = connect(server.port, '127.0.0.1');
    sockets.add(client).add(up);
    let swallowing: Buffer | null = null;
    client.on('data', (d) => {
      // The append: its text when first prepared on a connection, its statement name after that.
      if (armed && (d.includes('cb_append_event') || d.includes('appendEvent'))) {
        armed = false;
        swallowing = Buffer.alloc(0);
      }
      up.write(d);
    });
    up.on('data', (d) => {
      if (!swallowing) return client.write(d);
      swallowing = Buffer.concat([swallowing, d]);
      // The server answers after the commit: the whole answer is dropped with the connection.
      if (holdsReadyForQuery(swallowing)) {
        cut++;
        client.destroy();
        up.destroy();
      }
    });
    const end = () => (client.destroy(), up.destroy());
    client.on('error', end).on('close', end);
    up.on('error', end).on('close', end);
  });
  await new Promise<void>((r) => relay.listen(port, '127.0.0.1', r));
  store = await openPostgresStore({ url: url.replace(`:${server.port}/`, `:${port}/`), poolSize: 2, statementTimeoutMs: 5000, connectTimeoutMs: 5000 });
  direct = new pg.Client({ connectionString: url });
  await direct.connect();
}, 60_000);

afterAll(async () => {
  writer.close();
  await direct?.end();
  await store?.close();
  for (const s of sockets) s.destroy();
  relay?.close();
  await server?.close();
});

const stored = async (sid: string) => (await direct.query('SELECT seq::int, kind, text, client_id FROM events WHERE session_id = $1 ORDER BY seq', [sid])).rows;

/** Appends `e` through the gateway's per-session writer (it retries a failed write), resolving with the answer. */
function appendRetried(e: NewEvent): Promise<{ event: { seq: number; clientId?: string }; duplicate: boolean }> {
  return new Promise((resolve) => writer.write(e.sessionId, 'appendEvent', async () => resolve(await store.appendEvent(e))));
}
const writer = new SessionWriter(createLogger('silent'), { retryMs: 20 });

async function newSession(id: string) {
  await store.createSession({ id, siteId: 'demo', department: null, priority: 0, entryUrl: 'http://shop.test/', userAgent: null, state: 'queued', agentId: null, url: null, createdAt: Date.now(), acceptedAt: null, endedAt: null, endedBy: null, endReason: null, rating: null, lastSeq: 0 });
}

describe('appendEvent when the connection drops after the commit', () => {
  it('SQLite takes the key and leaves it out of the event', () => {
    const sqlite = openSqliteStore(':memory:');
    sqlite.createSession({ id: 's1', siteId: 'demo', department: null, priority: 0, entryUrl: 'http://shop.test/', userAgent: null, state: 'queued', agentId: null, url: null, createdAt: 1, acceptedAt: null, endedAt: null, endedBy: null, endReason: null, rating: null, lastSeq: 0 });
    const r = sqlite.appendEvent({ sessionId: 's1', ts: 1, kind: 'system', from: 'system', text: 'x', appendKey: newId() });
    expect(r.event).toEqual({ sessionId: 's1', seq: 1, ts: 1, kind: 'system', from: 'system', text: 'x' });
    sqlite.close();
  });

  it('a system line (no clientId) is stored once, and answered as new', async () => {
    await newSession('s-system');
    armed = true;
    const r = await appendRetried({ sessionId: 's-system', ts: 1, kind: 'system', from: 'system', text: 'The agent joined', appendKey: newId() });
    expect(cut, 'the first attempt committed and its answer was lost').toBe(1);
    expect(r.duplicate).toBe(false);
    expect(r.event.seq).toBe(1);
    expect(r.event, 'the key is not part of the event clients see').not.toHaveProperty('appendKey');
    expect(writer.stats.retried, 'the writer retried the append').toBe(1);
    const next = await store.appendEvent({ sessionId: 's-system', ts: 2, kind: 'system', from: 'system', text: 'next', appendKey: newId() });
    expect(next.event.seq).toBe(2);
    expect(await stored('s-system')).toEqual([
      { seq: 1, kind: 'system', text: 'The agent joined', client_id: null },
      { seq: 2, kind: 'system', text: 'next', client_id: null },
    ]);
  });

  it('a chat message is answered as new after the retry (so it is delivered), and as a duplicate when its client resends it', async () => {
    await newSession('s-chat');
    armed = true;
    const chat = { sessionId: 's-chat', ts: 1, kind: 'chat' as const, from: 'visitor' as const, text: 'hello', clientId: 'c1', appendKey: newId() };
    const r = await appendRetried(chat);
    expect(cut).toBe(2);
    expect(r).toMatchObject({ duplicate: false, event: { seq: 1, clientId: 'c1' } });
    // The visitor's client sends it again (another append, its own key): a duplicate, not delivered again.
    const resent = await store.appendEvent({ ...chat, appendKey: newId() });
    expect(resent).toMatchObject({ duplicate: true, event: { seq: 1 } });
    expect(await stored('s-chat')).toEqual([{ seq: 1, kind: 'chat', text: 'hello', client_id: 'c1' }]);
  });
});
