// Forced garbage collection in another Node process, through its inspector (the process is started
// with --inspect=127.0.0.1:0; nothing in the gateway changes). RSS read right after start-up still
// holds compile-time garbage (tsx) that V8 frees whenever it likes; collecting before every RSS
// reading makes "RSS after − RSS before" measure what the sessions hold, not when GC happened to run.
import WebSocket from 'ws';
import { sleep } from './proc-stats.ts';

/** Finds the inspector's WebSocket URL in a process's stderr ("Debugger listening on ws://…"). */
export function inspectorUrlFrom(stream: NodeJS.ReadableStream): Promise<string | null> {
  return new Promise((resolve) => {
    let buf = '';
    const t = setTimeout(() => resolve(null), 30_000);
    const onData = (d: Buffer) => {
      buf += d.toString();
      const m = /Debugger listening on (ws:\/\/\S+)/.exec(buf);
      if (m) {
        clearTimeout(t);
        stream.off('data', onData);
        resolve(m[1]);
      }
    };
    stream.on('data', onData);
  });
}

/** Two full collections (the second picks up what finalizers of the first released), then a beat. */
export async function collectGarbage(url: string | null): Promise<void> {
  if (!url) return;
  const ws = new WebSocket(url);
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  let id = 0;
  const call = (method: string) =>
    new Promise<void>((resolve) => {
      const my = ++id;
      const onMsg = (d: WebSocket.RawData) => {
        if (JSON.parse(String(d)).id === my) {
          ws.off('message', onMsg);
          resolve();
        }
      };
      ws.on('message', onMsg);
      ws.send(JSON.stringify({ id: my, method }));
    });
  await call('HeapProfiler.collectGarbage');
  await call('HeapProfiler.collectGarbage');
  ws.close();
  await sleep(200);
}
