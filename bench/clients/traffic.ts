// The co-browse traffic both sides generate in the chat-and-sync scenario, identical for the gateway
// and for the peers: sync frames (pointer and scroll, alternating) at `syncHz` visitor→agent, chat at
// `chatPerSec` from each party. Every frame carries its send time (epochMs) in a numeric field the
// protocol already has (pointer.fx, scroll.offset) or at the start of the chat text, so the receiver
// measures one-way latency without any extra field; clocks agree across local processes to ~10 µs
// (checked by the harness at fork).
import { encodeHist, epochMs, newHist, type Hist } from '../lib/hdr.ts';

export interface LoadPlan {
  /** Epoch ms when sending starts (the same instant in every client process). */
  t0: number;
  warmupMs: number;
  durationMs: number;
  syncHz: number;
  chatPerSec: number;
  /** Time after the window to let in-flight frames arrive. */
  drainMs: number;
}

export type Kind = 'sync' | 'chat';
export type Role = 'visitor' | 'agent';

const CHAT_TEXT = ' Hi, could you show me where to change the delivery address for my order?';

export const frames = {
  pointer: (ts: number, sessionId?: string) =>
    JSON.stringify({ type: 'pointer', ...(sessionId ? { sessionId } : {}), path: 'main>section:nth-of-type(2)>ul>li:nth-of-type(3)>a', fx: ts, fy: 0.42 }),
  scroll: (ts: number, sessionId?: string) =>
    JSON.stringify({ type: 'scroll', ...(sessionId ? { sessionId } : {}), scroll: { target: '', anchor: 'main>section:nth-of-type(2)>p:nth-of-type(4)', offset: ts, ratio: 0.25 } }),
  chat: (ts: number, clientId: string, sessionId?: string) =>
    JSON.stringify({ type: 'chat', ...(sessionId ? { sessionId } : {}), clientId, text: `t=${ts}${CHAT_TEXT}` }),
};

/**
 * The send time a received frame carries, if it is traffic from the other party. Gateway frames:
 * relayed pointer/scroll, chat as `event` (the sender's own copy is skipped). Peer relays forward
 * the client frames untouched, so chat arrives as `chat`.
 */
export function sentTimeOf(msg: any, me: Role): { kind: Kind; ts: number } | null {
  switch (msg?.type) {
    case 'pointer':
      return { kind: 'sync', ts: msg.fx };
    case 'scroll':
      return { kind: 'sync', ts: msg.scroll?.offset };
    case 'event':
      if (msg.event?.kind !== 'chat' || msg.event.from === me) return null;
      return { kind: 'chat', ts: parseFloat(String(msg.event.text).slice(2)) };
    case 'chat':
      return { kind: 'chat', ts: parseFloat(String(msg.text).slice(2)) };
    default:
      return null;
  }
}

/** Counts and latencies of frames whose send time falls inside the measured window. */
export class Recorder {
  hist: Record<Kind, Hist> = { sync: newHist(), chat: newHist() };
  received: Record<Kind, number> = { sync: 0, chat: 0 };
  sent: Record<Kind, number> = { sync: 0, chat: 0 };
  /** `error` frames received during the run, by code (e.g. the gateway's rate limiter). */
  errors: Record<string, number> = {};
  /** Deliveries per second of the window (by arrival time). */
  timeline: number[] = [];
  readonly from: number;
  readonly to: number;

  constructor(plan: LoadPlan) {
    this.from = plan.t0 + plan.warmupMs;
    this.to = this.from + plan.durationMs;
    this.timeline = new Array(Math.ceil(plan.durationMs / 1000)).fill(0);
  }

  inWindow(ts: number): boolean {
    return ts >= this.from && ts < this.to;
  }

  onSent(kind: Kind, ts: number): void {
    if (this.inWindow(ts)) this.sent[kind]++;
  }

  onError(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  onReceived(kind: Kind, ts: number): void {
    if (!this.inWindow(ts)) return;
    const now = epochMs();
    this.hist[kind].recordValue(Math.max(1, Math.round((now - ts) * 1000)));
    this.received[kind]++;
    const sec = Math.floor((now - this.from) / 1000);
    if (sec >= 0 && sec < this.timeline.length) this.timeline[sec]++;
  }

  report() {
    return {
      sent: this.sent,
      received: this.received,
      errors: this.errors,
      hist: { sync: encodeHist(this.hist.sync), chat: encodeHist(this.hist.chat) },
      timeline: this.timeline,
    };
  }
}
export type RecorderReport = ReturnType<Recorder['report']>;

/** A sender returns false when its socket is not open (reconnecting): that frame was not sent. */
export interface Sender {
  /** Sends one sync frame stamped `ts` (visitors only). */
  sync?: (ts: number, n: number) => boolean;
  chat?: (ts: number, n: number) => boolean;
}

/** Sockets the server closed on us (by close code and reason): each one is a reconnect. */
export class CloseLog {
  counts: Record<string, number> = {};
  add(code: number, reason: string): void {
    const k = `${code}${reason ? ` ${reason}` : ''}`;
    this.counts[k] = (this.counts[k] ?? 0) + 1;
  }
  reset(): void {
    this.counts = {};
  }
}

/**
 * Runs the plan: each sender gets its own interval with a random phase, so sends spread evenly over
 * the period instead of arriving as one burst per tick. Resolves after the window plus drain.
 */
export async function runPlan(plan: LoadPlan, senders: Sender[], rec: Recorder): Promise<void> {
  const end = plan.t0 + plan.warmupMs + plan.durationMs;
  await new Promise((r) => setTimeout(r, Math.max(0, plan.t0 - epochMs())));
  const timers: ReturnType<typeof setTimeout>[] = [];
  const every = (periodMs: number, fn: (n: number) => void) => {
    let n = 0;
    const phase = Math.random() * periodMs;
    timers.push(
      setTimeout(() => {
        fn(n++);
        timers.push(setInterval(() => fn(n++), periodMs));
      }, phase),
    );
  };
  let syncToggle = 0;
  for (const s of senders) {
    if (s.sync && plan.syncHz > 0) {
      every(1000 / plan.syncHz, (n) => {
        const ts = epochMs();
        if (ts >= end) return;
        if (s.sync!(ts, n + syncToggle)) rec.onSent('sync', ts);
      });
      syncToggle ^= 1;
    }
    if (s.chat && plan.chatPerSec > 0) {
      every(1000 / plan.chatPerSec, (n) => {
        const ts = epochMs();
        if (ts >= end) return;
        if (s.chat!(ts, n)) rec.onSent('chat', ts);
      });
    }
  }
  await new Promise((r) => setTimeout(r, end - epochMs()));
  for (const t of timers) clearTimeout(t);
  await new Promise((r) => setTimeout(r, plan.drainMs));
}
