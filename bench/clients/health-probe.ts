// Health probes, as a separate process (an orchestrator's view): GETs each URL every `everyMs`, each
// on a fresh connection, and records when it was sent, when it was answered, the status and the
// body. Its own event loop, so a busy or blocked gateway cannot delay the probing, only the answers.
import http from 'node:http';
import { serve } from '../lib/rpc.ts';
import { epochMs } from '../lib/hdr.ts';

export interface ProbeResult {
  url: string;
  sentAt: number;
  answeredAt: number | null;
  status: number | null;
  body: unknown;
  error?: string;
}

let timer: ReturnType<typeof setInterval> | null = null;
const results: ProbeResult[] = [];
const pending = new Set<Promise<void>>();

function probe(url: string, timeoutMs: number): Promise<void> {
  const r: ProbeResult = { url, sentAt: epochMs(), answeredAt: null, status: null, body: null };
  results.push(r);
  return new Promise<void>((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => {
        r.answeredAt = epochMs();
        r.status = res.statusCode ?? null;
        try {
          r.body = JSON.parse(text);
        } catch {
          r.body = text;
        }
        resolve();
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err) => {
      r.error = err.message;
      resolve();
    });
  });
}

serve({
  start(a: { urls: string[]; everyMs: number; timeoutMs?: number }) {
    results.length = 0;
    timer = setInterval(() => {
      for (const u of a.urls) {
        const p = probe(u, a.timeoutMs ?? 10_000);
        pending.add(p);
        void p.then(() => pending.delete(p));
      }
    }, a.everyMs);
  },
  /** Stops probing, waits for the answers still due, returns every probe. */
  async stop() {
    if (timer) clearInterval(timer);
    timer = null;
    await Promise.all(pending);
    return results;
  },
  now: () => epochMs(),
});
