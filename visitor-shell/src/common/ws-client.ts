// Browser WebSocket client shared by the visitor shell and the agent console.
// Why it exists: users of live-chat products complain about widgets that stop receiving after a
// network blip and about lost or duplicated messages after a reconnect. This client reconnects with
// backoff, never sends before the socket is open (frames wait in a queue), resends unacknowledged
// chat messages (the gateway stores a clientId once), resumes every session from its last sequence
// number, and drops events it has already seen.
import { parseServerFrame, type ClientFrame, type ServerFrame } from '../../../protocol/index.ts';

export type WsState = 'connecting' | 'open' | 'closed';

export interface WsClientOptions {
  url: string;
  onFrame: (frame: ServerFrame) => void;
  onState?: (state: WsState) => void;
  /** Called when the gateway closes for good (auth refused, session over): no more reconnects. */
  onFatal?: (code: number, reason: string) => void;
}

// Close codes after which reconnecting cannot help.
const FATAL_CLOSE = new Set([1008, 4401, 4403, 4404, 4410]);

export class WsClient {
  #opts: WsClientOptions;
  #ws: WebSocket | null = null;
  #queue: string[] = [];
  #pendingChats = new Map<string, string>();
  #lastSeq = new Map<string, number>();
  #attempt = 0;
  #stopped = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #ping: ReturnType<typeof setInterval> | null = null;
  state: WsState = 'closed';

  constructor(opts: WsClientOptions) {
    this.#opts = opts;
    this.#connect();
  }

  /** Highest sequence number seen for a session (0 if none). */
  lastSeq(sessionId: string): number {
    return this.#lastSeq.get(sessionId) ?? 0;
  }

  send(frame: ClientFrame): void {
    const text = JSON.stringify(frame);
    if (frame.type === 'chat') this.#pendingChats.set(frame.clientId, text);
    if (this.#ws && this.state === 'open') this.#ws.send(text);
    else if (frame.type !== 'chat') this.#queue.push(text); // chats are resent from #pendingChats
  }

  close(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    if (this.#ping) clearInterval(this.#ping);
    this.#ws?.close(1000, 'bye');
    this.#setState('closed');
  }

  #setState(s: WsState) {
    this.state = s;
    this.#opts.onState?.(s);
  }

  #connect() {
    if (this.#stopped) return;
    this.#setState('connecting');
    const ws = new WebSocket(this.#opts.url);
    this.#ws = ws;
    ws.onopen = () => {
      this.#attempt = 0;
      this.#setState('open');
      ws.send(JSON.stringify({ type: 'hello', resume: Object.fromEntries(this.#lastSeq) } satisfies ClientFrame));
      for (const text of this.#pendingChats.values()) ws.send(text);
      for (const text of this.#queue.splice(0)) ws.send(text);
      this.#ping = setInterval(() => ws.send('{"type":"ping"}'), 20_000);
    };
    ws.onmessage = (ev) => {
      const parsed = parseServerFrame(typeof ev.data === 'string' ? ev.data : '');
      if (!parsed.ok) {
        console.warn('[cobrowse] ignoring bad frame from gateway:', parsed.message);
        return;
      }
      const f = parsed.value;
      if (f.type === 'event') {
        const last = this.#lastSeq.get(f.event.sessionId) ?? 0;
        if (f.event.seq <= last) return; // replayed twice: already shown
        this.#lastSeq.set(f.event.sessionId, f.event.seq);
        if (f.event.clientId) this.#pendingChats.delete(f.event.clientId);
      } else if (f.type === 'ack') {
        this.#pendingChats.delete(f.clientId);
      }
      this.#opts.onFrame(f);
    };
    ws.onclose = (ev) => {
      if (this.#ping) clearInterval(this.#ping);
      this.#ping = null;
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#setState('closed');
      if (FATAL_CLOSE.has(ev.code)) {
        this.#stopped = true;
        this.#opts.onFatal?.(ev.code, ev.reason);
        return;
      }
      const delay = Math.min(5000, 250 * 2 ** this.#attempt++) * (0.75 + Math.random() * 0.5);
      this.#timer = setTimeout(() => this.#connect(), delay);
    };
    ws.onerror = () => {
      /* onclose follows and schedules the reconnect */
    };
  }
}

/** Unique id for a chat message, so a resend after reconnect is stored once. */
export function newClientId(): string {
  const b = new Uint8Array(12);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
