// Agents, as a separate process (the harness runs several): each logs in like the console does
// (POST /api/login with the gateway's Origin → cb_agent cookie), opens /ws/agent, says hello and
// accepts every queue item it may accept, at once. Keeps what it was given, so the harness can check
// that no session went to two agents. In the chat scenario, chats back at `chatPerSec` per session.
// Like the console, it reconnects when the gateway closes its socket (e.g. backpressure) and resumes
// from the last sequence number it saw, so a close costs latency, not messages.
import WebSocket from 'ws';
import { serve } from '../lib/rpc.ts';
import { httpRequest } from '../lib/http-request.ts';
import { localhostLookup } from '../lib/localhost-dns.ts';
import { CloseLog, Recorder, frames, runPlan, sentTimeOf, type LoadPlan } from './traffic.ts';

interface Agent {
  email: string;
  id: string;
  url: string;
  cookie: string;
  autoAccept: boolean;
  ws: WebSocket | null;
  sessions: Set<string>;
  acceptSent: Set<string>;
  /** Highest event seq seen per session: the resume point, and the de-duplication of replays. */
  lastSeq: Map<string, number>;
}

const agents: Agent[] = [];
const refusals: Record<string, number> = {};
const closes = new CloseLog();
let acceptsSent = 0;
/** Frames (and bytes) the agents' sockets received: the fan-out a visitor costs, whatever the machine's load. */
let framesIn = 0;
let bytesIn = 0;
let recorder: Recorder | null = null;
let closing = false;
let chatSeq = 0;

function onFrame(a: Agent, ws: WebSocket, m: any): void {
  switch (m.type) {
    case 'welcome':
      a.id = m.agent.id;
      return;
    case 'queue.snapshot':
    case 'queue.delta': {
      if (!a.autoAccept) return;
      // A delta carries the window's new and changed items: those are the ones that may have become acceptable.
      const items = m.type === 'queue.snapshot' ? m.items : [...m.added.map((x: any) => x.item), ...m.updated];
      for (const it of items) {
        if (!it.canAccept || a.acceptSent.has(it.sessionId) || a.sessions.has(it.sessionId)) continue;
        a.acceptSent.add(it.sessionId);
        acceptsSent++;
        ws.send(JSON.stringify({ type: 'accept', sessionId: it.sessionId }));
      }
      return;
    }
    case 'session':
      if (m.session.state === 'active' && m.session.agent?.id === a.id) a.sessions.add(m.session.sessionId);
      return;
    case 'error':
      if (recorder) recorder.onError(m.code);
      else refusals[m.code] = (refusals[m.code] ?? 0) + 1;
      if (m.ref) a.acceptSent.delete(m.ref); // offered again later: may try again
      return;
    case 'event': {
      const sid = m.event.sessionId;
      if (m.event.seq <= (a.lastSeq.get(sid) ?? 0)) return; // replayed after a resume: seen already
      a.lastSeq.set(sid, m.event.seq);
      break;
    }
  }
  if (recorder) {
    const s = sentTimeOf(m, 'agent');
    if (s) recorder.onReceived(s.kind, s.ts);
  }
}

/** Opens (or re-opens) the agent's socket; resolves on `welcome`. */
function open(a: Agent): Promise<void> {
  const ws = new WebSocket(`${a.url.replace(/^http/, 'ws')}/ws/agent`, { headers: { origin: a.url, cookie: a.cookie }, lookup: localhostLookup as never });
  a.ws = ws;
  return new Promise<void>((resolve, reject) => {
    ws.once('unexpected-response', (_q, res) => reject(new Error(`agent ws ${a.email}: HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'hello', ...(a.lastSeq.size ? { resume: Object.fromEntries(a.lastSeq) } : {}) })));
    ws.on('message', (data) => {
      const text = String(data);
      framesIn++;
      bytesIn += text.length;
      const m = JSON.parse(text);
      onFrame(a, ws, m);
      if (m.type === 'welcome') resolve();
    });
    ws.on('close', (code, reason) => {
      if (closing || a.ws !== ws) return;
      closes.add(code, String(reason));
      setTimeout(() => void open(a).catch(() => {}), 100);
    });
  });
}

async function connectOne(url: string, email: string, password: string, autoAccept: boolean): Promise<Agent> {
  const login = await httpRequest(`${url}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`login ${email}: HTTP ${login.status} ${login.body.toString().slice(0, 200)}`);
  const cookie = String([login.headers['set-cookie']].flat()[0]).split(';')[0];
  const a: Agent = { email, id: '', url, cookie, autoAccept, ws: null, sessions: new Set(), acceptSent: new Set(), lastSeq: new Map() };
  await open(a);
  return a;
}

const isOpen = (a: Agent) => a.ws?.readyState === WebSocket.OPEN;

serve({
  async connect(a: { url: string; creds: { email: string; password: string }[]; autoAccept: boolean }) {
    const made = await Promise.all(a.creds.map((c) => connectOne(a.url, c.email, c.password, a.autoAccept)));
    agents.push(...made);
    return made.map((x) => ({ email: x.email, id: x.id }));
  },

  sessions() {
    return {
      byAgent: Object.fromEntries(agents.map((a) => [a.id, [...a.sessions]])),
      refusals,
      acceptsSent,
      framesIn,
      bytesIn,
      open: agents.filter(isOpen).length,
      closes: closes.counts,
    };
  },

  async load(plan: LoadPlan) {
    const rec = new Recorder(plan);
    recorder = rec;
    closes.reset();
    const senders = agents.flatMap((a) =>
      [...a.sessions].map((sid) => ({
        // clientId must be new every time: the gateway stores a repeated clientId once (resends).
        chat: (ts: number) => isOpen(a) && (a.ws!.send(frames.chat(ts, `a${++chatSeq}`, sid)), true),
      })),
    );
    await runPlan(plan, senders, rec);
    recorder = null;
    return { ...rec.report(), sockets: agents.length, open: agents.filter(isOpen).length, closes: closes.counts };
  },

  close() {
    closing = true;
    for (const a of agents) a.ws?.close();
    agents.length = 0;
  },
});
