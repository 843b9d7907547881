// Frame flood, as a separate process: V visitors (each its own session, queued: no agent needed)
// send frames over their shell WebSockets at a total rate, spread evenly, as fast as the rate asks.
// Frames are protocol-valid pointer/scroll frames and, one in `badEvery`, hostile ones (bad JSON,
// wrong shapes), the mix the frame fuzzer sends; the gateway answers those with error frames.
// Used by the health-under-load test and bench: health must answer while this runs.
import WebSocket from 'ws';
import { serve } from '../lib/rpc.ts';
import { httpRequest } from '../lib/http-request.ts';
import { localhostLookup } from '../lib/localhost-dns.ts';

const sockets: WebSocket[] = [];
let timer: ReturnType<typeof setInterval> | null = null;
let sent = 0;
let received = 0;

const FRAMES = [
  () => JSON.stringify({ type: 'pointer', path: 'main>ul>li:nth-of-type(3)>a', fx: Math.random(), fy: Math.random() }),
  () => JSON.stringify({ type: 'scroll', scroll: { target: '', anchor: 'main>p:nth-of-type(4)', offset: 12, ratio: Math.random() } }),
  () => '{"type":"pointer", nope',
  () => JSON.stringify({ type: 'bogus', sessionId: 'x'.repeat(100), fx: 'a' }),
];

serve({
  async connect(a: { url: string; visitors: number }) {
    for (let i = 0; i < a.visitors; i++) {
      const r = await httpRequest(`${a.url}/start?site=flood&url=${encodeURIComponent('https://shop.example/')}`);
      const loc = String(r.headers.location ?? '');
      if (r.status !== 303) throw new Error(`start: HTTP ${r.status}`);
      const ws = new WebSocket(`${a.url.replace(/^http/, 'ws')}/ws/visitor?sid=${encodeURIComponent(loc.slice(3))}`, { headers: { origin: a.url }, lookup: localhostLookup as never });
      await new Promise<void>((res, rej) => (ws.once('open', () => res()), ws.once('error', rej)));
      ws.send(JSON.stringify({ type: 'hello' }));
      ws.on('message', () => received++);
      sockets.push(ws);
    }
    return sockets.length;
  },

  /** Sends `perSecond` frames in total, in 10 ms ticks, one in `badEvery` hostile. */
  start(a: { perSecond: number; badEvery: number }) {
    const perTick = a.perSecond / 100;
    let debt = 0;
    let n = 0;
    timer = setInterval(() => {
      debt += perTick;
      while (debt >= 1) {
        debt--;
        const ws = sockets[n % sockets.length];
        const f = n % a.badEvery === a.badEvery - 1 ? FRAMES[2 + (n % 2)] : FRAMES[n % 2];
        n++;
        if (ws.readyState === WebSocket.OPEN && ws.bufferedAmount < 1 << 20) {
          ws.send(f());
          sent++;
        }
      }
    }, 10);
  },

  stop() {
    if (timer) clearInterval(timer);
    timer = null;
    return { sent, received };
  },

  close() {
    for (const ws of sockets) ws.close();
  },
});
