// Small HTTP client over node:http with the *.localhost lookup: the harness and clients talk to the
// gateway with exactly the Host and Origin a browser would send.
import http from 'node:http';
import { localhostLookup } from './localhost-dns.ts';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export function httpRequest(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; agent?: http.Agent; timeoutMs?: number } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, agent: init.agent, lookup: localhostLookup as never },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(init.timeoutMs ?? 30_000, () => req.destroy(new Error(`timed out: ${init.method ?? 'GET'} ${url}`)));
    req.end(init.body);
  });
}

/** Parses a Prometheus text exposition into name{labels} → value (first sample wins per key). */
export function parsePrometheus(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    if (i < 0) continue;
    const key = line.slice(0, i);
    if (!out.has(key)) out.set(key, Number(line.slice(i + 1)));
  }
  return out;
}
