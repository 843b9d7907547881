// A real WebSocket client (ws) for integration tests: connects as a visitor or an agent the way a
// browser would (Origin header, cookie), records every frame, and waits for frames by predicate.
import WebSocket from 'ws';
import type { ClientFrame, ServerFrame } from '../../protocol/index.ts';
import { QueueWindowCopy } from '../../protocol/queue-delta.ts';
import { localhostLookup } from './localhost-dns.ts';

export class Peer {
  frames: ServerFrame[] = [];
  ws: WebSocket;
  #waiters: { pred: (f: ServerFrame) => boolean; resolve: (f: ServerFrame) => void }[] = [];
  closed: Promise<{ code: number; reason: string }>;
  /** This agent's queue window as the frames so far make it. */
  readonly queue = new QueueWindowCopy();

  constructor(url: string, opts: { origin: string; cookie?: string }) {
    this.ws = new WebSocket(url, { lookup: localhostLookup as never, headers: { origin: opts.origin, ...(opts.cookie ? { cookie: opts.cookie } : {}) } });
    this.ws.on('message', (data) => {
      const f = JSON.parse(String(data)) as ServerFrame;
      this.#record(f);
      // The gateway sends an agent's queue whole once, then deltas: after each delta the peer also
      // records the window it now holds as a `queue.snapshot` (marked derived), so tests wait on
      // "the queue as the agent sees it" whichever frame brought the change.
      if (f.type === 'queue.snapshot' || f.type === 'queue.delta') {
        const items = this.queue.apply(f);
        if (f.type === 'queue.delta') this.#record({ type: 'queue.snapshot', items, total: this.queue.total, derived: true } as ServerFrame);
      }
    });
    this.closed = new Promise((resolve) => this.ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  }

  #record(f: ServerFrame) {
    this.frames.push(f);
    this.#waiters = this.#waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
  }

  opened(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
      this.ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    });
  }

  send(f: ClientFrame | string) {
    this.ws.send(typeof f === 'string' ? f : JSON.stringify(f));
  }

  waitFor<T extends ServerFrame['type']>(type: T, pred: (f: Extract<ServerFrame, { type: T }>) => boolean = () => true, timeoutMs = 5000): Promise<Extract<ServerFrame, { type: T }>> {
    const match = (f: ServerFrame) => f.type === type && pred(f as Extract<ServerFrame, { type: T }>);
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen as Extract<ServerFrame, { type: T }>);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`timed out waiting for ${type}; got: ${this.frames.map((f) => f.type).join(',')}`)), timeoutMs);
      this.#waiters.push({
        pred: match,
        resolve: (f) => {
          clearTimeout(t);
          resolve(f as Extract<ServerFrame, { type: T }>);
        },
      });
    });
  }

  close() {
    this.ws.close();
  }
}

/** Starts a visitor session over HTTP like the hyperlink does; returns its id. */
export async function startVisitor(gatewayUrl: string, entryUrl: string, extra: Record<string, string> = {}): Promise<string> {
  const q = new URLSearchParams({ site: 'demo', url: entryUrl, ...extra });
  const res = await fetch(`${gatewayUrl}/start?${q}`, { redirect: 'manual' });
  if (res.status !== 303) throw new Error(`start failed: ${res.status}`);
  return res.headers.get('location')!.split('/').pop()!;
}

export async function loginCookie(gatewayUrl: string, email: string, password: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: gatewayUrl },
    body: JSON.stringify({ email, password }),
  });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return res.headers.get('set-cookie')!.split(';')[0];
}

export const wsUrl = (gatewayUrl: string, path: string) => gatewayUrl.replace(/^http/, 'ws') + path;
