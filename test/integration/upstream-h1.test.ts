// The lean plain-http upstream client (gateway/proxy/upstream-h1.ts) against raw TCP origins that
// write exact bytes: framing (Content-Length, chunked with extensions and trailers, bodies split
// anywhere across TCP writes, bare-LF heads, body-less statuses), keep-alive reuse and the one retry
// of a request sent on a connection the origin had closed, response-smuggling defences (both
// framings, differing lengths, bytes past the end of a response), header validation both ways,
// truncation, timeouts, backpressure with a slow consumer, 1xx heads and the SSRF-guarded lookup.
// A few checks go end to end through a gateway, where what matters is what the browser gets.
import net from 'node:net';
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { errors as undiciErrors } from 'undici';
import { H1Agent, type H1Options } from '../../gateway/proxy/upstream-h1.ts';
import type { BodySink, UpstreamExchange, UpstreamResponse } from '../../gateway/proxy/upstream-fetch.ts';
import { startTestGateway, freePort, type TestGateway } from '../helpers/gateway.ts';
import { Peer, startVisitor, wsUrl } from '../helpers/ws-peer.ts';
import { proxyFetch } from '../helpers/proxy-fetch.ts';

// ---- raw origins

interface RawReq {
  method: string;
  path: string;
  headers: Record<string, string>;
  raw: string;
  /** 1-based number of the connection it came on. */
  conn: number;
  /** 0-based index of the request on its connection. */
  n: number;
}

type Handler = (sock: net.Socket, req: RawReq) => void;

interface Origin {
  url: string;
  port: number;
  connections: number;
  requests: RawReq[];
  close(): Promise<void>;
}

const origins: Origin[] = [];
const agents: H1Agent[] = [];

async function rawOrigin(handler: Handler): Promise<Origin> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((sock) => {
    const conn = ++o.connections;
    sockets.add(sock);
    sock.setNoDelay(true);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => {});
    let buf = '';
    let n = 0;
    sock.setEncoding('latin1');
    sock.on('data', (d: string) => {
      buf += d;
      for (let k = buf.indexOf('\r\n\r\n'); k >= 0; k = buf.indexOf('\r\n\r\n')) {
        const raw = buf.slice(0, k);
        buf = buf.slice(k + 4);
        const [line, ...rest] = raw.split('\r\n');
        const [method, path] = line.split(' ');
        const headers: Record<string, string> = {};
        for (const l of rest) {
          const c = l.indexOf(':');
          headers[l.slice(0, c).toLowerCase()] = l.slice(c + 1).trim();
        }
        const req: RawReq = { method, path, headers, raw, conn, n: n++ };
        o.requests.push(req);
        handler(sock, req);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const o: Origin = {
    url: `http://127.0.0.1:${port}`,
    port,
    connections: 0,
    requests: [],
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  origins.push(o);
  return o;
}

/** A complete response with a Content-Length. */
function resp(body: string | Buffer, extra = '', status = '200 OK'): Buffer {
  const b = Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1');
  return Buffer.concat([Buffer.from(`HTTP/1.1 ${status}\r\nContent-Length: ${b.length}\r\n${extra}\r\n`, 'latin1'), b]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `data` in pieces of `size` bytes, each in its own TCP segment (a pause between writes). */
async function dribble(sock: net.Socket, data: string | Buffer, size = 1, gapMs = 2): Promise<void> {
  const b = Buffer.isBuffer(data) ? data : Buffer.from(data, 'latin1');
  for (let i = 0; i < b.length; i += size) {
    if (sock.destroyed) return;
    sock.write(b.subarray(i, i + size));
    await sleep(gapMs);
  }
}

// ---- the client

function agent(o: Partial<H1Options> = {}): H1Agent {
  const a = new H1Agent({ connections: 64, keepAliveTimeout: 10_000, headersTimeout: 5000, bodyTimeout: 5000, connectTimeout: 5000, guarded: false, ...o });
  agents.push(a);
  return a;
}

function get(a: H1Agent, o: Origin | string, path = '/', method: 'GET' | 'HEAD' = 'GET', headers: Record<string, string> = {}): UpstreamExchange {
  const base = typeof o === 'string' ? o : o.url;
  return a.fetch(new URL(path, base), method, path, headers);
}

interface Got {
  status: number;
  headers: UpstreamResponse['headers'];
  body: Buffer;
}

/** The whole response; rejects when the head or the body fails. Chunks are copied (they are transient views). */
async function read(ex: UpstreamExchange): Promise<Got> {
  const r = await ex.response;
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    r.body.pipe({ data: (c) => (chunks.push(Buffer.from(c)), true), end: () => resolve(Buffer.concat(chunks)), error: reject });
  });
  return { status: r.status, headers: r.headers, body };
}

const text = async (ex: UpstreamExchange) => (await read(ex)).body.toString('latin1');

afterEach(async () => {
  for (const a of agents.splice(0)) a.close();
  await Promise.all(origins.splice(0).map((o) => o.close()));
});

// ---- framing

describe('upstream-h1: framing', () => {
  it('reads a Content-Length body and passes the request line and headers through', async () => {
    const o = await rawOrigin((s, req) => s.write(resp(`you asked ${req.path}`, 'Content-Type: text/plain\r\nX-Two: a\r\nX-Two: b\r\n')));
    const r = await read(get(agent(), o, '/a/b?c=d', 'GET', { accept: 'image/*', 'user-agent': 'ua' }));
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe('you asked /a/b?c=d');
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.headers['x-two']).toEqual(['a', 'b']);
    const q = o.requests[0];
    expect(q.raw.split('\r\n')[0]).toBe('GET /a/b?c=d HTTP/1.1');
    expect(q.headers.host).toBe(`127.0.0.1:${o.port}`);
    expect(q.headers.accept).toBe('image/*');
    expect(q.headers['user-agent']).toBe('ua');
  });

  it('reads a chunked body with chunk extensions and trailers', async () => {
    const o = await rawOrigin((s) =>
      s.write(
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n' +
          '5;name=value\r\nhello\r\n' +
          '1;a="quoted;semi"\r\n,\r\n' +
          'B\r\n 0123456789\r\n' + // hex in upper case
          '0;last\r\nX-Sum: 42\r\nX-Other: y\r\n\r\n',
      ),
    );
    const a = agent();
    const r = await read(get(a, o));
    expect(r.body.toString()).toBe('hello, 0123456789');
    // The connection is reused: the trailers were consumed exactly.
    expect((await read(get(a, o))).body.toString()).toBe('hello, 0123456789');
    expect(o.connections).toBe(1);
  });

  it('reads a chunked body whose head, sizes, data and CRLFs are split across TCP writes', async () => {
    const payload =
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n' +
      '3\r\nabc\r\n' +
      '10;ext=1\r\n0123456789abcdef\r\n' +
      '2\r\nxy\r\n' +
      '0\r\nTrailer-A: 1\r\n\r\n';
    const o = await rawOrigin((s) => void dribble(s, payload, 1));
    const a = agent();
    expect(await text(get(a, o))).toBe('abc0123456789abcdefxy');
    expect(await text(get(a, o))).toBe('abc0123456789abcdefxy');
    expect(o.connections).toBe(1);
  });

  it('reads a head split across reads, then a Content-Length body in odd pieces', async () => {
    const body = Buffer.from('x'.repeat(1000) + 'END');
    const o = await rawOrigin((s) => void dribble(s, resp(body, 'X-Long: ' + 'h'.repeat(300) + '\r\n'), 7));
    const r = await read(get(agent(), o));
    expect(r.headers['x-long']).toBe('h'.repeat(300));
    expect(r.body.equals(body)).toBe(true);
  });

  it('accepts bare-LF line ends in heads and chunked framing', async () => {
    let i = 0;
    const o = await rawOrigin((s) => {
      if (i++ === 0) s.write('HTTP/1.1 200 OK\nContent-Length: 5\nX-A: b\n\nhello');
      else s.write('HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\nworld\n0\n\n');
    });
    const a = agent();
    const r = await read(get(a, o));
    expect(r.body.toString()).toBe('hello');
    expect(r.headers['x-a']).toBe('b');
    expect(await text(get(a, o))).toBe('world');
    expect(o.connections).toBe(1);
  });

  it.each([
    ['204 No Content', 'GET'],
    ['304 Not Modified', 'GET'],
    ['200 OK', 'HEAD'],
  ] as const)('reads no body for %s to %s despite a Content-Length, and the connection stays in step', async (status, method) => {
    const o = await rawOrigin((s, req) => {
      if (req.n === 0) s.write(`HTTP/1.1 ${status}\r\nContent-Length: 1000\r\nETag: "e"\r\n\r\n`);
      else s.write(resp('next'));
    });
    const a = agent();
    const r = await read(get(a, o, '/', method));
    expect(r.status).toBe(Number(status.slice(0, 3)));
    expect(r.headers['content-length']).toBe('1000');
    expect(r.body.length).toBe(0);
    expect(await text(get(a, o))).toBe('next');
    expect(o.connections).toBe(1);
  });

  it('reads a 206 partial response to a Range request', async () => {
    const full = 'abcdefghijklmnopqrstuvwxyz';
    const o = await rawOrigin((s, req) => {
      const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
      if (!m) return s.write(resp(full));
      const [from, to] = [Number(m[1]), Number(m[2])];
      s.write(resp(full.slice(from, to + 1), `Content-Range: bytes ${from}-${to}/${full.length}\r\nAccept-Ranges: bytes\r\n`, '206 Partial Content'));
    });
    const a = agent();
    const r = await read(get(a, o, '/f', 'GET', { range: 'bytes=2-5' }));
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe('bytes 2-5/26');
    expect(r.body.toString()).toBe('cdef');
    expect(await text(get(a, o, '/f'))).toBe(full);
    expect(o.connections).toBe(1);
  });

  it('reads an empty body with Content-Length: 0 and reuses the connection', async () => {
    const o = await rawOrigin((s, req) => s.write(req.n < 2 ? resp('') : resp('third')));
    const a = agent();
    for (let k = 0; k < 2; k++) {
      const r = await read(get(a, o));
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(0);
    }
    expect(await text(get(a, o))).toBe('third');
    expect(o.connections).toBe(1);
  });

  it('accepts the same Content-Length given twice', async () => {
    const o = await rawOrigin((s) => s.write('HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc'));
    expect(await text(get(agent(), o))).toBe('abc');
  });

  it('reads a body without framing until the origin closes, and does not reuse that connection', async () => {
    const o = await rawOrigin((s, req) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close ${req.conn}`);
      setTimeout(() => s.end(), 20);
    });
    const a = agent();
    expect(await text(get(a, o))).toBe('until close 1');
    expect(await text(get(a, o))).toBe('until close 2');
    expect(o.connections).toBe(2);
  });

  it('closes a connection the origin asks to close (Connection: close, HTTP/1.0)', async () => {
    const o = await rawOrigin((s, req) => {
      if (req.conn === 1) s.write(resp('one', 'Connection: close\r\n'));
      else if (req.conn === 2) s.write(resp('two').toString('latin1').replace('HTTP/1.1', 'HTTP/1.0'));
      else s.write(resp('three'));
    });
    const a = agent();
    expect(await text(get(a, o))).toBe('one');
    expect(await text(get(a, o))).toBe('two');
    expect(await text(get(a, o))).toBe('three');
    expect(o.connections).toBe(3);
  });

  it('skips 100 Continue and 103 Early Hints heads before the final response', async () => {
    const o = await rawOrigin((s, req) => {
      const early = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n';
      const final = resp('final', 'X-Final: 1\r\n');
      if (req.n === 0) s.write(Buffer.concat([Buffer.from(early), final]));
      else void dribble(s, Buffer.concat([Buffer.from(early), final]), 5);
    });
    const a = agent();
    for (let k = 0; k < 2; k++) {
      const r = await read(get(a, o));
      expect(r.status).toBe(200);
      expect(r.headers['x-final']).toBe('1');
      expect(r.headers.link).toBeUndefined();
      expect(r.body.toString()).toBe('final');
    }
    expect(o.connections).toBe(1);
  });

  it('parses random framings cut at random points, response after response on one connection', async () => {
    let seed = 12345;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const cases: { wire: Buffer; body: Buffer }[] = [];
    for (let k = 0; k < 60; k++) {
      const eol = rnd(4) === 0 ? '\n' : '\r\n';
      const body = Buffer.alloc(rnd(3) === 0 ? 0 : rnd(20_000));
      for (let i = 0; i < body.length; i++) body[i] = rnd(256);
      let head = `HTTP/1.1 ${rnd(2) ? '200 OK' : '203 Non-Authoritative'}${eol}X-Case: ${k}${eol}`;
      if (rnd(4) === 0) head = `HTTP/1.1 103 Early Hints${eol}Link: </x>${eol}${eol}` + head;
      let framed: Buffer;
      if (rnd(2)) framed = Buffer.concat([Buffer.from(`${head}Content-Length: ${body.length}${eol}${eol}`, 'latin1'), body]);
      else {
        const parts = [Buffer.from(`${head}Transfer-Encoding: chunked${eol}${eol}`, 'latin1')];
        for (let i = 0; i < body.length; ) {
          const n = Math.min(body.length - i, 1 + rnd(5000));
          const ext = rnd(3) === 0 ? `;e${rnd(9)}=${rnd(2) ? 'v' : '"q;x"'}` : '';
          parts.push(Buffer.from(`${rnd(2) ? n.toString(16) : n.toString(16).toUpperCase()}${ext}${eol}`, 'latin1'), body.subarray(i, i + n), Buffer.from(eol));
          i += n;
        }
        parts.push(Buffer.from(`0${eol}${rnd(2) ? `X-Trailer: t${eol}` : ''}${eol}`, 'latin1'));
        framed = Buffer.concat(parts);
      }
      cases.push({ wire: framed, body });
    }
    const o = await rawOrigin(async (s, req) => {
      const wire = cases[Number(req.path.slice(1))].wire;
      for (let i = 0; i < wire.length; ) {
        const n = 1 + rnd(rnd(4) === 0 ? 8 : 6000);
        s.write(wire.subarray(i, i + n));
        i += n;
        await new Promise((r) => setImmediate(r));
      }
    });
    const a = agent();
    for (let k = 0; k < cases.length; k++) {
      const r = await read(get(a, o, `/${k}`));
      expect(r.headers['x-case'], `case ${k}`).toBe(String(k));
      expect(r.body.equals(cases[k].body), `case ${k}`).toBe(true);
    }
    expect(o.connections).toBe(1);
  });

  it('refuses a 101 upgrade to a GET', async () => {
    const o = await rawOrigin((s) => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n'));
    await expect(read(get(agent(), o))).rejects.toThrow(/upgrade/);
  });

  it('keeps the bodies of concurrent connections apart (one shared read buffer), with slow consumers too', async () => {
    const bodies = Array.from({ length: 8 }, (_, k) => Buffer.alloc(1024 * 1024 + k * 4099, k + 1).fill(String(k), 7000 * k, 7000 * k + 5000));
    const o = await rawOrigin((s, req) => {
      const k = Number(req.path.slice(1));
      if (k % 2) s.write(resp(bodies[k]));
      else {
        const head = `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n`;
        const parts: Buffer[] = [Buffer.from(head)];
        for (let i = 0; i < bodies[k].length; i += 100_000) {
          const c = bodies[k].subarray(i, i + 100_000);
          parts.push(Buffer.from(c.length.toString(16) + '\r\n'), c, Buffer.from('\r\n'));
        }
        parts.push(Buffer.from('0\r\n\r\n'));
        s.write(Buffer.concat(parts));
      }
    });
    const a = agent();
    const slow = async (ex: UpstreamExchange) => {
      const r = await ex.response;
      return new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let calls = 0;
        const sink: BodySink = {
          data: (c) => {
            chunks.push(Buffer.from(c));
            if (++calls % 3) return true;
            setTimeout(() => r.body.resume(), 1);
            return false;
          },
          end: () => resolve(Buffer.concat(chunks)),
          error: reject,
        };
        r.body.pipe(sink);
      });
    };
    const got = await Promise.all(bodies.map((_, k) => (k < 4 ? read(get(a, o, `/${k}`)).then((r) => r.body) : slow(get(a, o, `/${k}`)))));
    for (let k = 0; k < bodies.length; k++) expect(got[k].equals(bodies[k]), `body ${k}`).toBe(true);
  });
});

// ---- connections

describe('upstream-h1: keep-alive and retry', () => {
  it('reuses one connection for sequential requests and opens more only for concurrent ones', async () => {
    const o = await rawOrigin((s, req) => s.write(resp(`${req.conn}/${req.n}`)));
    const a = agent();
    for (let k = 0; k < 5; k++) expect(await text(get(a, o))).toBe(`1/${k}`);
    expect(o.connections).toBe(1);
    await Promise.all([text(get(a, o)), text(get(a, o)), text(get(a, o))]);
    expect(o.connections).toBe(3);
    const seen = o.requests.length;
    await text(get(a, o));
    expect(o.connections).toBe(3);
    expect(o.requests.length).toBe(seen + 1);
  });

  it('queues requests beyond the pool size and serves them on released connections', async () => {
    const o = await rawOrigin((s, req) => setTimeout(() => s.write(resp(req.path)), 5));
    const a = agent({ connections: 2 });
    const got = await Promise.all(Array.from({ length: 10 }, (_, k) => text(get(a, o, `/${k}`))));
    expect(got).toEqual(Array.from({ length: 10 }, (_, k) => `/${k}`));
    expect(o.connections).toBe(2);
  });

  it("drops an idle connection past the origin's Keep-Alive timeout instead of reusing it", async () => {
    const o = await rawOrigin((s, req) => s.write(resp(`ok ${req.conn}`, 'Keep-Alive: timeout=2\r\n')));
    const a = agent();
    expect(await text(get(a, o))).toBe('ok 1');
    expect(await text(get(a, o))).toBe('ok 1');
    await sleep(1100); // timeout=2 s, kept one second less
    expect(await text(get(a, o))).toBe('ok 2');
    expect(o.requests.length).toBe(3);
  });

  it('reads chunked framing after other transfer codings, and reads until close when chunked is not last', async () => {
    const o = await rawOrigin((s, req) => {
      if (req.path === '/a') s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
      else s.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n');
    });
    const a = agent();
    expect(await text(get(a, o, '/a'))).toBe('abc');
    expect(await text(get(a, o, '/b'))).toBe('3\r\nabc\r\n0\r\n\r\n');
  });

  it('retries once on a new connection when the origin closed a reused one before answering', async () => {
    const o = await rawOrigin((s, req) => {
      if (req.conn === 1 && req.n === 1) return void s.destroy(); // the keep-alive race: closed as the request arrived
      s.write(resp(`ok ${req.conn}`));
    });
    const a = agent();
    expect(await text(get(a, o))).toBe('ok 1');
    expect(await text(get(a, o))).toBe('ok 2');
    expect(o.connections).toBe(2);
    expect(o.requests.map((r) => r.path)).toEqual(['/', '/', '/']);
  });

  it('does not reuse a connection the origin closed while it was idle', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const o = await rawOrigin((s, req) => {
      s.write(resp(`ok ${req.conn}`));
      if (req.conn === 1) {
        s.on('close', closed); // both sides closed: the client has seen the FIN
        setTimeout(() => s.end(), 10);
      }
    });
    const a = agent();
    expect(await text(get(a, o))).toBe('ok 1');
    await gone;
    await sleep(20);
    expect(await text(get(a, o))).toBe('ok 2');
    expect(o.requests.length).toBe(2); // nothing was sent on the closed connection
  });

  it('retries only once', async () => {
    const o = await rawOrigin((s, req) => {
      if (req.n === 0 && req.conn === 1) return void s.write(resp('first'));
      s.destroy();
    });
    const a = agent();
    expect(await text(get(a, o))).toBe('first');
    await expect(read(get(a, o))).rejects.toBeInstanceOf(undiciErrors.SocketError);
    await sleep(50);
    expect(o.connections).toBe(2);
  });

  it('does not retry on a fresh connection, nor after part of a response arrived', async () => {
    const fresh = await rawOrigin((s) => s.destroy());
    await expect(read(get(agent(), fresh))).rejects.toBeInstanceOf(undiciErrors.SocketError);
    await sleep(50);
    expect(fresh.connections).toBe(1);

    const partial = await rawOrigin((s, req) => {
      if (req.n === 0) return void s.write(resp('first'));
      s.end('HTTP/1.1 200 O');
    });
    const a = agent();
    expect(await text(get(a, partial))).toBe('first');
    await expect(read(get(a, partial))).rejects.toBeInstanceOf(undiciErrors.SocketError);
    await sleep(50);
    expect(partial.connections).toBe(1);
  });

  it('drops a connection whose exchange was aborted mid-body', async () => {
    const o = await rawOrigin((s, req) => {
      if (req.n === 0 && req.conn === 1) return void s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npart');
      s.write(resp(`ok ${req.conn}`));
    });
    const a = agent();
    const ex = get(a, o);
    const r = await ex.response;
    const err = new Promise<Error>((resolve) => r.body.pipe({ data: () => true, end: () => resolve(new Error('ended')), error: resolve }));
    ex.abort();
    expect((await err).message).toBe('client aborted');
    expect(await text(get(a, o))).toBe('ok 2');
  });

  it('skips a queued request that was aborted, and fails queued requests when the agent closes', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const o = await rawOrigin((s, req) => {
      if (req.path === '/slow') void held.then(() => s.write(resp('slow')));
      else if (req.path !== '/hang') s.write(resp(req.path));
    });
    const a = agent({ connections: 1 });
    const slow = text(get(a, o, '/slow'));
    const queued = get(a, o, '/aborted');
    const next = text(get(a, o, '/next'));
    await sleep(20);
    queued.abort();
    await expect(queued.response).rejects.toThrow('client aborted');
    release();
    expect(await slow).toBe('slow');
    expect(await next).toBe('/next');
    expect(o.requests.map((r) => r.path)).toEqual(['/slow', '/next']);

    const b = agent({ connections: 1 });
    const hang = get(b, o, '/hang');
    void hang.response.catch(() => {});
    const waiting = get(b, o, '/x');
    await sleep(20);
    b.close();
    await expect(waiting.response).rejects.toBeInstanceOf(undiciErrors.ClientDestroyedError);
    await expect(read(get(b, o, '/y'))).rejects.toBeInstanceOf(undiciErrors.ClientDestroyedError);
  });

  it('lets an exchange in flight finish when the agent closes, then closes its connection', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const o = await rawOrigin((s) => {
      s.on('close', closed);
      void held.then(() => s.write(resp('finished')));
    });
    const a = agent();
    const inFlight = text(get(a, o));
    await sleep(20);
    a.close();
    release();
    expect(await inFlight).toBe('finished');
    await gone; // not kept open as an idle connection of a closed agent
  });

  it('fails a request aborted before its head', async () => {
    const o = await rawOrigin(() => {});
    const ex = get(agent(), o);
    await sleep(20);
    ex.abort();
    await expect(ex.response).rejects.toThrow('client aborted');
  });
});

// ---- smuggling and validation

describe('upstream-h1: response smuggling defences', () => {
  const smuggled = 'HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nSMUGGLED';

  it('refuses Content-Length together with Transfer-Encoding', async () => {
    for (const head of [
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 22\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ]) {
      const o = await rawOrigin((s) => s.write(head));
      await expect(read(get(agent(), o))).rejects.toThrow(/Content-Length and Transfer-Encoding/);
    }
  });

  it.each([
    ['two differing Content-Lengths', 'Content-Length: 5\r\nContent-Length: 6\r\n'],
    ['a list in one Content-Length', 'Content-Length: 5, 6\r\n'],
    ['a negative Content-Length', 'Content-Length: -5\r\n'],
    ['a non-numeric Content-Length', 'Content-Length: 5a\r\n'],
    ['a hex Content-Length', 'Content-Length: 0x5\r\n'],
  ])('refuses %s', async (_name, header) => {
    const o = await rawOrigin((s) => s.write(`HTTP/1.1 200 OK\r\n${header}\r\nhello`));
    await expect(read(get(agent(), o))).rejects.toThrow(/bad Content-Length/);
  });

  it.each([
    ['after a Content-Length body', resp('ok').toString('latin1')],
    ['after a chunked body', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n'],
    ['after an empty body', resp('').toString('latin1')],
    ['after a 204', 'HTTP/1.1 204 No Content\r\n\r\n'],
  ])('does not serve bytes %s to the next request: the connection is dropped', async (_name, first) => {
    const o = await rawOrigin((s, req) => {
      if (req.conn === 1 && req.n === 0) s.write(first + smuggled);
      else s.write(resp('real'));
    });
    const a = agent();
    await read(get(a, o));
    expect(await text(get(a, o))).toBe('real');
    expect(await text(get(a, o))).toBe('real');
    expect(o.connections).toBe(2);
  });

  it('does not serve a body sent to a HEAD as the next response', async () => {
    const o = await rawOrigin((s, req) => {
      if (req.method === 'HEAD') s.write(smuggled);
      else s.write(resp('real'));
    });
    const a = agent();
    const h = await read(get(a, o, '/', 'HEAD'));
    expect(h.body.length).toBe(0);
    expect(await text(get(a, o))).toBe('real');
    expect(o.connections).toBe(2);
  });

  it('drops a connection that receives bytes while idle', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const o = await rawOrigin((s, req) => {
      s.write(resp('real'));
      if (req.conn === 1) {
        s.on('close', closed); // the client dropped the connection it got bytes on
        setTimeout(() => s.write(smuggled), 20);
      }
    });
    const a = agent();
    expect(await text(get(a, o))).toBe('real');
    await gone;
    expect(await text(get(a, o))).toBe('real');
    expect(o.connections).toBe(2);
  });

  it.each([
    ['a space in a header name', 'X Bad: a', /bad header name/],
    ['a space before the colon', 'X-Bad : a', /bad header name/],
    ['a non-token header name', 'X(Bad): a', /bad header name/],
    ['an empty header name', ': a', /bad header line/],
    ['a line without a colon', 'NoColon', /bad header line/],
    ['obsolete line folding', 'X-A: a\r\n folded', /bad header/],
    ['a NUL in a value', 'X-A: a\0b', /bad header value/],
    ['a bare CR in a value', 'X-A: a\rX-Injected: 1', /bad header value/],
  ])('refuses %s', async (_name, line, msg) => {
    const o = await rawOrigin((s) => s.write(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 2\r\n\r\nok`));
    await expect(read(get(agent(), o))).rejects.toThrow(msg);
  });

  it.each([
    ['a status line without a reason separator', 'HTTP/1.1 200OK'],
    ['HTTP/2 on an HTTP/1 connection', 'HTTP/2 200 OK'],
    ['a non-HTTP status line', 'ICY 200 OK'],
    ['a two-digit status', 'HTTP/1.1 20 OK'],
  ])('refuses %s', async (_name, status) => {
    const o = await rawOrigin((s) => s.write(`${status}\r\nContent-Length: 2\r\n\r\nok`));
    await expect(read(get(agent(), o))).rejects.toThrow(/bad status line/);
  });

  it.each([
    ['a non-hex chunk size', 'zz\r\nhello\r\n0\r\n\r\n', /bad chunk size/],
    ['a negative chunk size', '-5\r\nhello\r\n0\r\n\r\n', /bad chunk size/],
    ['a 0x chunk size', '0x5\r\nhello\r\n0\r\n\r\n', /bad chunk size/],
    ['an empty chunk size', '\r\nhello\r\n0\r\n\r\n', /bad chunk size/],
    ['a huge chunk size', 'fffffffffffffffff\r\n', /bad chunk size/],
    ['chunk data longer than its size', '3\r\nhello\r\n0\r\n\r\n', /chunk not followed by CRLF/],
  ])('refuses %s', async (_name, body, msg) => {
    const o = await rawOrigin((s) => s.write(`HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n${body}`));
    await expect(read(get(agent(), o))).rejects.toThrow(msg);
  });

  it('refuses a head over 64 KiB, in one write or many', async () => {
    const big = `HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(70_000)}\r\nContent-Length: 2\r\n\r\nok`;
    const one = await rawOrigin((s) => s.write(big));
    await expect(read(get(agent(), one))).rejects.toThrow(/head too large/);
    const many = await rawOrigin((s) => void dribble(s, big, 4096, 1));
    await expect(read(get(agent(), many))).rejects.toThrow(/head too large/);
    // A large head under the limit is fine.
    const ok = await rawOrigin((s) => s.write(`HTTP/1.1 200 OK\r\nX-Big: ${'a'.repeat(60_000)}\r\nContent-Length: 2\r\n\r\nok`));
    expect((await read(get(agent(), ok))).headers['x-big']).toHaveLength(60_000);
  });

  it('refuses request headers and paths that would inject lines, before connecting', async () => {
    const o = await rawOrigin((s) => s.write(resp('ok')));
    const a = agent();
    const bad: [string, Record<string, string>][] = [
      ['/', { 'x-a': 'b\r\nX-Injected: 1' }],
      ['/', { 'x-a': 'b\nX-Injected: 1' }],
      ['/', { 'x-a': 'b\0' }],
      ['/', { 'bad name': 'v' }],
      ['/', { 'x-a\r\nx-b': 'v' }],
      ['/a b', {}],
      ['/a\r\nX-Injected: 1', {}],
      ['/a\nb', {}],
      ['http://elsewhere/', {}],
    ];
    for (const [path, headers] of bad) {
      const ex = a.fetch(new URL(o.url + '/'), 'GET', path, headers);
      await expect(ex.response).rejects.toBeInstanceOf(undiciErrors.InvalidArgumentError);
    }
    await sleep(50);
    expect(o.connections).toBe(0);
    expect(await text(get(a, o))).toBe('ok'); // the agent still works
  });
});

// ---- failures

describe('upstream-h1: truncation, refusal, timeouts', () => {
  it.each([
    ['a Content-Length body', 'HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(500)],
    ['a chunked body cut in a chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nhello'],
    ['a chunked body without its last chunk', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n'],
    ['a chunked body cut in its trailers', 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-T: 1\r\n'],
    ['a head', 'HTTP/1.1 200 OK\r\nContent-Len'],
  ])('fails %s the origin cut short, rather than ending it', async (_name, bytes) => {
    const o = await rawOrigin((s) => s.end(bytes));
    await expect(read(get(agent(), o))).rejects.toBeInstanceOf(undiciErrors.SocketError);
  });

  it('fails a connection refused with ECONNREFUSED', async () => {
    const port = await freePort();
    await expect(read(get(agent(), `http://127.0.0.1:${port}`))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('raises a headers timeout when the origin does not answer', async () => {
    const o = await rawOrigin(() => {});
    await expect(read(get(agent({ headersTimeout: 200 }), o))).rejects.toBeInstanceOf(undiciErrors.HeadersTimeoutError);
  });

  it('raises a headers timeout when the head stalls halfway', async () => {
    const o = await rawOrigin((s) => s.write('HTTP/1.1 200 OK\r\nContent-'));
    await expect(read(get(agent({ headersTimeout: 200 }), o))).rejects.toBeInstanceOf(undiciErrors.HeadersTimeoutError);
  });

  it('raises a headers timeout when the head trickles in past it', async () => {
    const o = await rawOrigin((s) => void dribble(s, resp('late', 'X-Pad: ' + 'p'.repeat(200) + '\r\n'), 1, 20));
    await expect(read(get(agent({ headersTimeout: 300 }), o))).rejects.toBeInstanceOf(undiciErrors.HeadersTimeoutError);
  });

  it('raises a body timeout when the body stalls, and drops the connection', async () => {
    const o = await rawOrigin((s, req) => {
      if (req.conn === 1) s.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome');
      else s.write(resp('fresh'));
    });
    const a = agent({ bodyTimeout: 200 });
    const r = await get(a, o).response;
    const err = await new Promise<Error>((resolve) => r.body.pipe({ data: () => true, end: () => resolve(new Error('ended')), error: resolve }));
    expect(err).toBeInstanceOf(undiciErrors.BodyTimeoutError);
    expect(await text(get(a, o))).toBe('fresh');
    expect(o.connections).toBe(2);
  });

  it('raises a headers timeout on a reused connection too', async () => {
    const o = await rawOrigin((s, req) => {
      if (req.n === 0) s.write(resp('first'));
    });
    const a = agent({ headersTimeout: 200, bodyTimeout: 5000 });
    expect(await text(get(a, o))).toBe('first');
    await expect(read(get(a, o))).rejects.toBeInstanceOf(undiciErrors.HeadersTimeoutError);
  });

  it('refuses, through the guarded lookup, a hostname that resolves to loopback', async () => {
    const o = await rawOrigin((s) => s.write(resp('secret')));
    const err = await read(get(agent({ guarded: true }), `http://localhost:${o.port}`)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CB_ERR_TARGET_REFUSED' });
    expect(String((err as Error).message)).toMatch(/127\.0\.0\.1/);
    await sleep(50);
    expect(o.connections).toBe(0);
    // The same origin through the unguarded (operator-allowed) agent connects.
    expect(await text(get(agent({ guarded: false }), `http://localhost:${o.port}`))).toBe('secret');
  });
});

// ---- backpressure

describe('upstream-h1: backpressure', () => {
  const SIZE = 50 * 1024 * 1024;
  const CHUNK = Buffer.alloc(64 * 1024);
  for (let i = 0; i < CHUNK.length; i++) CHUNK[i] = (i * 31 + (i >> 8)) & 0xff;

  /** An origin streaming SIZE bytes with Content-Length, honouring its own socket's backpressure. */
  async function bigOrigin() {
    const st = { sent: 0, hash: createHash('sha256'), done: false };
    const o = await rawOrigin((s) => {
      s.write(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${SIZE}\r\n\r\n`);
      const pump = () => {
        while (st.sent < SIZE && !s.destroyed) {
          const c = st.sent + CHUNK.length <= SIZE ? CHUNK : CHUNK.subarray(0, SIZE - st.sent);
          st.sent += c.length;
          st.hash.update(c);
          if (!s.write(c)) return void s.once('drain', pump);
        }
        st.done = st.sent === SIZE;
      };
      pump();
    });
    return { o, st };
  }

  /** Waits until the origin has stopped being able to send (its count holds for 300 ms). */
  async function untilStalled(st: { sent: number }) {
    let last = -1;
    for (let k = 0; k < 100; k++) {
      await sleep(300);
      if (st.sent === last) return;
      last = st.sent;
    }
    throw new Error('the origin never stalled');
  }

  function consume(body: UpstreamResponse['body'], stopFirst: boolean) {
    const c = { got: 0, calls: 0, hash: createHash('sha256'), ended: new Promise<void>(() => {}) };
    c.ended = new Promise<void>((resolve, reject) =>
      body.pipe({
        data: (chunk) => {
          c.calls++;
          c.got += chunk.length;
          c.hash.update(chunk);
          return !(stopFirst && c.calls === 1);
        },
        end: resolve,
        error: reject,
      }),
    );
    return c;
  }

  it.each([
    ['attached at the head (as the proxy streams)', true],
    ['attached after the response settles', false],
  ])('stops reading the origin while the consumer is full, longer than the body timeout, then delivers all of it: sink %s', async (_name, atHead) => {
    const { o, st } = await bigOrigin();
    const a = agent({ bodyTimeout: 250 });
    const before = process.memoryUsage().arrayBuffers;
    const ex = get(a, o);
    let c: ReturnType<typeof consume> | null = null;
    if (atHead) ex.onHead = (up) => void (c = consume(up.body, true));
    const r = await ex.response;
    if (!c) c = consume(r.body, true);
    await untilStalled(st);
    // Paused: the consumer got one chunk and nothing since; the origin got only as far as the
    // kernel's socket buffers and our bounded read-ahead allow.
    expect(c!.calls).toBe(1);
    expect(st.sent).toBeLessThan(24 * 1024 * 1024);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    r.body.resume();
    await c!.ended;
    expect(c!.got).toBe(SIZE);
    expect(c!.hash.digest('hex')).toBe(st.hash.digest('hex'));
    expect(o.connections).toBe(1);
  });

  it('stops reading the origin while nobody consumes the body yet, then delivers all of it', async () => {
    const { o, st } = await bigOrigin();
    const a = agent({ bodyTimeout: 250 });
    const before = process.memoryUsage().arrayBuffers;
    const r = await get(a, o).response;
    await untilStalled(st);
    expect(st.sent).toBeLessThan(24 * 1024 * 1024);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(8 * 1024 * 1024);
    const c = consume(r.body, false);
    await c.ended;
    expect(c.got).toBe(SIZE);
    expect(c.hash.digest('hex')).toBe(st.hash.digest('hex'));
  });

  it('keeps a body read until close whole when the origin closes while the consumer is full', async () => {
    // Small enough for the kernel's socket buffers: the origin's FIN is sent while the client is paused.
    const body = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < body.length; i += 4) body.writeUInt32LE(i, i);
    let ended = false;
    const o = await rawOrigin((s) => {
      s.write('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n');
      s.end(body, () => (ended = true));
    });
    const r = await get(agent({ bodyTimeout: 250 }), o).response;
    const chunks: Buffer[] = [];
    let full = true;
    let whileFull = 0;
    const done = new Promise<void>((resolve, reject) =>
      r.body.pipe({
        data: (c) => {
          if (full && chunks.length) whileFull++;
          chunks.push(Buffer.from(c));
          return !full;
        },
        end: resolve,
        error: reject,
      }),
    );
    for (let k = 0; k < 100 && !ended; k++) await sleep(50); // the origin wrote everything and its FIN
    expect(ended).toBe(true);
    await sleep(300);
    expect(whileFull).toBe(0);
    full = false;
    r.body.resume();
    await done;
    expect(Buffer.concat(chunks).equals(body)).toBe(true);
  });

  it('still closes an idle connection whose last response ended while the consumer was full', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const o = await rawOrigin((s) => {
      s.on('close', closed);
      s.write(resp('x'.repeat(1000))); // and then keeps the connection open, as origins may
    });
    const a = agent({ bodyTimeout: 200, headersTimeout: 200, keepAliveTimeout: 200 });
    const ex = get(a, o);
    let ended!: Promise<void>;
    // Attached at the head, as the proxy does: the last (only) chunk fills the consumer.
    ex.onHead = (up) => void (ended = new Promise<void>((resolve, reject) => up.body.pipe({ data: () => false, end: resolve, error: reject })));
    const r = await ex.response;
    await sleep(50);
    r.body.resume(); // the consumer drains later; the connection is idle by now
    await ended;
    await gone; // the socket timeout still runs on the idle connection (the test times out otherwise)
  });

  it('delivers a large body intact to a consumer that pauses often', async () => {
    const { o, st } = await bigOrigin();
    const r = await get(agent(), o).response;
    const hash = createHash('sha256');
    let got = 0;
    let calls = 0;
    let paused = false;
    let whilePaused = 0;
    await new Promise<void>((resolve, reject) =>
      r.body.pipe({
        data: (chunk) => {
          if (paused) whilePaused++;
          got += chunk.length;
          hash.update(chunk);
          if (++calls % 4) return true;
          paused = true;
          setImmediate(() => {
            paused = false;
            r.body.resume();
          });
          return false;
        },
        end: resolve,
        error: reject,
      }),
    );
    expect(whilePaused).toBe(0);
    expect(got).toBe(SIZE);
    expect(hash.digest('hex')).toBe(st.hash.digest('hex'));
  });
});

// ---- through the gateway

describe('upstream-h1 through the gateway', () => {
  let t: TestGateway;
  let origin: Origin;
  let closedUrl: string;
  let proxyOrigin: string;
  let truncateNext = true;
  const page = '<html><head></head><body>' + 'p'.repeat(5000) + '</body></html>';

  beforeAll(async () => {
    // Made here, not through rawOrigin: afterEach closes those.
    const sockets = new Set<net.Socket>();
    let conns = 0;
    const server = net.createServer((sock) => {
      const conn = ++conns;
      sockets.add(sock);
      sock.on('close', () => sockets.delete(sock));
      sock.on('error', () => {});
      let buf = '';
      let n = 0;
      sock.setEncoding('latin1');
      sock.on('data', (d: string) => {
        buf += d;
        for (let k = buf.indexOf('\r\n\r\n'); k >= 0; k = buf.indexOf('\r\n\r\n')) {
          const raw = buf.slice(0, k);
          buf = buf.slice(k + 4);
          const path = raw.split(' ')[1];
          serveGateway(sock, path, { conn, n: n++ }, raw);
        }
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    origin = {
      url: `http://127.0.0.1:${port}`,
      port,
      connections: 0,
      requests: [],
      close: () =>
        new Promise<void>((r) => {
          for (const s of sockets) s.destroy();
          server.close(() => r());
        }),
    };
    closedUrl = `http://127.0.0.1:${await freePort()}`;
    t = await startTestGateway({ allowedTargets: [origin.url, closedUrl], upstreamTimeoutSeconds: 1 });
    const sid = await startVisitor(t.gw.url, `${origin.url}/`);
    const v = new Peer(wsUrl(t.gw.url, `/ws/visitor?sid=${sid}`), { origin: t.gw.url });
    await v.opened();
    v.send({ type: 'hello' });
    const s = await v.waitFor('session');
    v.close();
    proxyOrigin = new URL(s.session.proxyUrl!).origin;
  });
  afterAll(async () => {
    await t?.close();
    await origin?.close();
  });

  function serveGateway(sock: net.Socket, path: string, _at: { conn: number; n: number }, raw: string) {
    if (path === '/page') {
      const full = resp(page, 'Content-Type: text/html\r\n');
      if (truncateNext) {
        truncateNext = false;
        return void sock.end(full.subarray(0, full.length - 2000));
      }
      return void sock.write(full);
    }
    if (path === '/asset.bin') {
      const full = resp(Buffer.alloc(200_000, 9), 'Content-Type: application/octet-stream\r\n');
      return void sock.end(full.subarray(0, full.length - 50_000));
    }
    if (path === '/hints') {
      return void sock.write(Buffer.concat([Buffer.from('HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n'), resp('after hints', 'Content-Type: text/plain\r\n')]));
    }
    if (path === '/hang') return;
    if (path === '/extra') return void sock.write(resp('ok', 'Content-Type: text/plain\r\n').toString('latin1') + 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nSMUGGLED');
    if (path === '/etag') {
      if (/\r\nif-none-match: "v1"/i.test(raw)) return void sock.write('HTTP/1.1 304 Not Modified\r\nETag: "v1"\r\nContent-Length: 5000\r\n\r\n');
      return void sock.write(resp('versioned', 'Content-Type: text/plain\r\nETag: "v1"\r\n'));
    }
    if (path === '/huge') {
      sock.write(`HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: ${HUGE}\r\n\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 5);
      hugeSent = 0;
      const pump = () => {
        while (hugeSent < HUGE && !sock.destroyed) {
          const c = chunk.subarray(0, Math.min(chunk.length, HUGE - hugeSent));
          hugeSent += c.length;
          if (!sock.write(c)) return void sock.once('drain', pump);
        }
      };
      return pump();
    }
    if (path === '/smuggle') return void sock.write('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n');
    const fine = resp('fine', 'Content-Type: text/plain\r\n');
    sock.write(raw.startsWith('HEAD ') ? fine.subarray(0, fine.length - 4) : fine);
  }

  const nav = { accept: 'text/html', 'sec-fetch-dest': 'document' };
  const HUGE = 50 * 1024 * 1024;
  let hugeSent = 0;

  it('shows an error for a page cut short, and does not cache it: the next load is whole', async () => {
    const first = await proxyFetch(`${proxyOrigin}/page`, { headers: nav });
    expect(first.status).toBe(502);
    expect(first.body).not.toContain('ppppp');
    const second = await proxyFetch(`${proxyOrigin}/page`, { headers: nav });
    expect(second.status).toBe(200);
    expect(second.body).toContain('p'.repeat(5000) + '</body>');
  });

  it('does not end a streamed asset cut short as if it were complete: the browser connection is cut', async () => {
    await expect(proxyFetch(`${proxyOrigin}/asset.bin`)).rejects.toThrow();
    expect((await proxyFetch(`${proxyOrigin}/ok`)).body).toBe('fine');
  });

  it('answers 502 for a refused connection, 504 for an origin that does not answer, and 502 for both framings', async () => {
    const go = await proxyFetch(`${proxyOrigin}/__cb/go?u=${encodeURIComponent(closedUrl + '/x')}`);
    expect(go.status).toBe(307);
    const refused = await proxyFetch(go.headers.location!, { headers: { accept: 'image/png' } });
    expect(refused.status).toBe(502);
    expect(refused.body).toContain('CB_ERR_UPSTREAM_UNREACHABLE');
    const hang = await proxyFetch(`${proxyOrigin}/hang`, { headers: { accept: 'image/png' } });
    expect(hang.status).toBe(504);
    expect(hang.body).toContain('CB_ERR_UPSTREAM_TIMEOUT');
    const smuggle = await proxyFetch(`${proxyOrigin}/smuggle`, { headers: { accept: 'text/plain' } });
    expect(smuggle.status).toBe(502);
    expect(smuggle.body).not.toContain('hello');
    // The gateway still serves that origin.
    expect((await proxyFetch(`${proxyOrigin}/ok`)).body).toBe('fine');
  });

  it('stops reading the origin while the browser does not read, then delivers the whole body', async () => {
    const u = new URL(proxyOrigin);
    const sock = net.connect(Number(u.port), '127.0.0.1');
    let got = 0;
    let headSeen = false;
    let head = '';
    sock.on('data', (d: Buffer) => {
      if (!headSeen) {
        head += d.toString('latin1');
        const k = head.indexOf('\r\n\r\n');
        if (k < 0) return;
        headSeen = true;
        got += Buffer.byteLength(head.slice(k + 4), 'latin1');
        sock.pause(); // a browser that stops reading
        return;
      }
      got += d.length;
    });
    sock.write(`GET /huge HTTP/1.1\r\nHost: ${u.host}\r\nAccept: */*\r\n\r\n`);
    let last = -1;
    for (let k = 0; k < 100 && !(headSeen && hugeSent === last); k++) {
      last = hugeSent;
      await sleep(300);
    }
    expect(headSeen).toBe(true);
    expect(head).toMatch(/^HTTP\/1\.1 200/);
    expect(hugeSent).toBeLessThan(HUGE / 2);
    const ended = new Promise<void>((resolve) => {
      const check = () => (got >= HUGE ? resolve() : undefined);
      sock.on('data', check);
      check();
    });
    sock.resume();
    await ended;
    expect(got).toBe(HUGE);
    sock.destroy();
  });

  it('never serves bytes an origin sent past the end of a response to the next request', async () => {
    expect((await proxyFetch(`${proxyOrigin}/extra`)).body).toBe('ok');
    for (let k = 0; k < 5; k++) expect((await proxyFetch(`${proxyOrigin}/ok`)).body).toBe('fine');
  });

  it('passes 304 and HEAD without reading a body, keeping the upstream connection in step', async () => {
    const full = await proxyFetch(`${proxyOrigin}/etag`);
    expect(full.status).toBe(200);
    expect(full.headers.etag).toBe('"v1"');
    const cond = await proxyFetch(`${proxyOrigin}/etag`, { headers: { 'if-none-match': '"v1"' } });
    expect(cond.status).toBe(304);
    expect(cond.raw.length).toBe(0);
    const head = await proxyFetch(`${proxyOrigin}/ok`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.raw.length).toBe(0);
    expect((await proxyFetch(`${proxyOrigin}/ok`)).body).toBe('fine');
  });

  it('passes the final response after 103 Early Hints', async () => {
    const r = await proxyFetch(`${proxyOrigin}/hints`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('after hints');
  });
});
