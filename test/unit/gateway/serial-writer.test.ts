import { describe, expect, it } from 'vitest';
import { SerialWriter } from '../../../gateway/store/serial-writer.ts';

/** A log that keeps what it was told, and timers fired by hand (their delays recorded). */
function harness(opts: { maxQueued?: number; maxQueuedPerKey?: number } = {}) {
  const logged: { level: string; obj: Record<string, unknown> }[] = [];
  const timers: { fn: () => void; ms: number }[] = [];
  const w = new SerialWriter({
    log: { warn: (obj) => logged.push({ level: 'warn', obj: obj as Record<string, unknown> }), error: (obj) => logged.push({ level: 'error', obj: obj as Record<string, unknown> }) },
    setTimer: (fn, ms) => void timers.push({ fn, ms }),
    baseDelayMs: 10,
    maxDelayMs: 80,
    ...opts,
  });
  const fire = () => timers.splice(0).forEach((t) => t.fn());
  return { w, logged, timers, fire };
}

const transient = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
const tick = () => new Promise((r) => setImmediate(r));

describe('SerialWriter', () => {
  it('runs a synchronous write at once, inside enqueue (the SQLite path needs no promise)', () => {
    const { w } = harness();
    const done: number[] = [];
    expect(w.enqueue('s1', 'a', () => void done.push(1))).toBe(true);
    expect(done).toEqual([1]);
    expect(w.pending).toBe(0);
  });

  it('runs one key\'s asynchronous writes one at a time, in order, while other keys proceed', async () => {
    const { w } = harness();
    const order: string[] = [];
    const gates: Record<string, () => void> = {};
    const op = (name: string) => () => new Promise<void>((resolve) => (gates[name] = () => (order.push(name), resolve())));
    w.enqueue('a', 'a1', op('a1'));
    w.enqueue('a', 'a2', op('a2'));
    w.enqueue('b', 'b1', op('b1'));
    expect(Object.keys(gates).sort()).toEqual(['a1', 'b1']); // a2 waits for a1
    gates.b1();
    await tick();
    gates.a1();
    await tick();
    expect(Object.keys(gates)).toContain('a2');
    gates.a2();
    await w.drain();
    expect(order).toEqual(['b1', 'a1', 'a2']);
    expect(w.pending).toBe(0);
  });

  it('retries a transient failure with doubling back-off, capped, and keeps the later writes behind it', async () => {
    const { w, timers, fire, logged } = harness();
    let fails = 5;
    const ran: string[] = [];
    w.enqueue('s', 'first', async () => {
      if (fails-- > 0) throw transient();
      ran.push('first');
    });
    w.enqueue('s', 'second', () => void ran.push('second'));
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      await tick();
      expect(timers).toHaveLength(1);
      delays.push(timers[0].ms);
      expect(w.stalled).toBe(1);
      fire();
    }
    await w.drain();
    expect(delays).toEqual([10, 20, 40, 80, 80]);
    expect(ran).toEqual(['first', 'second']);
    expect(w.stalled).toBe(0);
    expect(logged.filter((l) => l.obj.event === 'store.write-retry')[0].obj).toMatchObject({ key: 's', label: 'first', attempt: 1 });
  });

  it('retries a synchronous throw of a transient error too', async () => {
    const { w, fire } = harness();
    let fails = 1;
    const ran: number[] = [];
    w.enqueue('s', 'x', () => {
      if (fails-- > 0) throw transient();
      ran.push(1);
    });
    expect(ran).toEqual([]);
    fire();
    expect(ran).toEqual([1]);
    expect(await w.drain()).toBe(true);
  });

  it('logs a permanent failure and moves on to the next write', async () => {
    const { w, logged } = harness();
    const ran: string[] = [];
    w.enqueue('s', 'bad', () => Promise.reject(Object.assign(new Error('duplicate key'), { code: '23505' })));
    w.enqueue('s', 'good', () => void ran.push('good'));
    await w.drain();
    expect(ran).toEqual(['good']);
    expect(logged).toEqual([{ level: 'error', obj: expect.objectContaining({ event: 'store.write-failed', key: 's', label: 'bad' }) }]);
  });

  it('is bounded: refuses (and logs) a write past the limit instead of growing while the store is away', async () => {
    const { w, logged, fire } = harness({ maxQueued: 3, maxQueuedPerKey: 2 });
    let down = true;
    const ran: string[] = [];
    const op = (n: string) => () => (down ? Promise.reject(transient()) : Promise.resolve(void ran.push(n)));
    expect(w.enqueue('a', 'a1', op('a1'))).toBe(true);
    expect(w.enqueue('a', 'a2', op('a2'))).toBe(true);
    expect(w.enqueue('a', 'a3', op('a3'))).toBe(false); // per key
    expect(w.enqueue('b', 'b1', op('b1'))).toBe(true);
    expect(w.enqueue('c', 'c1', op('c1'))).toBe(false); // over all keys
    expect(logged.filter((l) => l.obj.event === 'store.write-refused')).toHaveLength(2);
    await tick();
    down = false;
    fire();
    await w.drain();
    expect(ran.sort()).toEqual(['a1', 'a2', 'b1']);
  });

  it('drain() with a timeout says false while a write is still held up', async () => {
    const { w, fire } = harness();
    w.enqueue('s', 'x', () => Promise.reject(transient()));
    await tick();
    const drained = w.drain(1000);
    fire(); // the retry (fails again) and the drain timeout
    expect(await drained).toBe(false);
    expect(w.pending).toBe(1);
  });

  it('refuses writes after close()', () => {
    const { w } = harness();
    w.close();
    expect(w.enqueue('s', 'x', () => undefined)).toBe(false);
  });
});
