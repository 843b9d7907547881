// Requests a proxy URL (http://<token>.localhost:<port>/…) over loopback with the right Host header,
// as Chromium does after resolving *.localhost to 127.0.0.1.
import http from 'node:http';

export interface ProxyResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  raw: Buffer;
}

/** `address`: where to connect (default 127.0.0.1), e.g. an instance listening on 127.0.0.2. */
export function proxyFetch(proxyUrl: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer; address?: string } = {}): Promise<ProxyResponse> {
  const u = new URL(proxyUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: init.address ?? '127.0.0.1', port: Number(u.port), path: u.pathname + u.search, method: init.method ?? 'GET', headers: { host: u.host, ...init.headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: raw.toString('utf8'), raw });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(20_000, () => req.destroy(new Error('proxyFetch timed out')));
    req.end(init.body);
  });
}
