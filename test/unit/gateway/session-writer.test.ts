import { describe, expect, it } from 'vitest';
import type { Logger } from 'pino';
import { SessionWriter } from '../../../gateway/channel/session-writer.ts';

/** A log that keeps what it was told; retries after 5 ms (doubling up to 20 ms) so the tests run on real timers. */
function harness() {
  const logged: { level: string; obj: Record<string, unknown> }[] = [];
  const log = { warn: (obj: object) => logged.push({ level: 'warn', obj: obj as Record<string, unknown> }), error: (obj: object) => logged.push({ level: 'error', obj: obj as Record<string, unknown> }) } as unknown as Logger;
  const w = new SessionWriter(log, { retryMs: 5, maxRetryMs: 20 });
  return { w, logged };
}

const transient = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const tick = () => new Promise((r) => setImmediate(r));

describe('SessionWriter', () => {
  it('runs a synchronous write at once, inside write() (the SQLite path needs no promise)', () => {
    const { w } = harness();
    const done: number[] = [];
    w.write('s1', 'a', () => void done.push(1));
    expect(done).toEqual([1]);
    expect(w.pending).toBe(0);
    expect(w.settled('s1')).toBeUndefined();
  });

  it("runs one key's asynchronous writes one at a time, in order, while other keys proceed", async () => {
    const { w } = harness();
    const order: string[] = [];
    const gates: Record<string, () => void> = {};
    const op = (name: string) => () => new Promise<void>((resolve) => (gates[name] = () => (order.push(name), resolve())));
    w.write('a', 'a1', op('a1'));
    w.write('a', 'a2', op('a2'));
    w.write('b', 'b1', op('b1'));
    expect(Object.keys(gates).sort()).toEqual(['a1', 'b1']); // a2 waits for a1
    gates.b1();
    await tick();
    gates.a1();
    await tick();
    expect(Object.keys(gates)).toContain('a2');
    gates.a2();
    await w.idle();
    expect(order).toEqual(['b1', 'a1', 'a2']);
    expect(w.pending).toBe(0);
  });

  it('retries a transient failure (a rejection or a synchronous throw) and keeps the later writes behind it', async () => {
    const { w, logged } = harness();
    let fails = 3;
    let throws = 1;
    const ran: string[] = [];
    w.write('s', 'first', async () => {
      if (fails-- > 0) throw transient();
      ran.push('first');
    });
    w.write('s', 'second', () => {
      if (throws-- > 0) throw transient();
      ran.push('second');
    });
    const barrier = w.settled('s');
    await w.idle();
    await barrier;
    expect(ran).toEqual(['first', 'second']);
    expect(w.stats).toMatchObject({ retried: 4, lost: 0 });
    expect(logged[0]).toMatchObject({ level: 'warn', obj: { event: 'store.write-failed', key: 's', what: 'first', attempt: 1 } });
  });

  it('drops a write that is wrong in itself at once (logged as lost) and goes on with the next', async () => {
    const { w, logged } = harness();
    const ran: string[] = [];
    w.write('s', 'bad', () => Promise.reject(Object.assign(new Error('duplicate key'), { code: '23505' })));
    w.write('s', 'good', () => void ran.push('good'));
    await w.idle();
    expect(ran).toEqual(['good']);
    expect(w.stats).toMatchObject({ written: 1, retried: 0, lost: 1 });
    expect(logged).toEqual([{ level: 'error', obj: expect.objectContaining({ event: 'store.write-lost', key: 's', what: 'bad' }) }]);
  });

  it('close() stops retrying and logs what is still pending as lost', async () => {
    const { w, logged } = harness();
    w.write('s', 'never', () => Promise.reject(transient()));
    await tick();
    expect(w.pending).toBe(1);
    w.close();
    expect(w.pending).toBe(0);
    expect(logged.at(-1)).toMatchObject({ level: 'error', obj: { event: 'store.write-lost', key: 's', writes: 1 } });
  });
});
