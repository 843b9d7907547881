// Clients for the peer relays (bench/peers): one socket per party per room, two per room, sending the
// very frames the gateway's visitors and agents send in the chat scenario (traffic.ts). The relays
// forward them untouched to the other socket of the room.
import WebSocket from 'ws';
import { serve } from '../lib/rpc.ts';
import { CloseLog, Recorder, frames, runPlan, sentTimeOf, type LoadPlan, type Role } from './traffic.ts';

let role: Role = 'visitor';
const sockets: WebSocket[] = [];
let recorder: Recorder | null = null;
const closes = new CloseLog();
let closing = false;
let chatSeq = 0;

function send(ws: WebSocket, frame: string): boolean {
  if (ws.readyState !== WebSocket.OPEN) return false;
  ws.send(frame);
  return true;
}

serve({
  /** Opens one socket per room in [from, to) to `${url}/room/<n>`. */
  async connect(a: { url: string; role: Role; from: number; to: number }) {
    role = a.role;
    const opened: Promise<void>[] = [];
    for (let r = a.from; r < a.to; r++) {
      const ws = new WebSocket(`${a.url}/room/${r}`);
      ws.on('message', (data) => {
        if (!recorder) return;
        const s = sentTimeOf(JSON.parse(String(data)), role);
        if (s) recorder.onReceived(s.kind, s.ts);
      });
      ws.on('close', (code, reason) => {
        if (!closing) closes.add(code, String(reason));
      });
      sockets.push(ws);
      opened.push(new Promise((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject))));
    }
    await Promise.all(opened);
    return sockets.length;
  },

  async load(plan: LoadPlan) {
    const rec = new Recorder(plan);
    recorder = rec;
    closes.reset();
    await runPlan(
      plan,
      sockets.map((ws, i) =>
        role === 'visitor'
          ? { sync: (ts: number, n: number) => send(ws, n % 2 ? frames.scroll(ts) : frames.pointer(ts)), chat: (ts: number) => send(ws, frames.chat(ts, `v${++chatSeq}`)) }
          : // A session id of the gateway's length, as the gateway's agents must name the session.
            { chat: (ts: number) => send(ws, frames.chat(ts, `a${++chatSeq}`, `bench-room-${String(i).padStart(11, '0')}`)) },
      ),
      rec,
    );
    recorder = null;
    return { ...rec.report(), sockets: sockets.length, open: sockets.filter((w) => w.readyState === WebSocket.OPEN).length, closes: closes.counts };
  },

  close() {
    closing = true;
    for (const ws of sockets) ws.close();
    sockets.length = 0;
  },
});
