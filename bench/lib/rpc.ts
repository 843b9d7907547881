// Client processes: the harness forks every load generator, peer and fixture as its own Node process
// (never on the gateway's event loop, nor on the harness's), and talks to it over the IPC channel
// with small request/response calls. Children stream progress as events.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { epochMs } from './hdr.ts';
import { inspectorUrlFrom } from './inspector-gc.ts';
import type { ChildBundles } from './child-bundles.ts';

type Msg =
  | { id: number; cmd: string; args: unknown }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; error: string }
  | { event: string; data: unknown }
  | { ready: true }
  | { clock: number; t: number };

export interface Child {
  name: string;
  pid: number;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  onEvent(fn: (event: string, data: any) => void): void;
  /** Offset of the child's epochMs() clock from ours, ms (cross-process one-way latency relies on it). */
  clockOffsetMs: number;
  /** Inspector WebSocket URL when forked with `inspect` (for forced GC before RSS readings). */
  inspectorUrl: string | null;
  stop(): Promise<void>;
}

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

let bundles: ChildBundles | null = null;
/** --quick: fork the children that have one from their bundle, with plain node (lib/child-bundles.ts). */
export function forkFromBundles(b: ChildBundles): void {
  bundles = b;
}

/** Forks bench/<rel> with tsx (or its bundle, after forkFromBundles); resolves once the child has served its first message. */
export async function forkChild(rel: string, name: string, argv: string[] = [], opts: { inspect?: boolean } = {}): Promise<Child> {
  const bundle = bundles?.fileFor(rel) ?? null;
  const proc: ChildProcess = fork(bundle ?? BENCH_DIR + rel, argv, {
    execArgv: [...(bundle ? [] : ['--import', 'tsx']), ...(opts.inspect ? ['--inspect=127.0.0.1:0'] : [])],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: { ...process.env, BENCH_CHILD: name },
  });
  let tail = '';
  const keep = (d: Buffer) => {
    tail = (tail + d.toString()).slice(-4000);
  };
  proc.stdout!.on('data', keep);
  proc.stderr!.on('data', keep);
  const inspectorUrl = opts.inspect ? inspectorUrlFrom(proc.stderr!) : Promise.resolve(null);
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void; cmd: string }>();
  const listeners: ((event: string, data: unknown) => void)[] = [];
  let exited = false;
  let clockWaiter: ((m: { clock: number; t: number }) => void) | null = null;

  const ready = new Promise<void>((resolve, reject) => {
    proc.on('message', (m: Msg) => {
      if ('ready' in m) return resolve();
      if ('clock' in m) return clockWaiter?.(m);
      if ('event' in m) return listeners.forEach((fn) => fn(m.event, m.data));
      if ('ok' in m) {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (!p) return;
        if (m.ok) p.resolve(m.result);
        else p.reject(new Error(`${name}.${p.cmd}: ${m.error}`));
      }
    });
    proc.on('exit', (code, signal) => {
      exited = true;
      const err = new Error(`${name} exited (${code ?? signal}) ${tail ? `\n--- ${name} output ---\n${tail}` : ''}`);
      reject(err);
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
  });
  await ready;

  // Clock check: best of a few round trips (the offset of the child's clock is child - midpoint).
  let best = { rtt: Infinity, off: 0 };
  for (let i = 0; i < 10; i++) {
    const t0 = epochMs();
    const m = await new Promise<{ clock: number; t: number }>((resolve) => {
      clockWaiter = resolve;
      proc.send({ clock: 1, t: t0 });
    });
    const t1 = epochMs();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, off: m.clock - (t0 + t1) / 2 };
  }

  return {
    name,
    pid: proc.pid!,
    clockOffsetMs: best.off,
    inspectorUrl: await inspectorUrl,
    call<T>(cmd: string, args?: unknown): Promise<T> {
      if (exited) return Promise.reject(new Error(`${name} is not running${tail ? `\n${tail}` : ''}`));
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve, reject, cmd });
        proc.send({ id, cmd, args });
      });
    },
    onEvent(fn) {
      listeners.push(fn);
    },
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((r) => proc.once('exit', () => r()));
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), 3000);
      await gone;
      clearTimeout(t);
    },
  };
}

/** Child side: answers calls with the handlers; an exception becomes a rejected call in the harness. */
export function serve(handlers: Record<string, (args: any) => unknown>): void {
  process.on('message', async (m: Msg) => {
    if ('clock' in m) return process.send!({ clock: epochMs(), t: m.t });
    if (!('cmd' in m)) return;
    try {
      const h = handlers[m.cmd];
      if (!h) throw new Error(`unknown command ${m.cmd}`);
      process.send!({ id: m.id, ok: true, result: (await h(m.args)) ?? null });
    } catch (err) {
      process.send!({ id: m.id, ok: false, error: (err as Error).stack ?? String(err) });
    }
  });
  // The harness going away (Ctrl-C, crash) must not leave load generators running.
  process.on('disconnect', () => process.exit(0));
  process.send!({ ready: true });
}

export function emit(event: string, data: unknown): void {
  process.send?.({ event, data });
}
