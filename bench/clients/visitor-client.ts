// Visitors, as a separate process: each one clicks the hyperlink (GET /start → 303 /v/<sid>), opens
// the shell's WebSocket with the gateway's Origin, says hello and waits for an agent. Records click →
// agent joined (the `session` frame with state active) and which agent(s) it was given. In the chat
// scenario the same sockets then send sync frames and chat.
import http from 'node:http';
import WebSocket from 'ws';
import { emit, serve } from '../lib/rpc.ts';
import { encodeHist, newHist } from '../lib/hdr.ts';
import { httpRequest } from '../lib/http-request.ts';
import { localhostLookup } from '../lib/localhost-dns.ts';
import { CloseLog, Recorder, frames, runPlan, sentTimeOf, type LoadPlan } from './traffic.ts';

interface Visitor {
  i: number;
  sid: string | null;
  ws: WebSocket | null;
  startedAt: number;
  activeAt: number | null;
  agentIds: string[];
  error: string | null;
  lastSeq: number;
}

const visitors: Visitor[] = [];
let recorder: Recorder | null = null;
let closing = false;
let chatSeq = 0;
const closes = new CloseLog();
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function startOne(v: Visitor, url: string, entryUrl: string, onActive: (v: Visitor) => void, onFail: (v: Visitor) => void) {
  const q = new URLSearchParams({ site: 'bench', url: entryUrl });
  v.startedAt = performance.now();
  httpRequest(`${url}/start?${q}`, { agent })
    .then((r) => {
      const loc = String(r.headers.location ?? '');
      if (r.status !== 303 || !loc.startsWith('/v/')) throw new Error(`start: HTTP ${r.status}`);
      v.sid = loc.slice(3);
      openSocket(v, url, onActive, onFail);
    })
    .catch((err: Error) => {
      v.error = err.message;
      onFail(v);
    });
}

/**
 * Opens (or, after the gateway closed it, re-opens) the shell's socket. Like the shell, a re-open
 * resumes from the last event seq seen, and replayed events are not counted twice.
 */
function openSocket(v: Visitor, url: string, onActive: (v: Visitor) => void, onFail: (v: Visitor) => void) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/visitor?sid=${encodeURIComponent(v.sid!)}`, {
    headers: { origin: url },
    lookup: localhostLookup as never,
  });
  v.ws = ws;
  ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', ...(v.lastSeq ? { resume: { [v.sid!]: v.lastSeq } } : {}) })));
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.type === 'session' && m.session?.state === 'active' && m.session.agent) {
      if (!v.agentIds.includes(m.session.agent.id)) v.agentIds.push(m.session.agent.id);
      if (v.activeAt === null) {
        v.activeAt = performance.now();
        onActive(v);
      }
      return;
    }
    if (m.type === 'event') {
      if (m.event.seq <= v.lastSeq) return; // replayed after a resume: seen already
      v.lastSeq = m.event.seq;
    }
    if (recorder) {
      const s = sentTimeOf(m, 'visitor');
      if (s) recorder.onReceived(s.kind, s.ts);
      else if (m.type === 'error') recorder.onError(m.code);
    }
  });
  ws.on('unexpected-response', (_req, res) => {
    v.error = `ws upgrade: HTTP ${res.statusCode}`;
    onFail(v);
  });
  ws.on('error', (err) => {
    if (!v.error) v.error = `ws: ${err.message}`;
  });
  ws.on('close', (code, reason) => {
    if (closing || v.ws !== ws) return;
    closes.add(code, String(reason));
    if (v.activeAt === null && v.error) return onFail(v);
    setTimeout(() => openSocket(v, url, onActive, onFail), 100);
  });
}

serve({
  /** `count` visitors click at `rate` per second; resolves when all have an agent or `timeoutMs` passed. */
  async arrive(a: { url: string; count: number; rate: number; entryUrl: string; timeoutMs: number }) {
    const base = visitors.length;
    const hist = newHist();
    const t0 = performance.now();
    const buckets = Math.ceil(a.timeoutMs / 1000) + 1;
    const startedPerSec = new Array(buckets).fill(0);
    const activePerSec = new Array(buckets).fill(0);
    let started = 0;
    let active = 0;
    let failed = 0;
    let waiting = 0;
    let maxWaiting = 0;
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    const settle = () => {
      if (active + failed === a.count) finish();
    };
    const onActive = (v: Visitor) => {
      hist.recordValue(Math.max(1, Math.round((v.activeAt! - v.startedAt) * 1000)));
      activePerSec[Math.min(buckets - 1, Math.floor((v.activeAt! - t0) / 1000))]++;
      active++;
      waiting--;
      settle();
    };
    const onFail = (v: Visitor) => {
      if (v.activeAt !== null || (v as { failed?: boolean }).failed) return;
      (v as { failed?: boolean }).failed = true;
      failed++;
      waiting--;
      settle();
    };
    const timers: ReturnType<typeof setTimeout>[] = [];
    for (let k = 0; k < a.count; k++) {
      const v: Visitor = { i: base + k, sid: null, ws: null, startedAt: 0, activeAt: null, agentIds: [], error: null, lastSeq: 0 };
      visitors.push(v);
      timers.push(
        setTimeout(() => {
          started++;
          waiting++;
          maxWaiting = Math.max(maxWaiting, waiting);
          startedPerSec[Math.min(buckets - 1, Math.floor((performance.now() - t0) / 1000))]++;
          startOne(v, a.url, a.entryUrl, onActive, onFail);
        }, (k * 1000) / a.rate),
      );
    }
    const tick = setInterval(() => emit('progress', { started, active, failed, waiting }), 200);
    const timeout = new Promise<void>((r) => timers.push(setTimeout(r, a.timeoutMs)));
    await Promise.race([done, timeout]);
    clearInterval(tick);
    for (const t of timers) clearTimeout(t);
    emit('progress', { started, active, failed, waiting });
    const mine = visitors.slice(base);
    const seconds = Math.ceil((performance.now() - t0) / 1000);
    return {
      started,
      active,
      hist: encodeHist(hist),
      maxWaiting,
      startedPerSec: startedPerSec.slice(0, seconds),
      activePerSec: activePerSec.slice(0, seconds),
      visitors: mine.map((v) => ({ sid: v.sid, agentIds: v.agentIds, error: v.activeAt === null ? (v.error ?? 'no agent before timeout') : null })),
    };
  },

  /** Visitors whose sockets are open and who have an agent. */
  ready() {
    return visitors.filter((v) => v.activeAt !== null && v.ws?.readyState === WebSocket.OPEN).length;
  },

  async load(plan: LoadPlan) {
    const rec = new Recorder(plan);
    recorder = rec;
    closes.reset();
    const live = visitors.filter((v) => v.activeAt !== null && v.ws?.readyState === WebSocket.OPEN);
    const send = (v: Visitor, frame: string) => v.ws?.readyState === WebSocket.OPEN && (v.ws.send(frame), true);
    await runPlan(
      plan,
      live.map((v) => ({
        sync: (ts, n) => send(v, n % 2 ? frames.scroll(ts) : frames.pointer(ts)),
        // clientId must be new every time: the gateway stores a repeated clientId once (resends).
        chat: (ts) => send(v, frames.chat(ts, `v${++chatSeq}`)),
      })),
      rec,
    );
    recorder = null;
    return { ...rec.report(), sockets: live.length, open: visitors.filter((v) => v.ws?.readyState === WebSocket.OPEN).length, closes: closes.counts };
  },

  /** `end: true` ends each session first (a shared --target gateway keeps no bench sessions). */
  async close(a: { end?: boolean } = {}) {
    closing = true;
    for (const v of visitors) {
      const ws = v.ws;
      v.ws = null;
      if (!ws) continue;
      if (a.end && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'end' }));
      ws.close();
    }
    agent.destroy();
    visitors.length = 0;
  },
});
