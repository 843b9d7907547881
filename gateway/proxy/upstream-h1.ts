// A lean HTTP/1.1 client for the proxy's commonest upstream request: GET or HEAD, no request body,
// to a plain-http origin. Everything else (https, request bodies, other methods) goes through undici.
//
// Why: a proxied asset is read from the origin and written to the browser, and Node's stream
// sockets allocate a fresh 64 KiB ArrayBuffer for every read. For a proxy that moves 100 KB per
// request that is the dominant cost after the kernel's: external memory growing at hundreds of MB/s
// forces a major GC many times a second. Here every upstream socket reads into one shared buffer
// (net's `onread`), each read is parsed and forwarded synchronously, and a body chunk is a view of
// that buffer that the consumer must use at once or copy (UpstreamBody.transient). With onHead
// attaching the browser response synchronously, a passthrough allocates no per-read memory at all.
//
// What it keeps from undici's contract: per-origin keep-alive pools (64 connections, 10 s idle,
// shortened to the server's keep-alive timeout), connect/headers/body timeouts raised as undici's
// own error classes (so 504 pages come out the same), the SSRF-guarded DNS lookup for targets that
// are not explicitly allowed, backpressure (a full consumer pauses the socket; body timeouts do
// not run while paused), one retry of an idempotent request whose reused connection turned out to
// be closed before any byte came back. It is strict where strictness is cheap: one framing only
// (Content-Length and Transfer-Encoding together are refused, as are differing lengths), header
// names must be tokens, no obsolete line folding, heads at most 64 KiB.
import net from 'node:net';
import { errors as undiciErrors } from 'undici';
import { guardedLookup } from './guarded-lookup.ts';
import type { UpstreamHeaders } from './response-headers.ts';
import { ExchangeState, type BodyController, type UpstreamBody, type UpstreamExchange } from './upstream-fetch.ts';

export interface H1Options {
  connections: number;
  keepAliveTimeout: number;
  headersTimeout: number;
  bodyTimeout: number;
  connectTimeout: number;
  /** Check every address DNS returns (targets not explicitly allowed). */
  guarded: boolean;
}

/**
 * Shared by every socket: a read is parsed and forwarded before the next one can arrive. Large
 * enough that a typical asset arrives in one read and leaves in one send.
 */
const READ_BUFFER = Buffer.allocUnsafe(256 * 1024);
const MAX_HEAD = 64 * 1024;
const MAX_LINE = 4096;
const LINE_END = /\r?\n/;

/**
 * Where a response head ends in buf[from, to): [end of the last header line, start of the body],
 * or null when the blank line has not arrived yet. Lines end in CRLF or, leniently, a bare LF.
 */
function headEnd(buf: Buffer, from: number, to: number): [number, number] | null {
  let p = from;
  for (;;) {
    const lf = buf.indexOf(10, p);
    if (lf < 0 || lf + 1 >= to) return null;
    if (buf[lf + 1] === 10) return [lf > from && buf[lf - 1] === 13 ? lf - 1 : lf, lf + 2];
    if (buf[lf + 1] === 13) {
      if (lf + 2 >= to) return null;
      if (buf[lf + 2] === 10) return [lf > from && buf[lf - 1] === 13 ? lf - 1 : lf, lf + 3];
    }
    p = lf + 1;
  }
}
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** undici's rule for request header values: tab, visible ASCII, obs-text. */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const BAD_PATH = /[^\u0021-\u00ff]/;
const STATUS_LINE = /^HTTP\/1\.([01]) (\d{3})(?: [^\r\n]*)?$/;
const HEX = /^[0-9a-fA-F]{1,12}$/;

const enum S {
  Idle,
  Head,
  Length,
  ChunkSize,
  ChunkData,
  ChunkEnd,
  Trailers,
  UntilClose,
}

class BadResponse extends undiciErrors.SocketError {
  constructor(message: string) {
    super(`bad upstream response: ${message}`);
  }
}

export class H1Agent {
  #pools = new Map<string, Pool>();
  #closed = false;
  constructor(readonly o: H1Options) {}

  /** GET or HEAD `path` on a plain-http origin (`url` is the checked target URL). */
  fetch(url: URL, method: 'GET' | 'HEAD', path: string, headers: Record<string, string>): UpstreamExchange {
    const ex = new Exchange(method, requestHead(method, path, url.host, headers));
    if (this.#closed) ex.fail(new undiciErrors.ClientDestroyedError());
    else if (ex.head instanceof Error) ex.fail(ex.head);
    else {
      const key = url.host;
      let pool = this.#pools.get(key);
      if (!pool) {
        const p: Pool = new Pool(this.o, url.hostname.replace(/^\[|\]$/g, ''), Number(url.port || 80), () => {
          if (this.#pools.get(key) === p) this.#pools.delete(key);
        });
        this.#pools.set(key, p);
        pool = p;
      }
      pool.acquire(ex);
    }
    return ex;
  }

  close(): void {
    this.#closed = true;
    for (const p of this.#pools.values()) p.destroy();
    this.#pools.clear();
  }
}

function requestHead(method: string, path: string, host: string, headers: Record<string, string>): string | Error {
  if (!path.startsWith('/') || BAD_PATH.test(path)) return new undiciErrors.InvalidArgumentError('invalid request path');
  let head = `${method} ${path} HTTP/1.1\r\nhost: ${host}\r\n`;
  for (const k in headers) {
    const v = headers[k];
    if (!TOKEN.test(k) || BAD_VALUE.test(v)) return new undiciErrors.InvalidArgumentError(`invalid ${k} header`);
    head += `${k}: ${v}\r\n`;
  }
  return head + 'connection: keep-alive\r\n\r\n';
}

class Exchange implements UpstreamExchange {
  readonly st = new ExchangeState();
  conn: Conn | null = null;
  done = false;
  retried = false;
  #aborted = false;
  /** For state.onAbort: bound once. */
  readonly abort: () => void;
  constructor(
    readonly method: 'GET' | 'HEAD',
    readonly head: string | Error,
  ) {
    this.abort = this.#abort.bind(this);
  }

  get response() {
    return this.st.response;
  }

  get onHead() {
    return this.st.onHead;
  }

  set onHead(f) {
    this.st.onHead = f;
  }

  get body(): UpstreamBody | null {
    return this.st.body;
  }

  fail(err: Error) {
    if (this.done) return;
    this.done = true;
    this.st.fail(err);
  }

  #abort() {
    if (this.done || this.#aborted) return;
    this.#aborted = true;
    const err = new Error('client aborted');
    if (this.conn) this.conn.abort(err);
    else this.fail(err);
  }

  get aborted() {
    return this.#aborted;
  }
}

class Pool {
  #idle: Conn[] = [];
  #queue: Exchange[] = [];
  #open = 0;
  /** The agent closed: exchanges in flight finish, then their connections close. */
  #destroyed = false;
  constructor(
    readonly o: H1Options,
    readonly host: string,
    readonly port: number,
    private readonly onEmpty: () => void,
  ) {}

  acquire(ex: Exchange) {
    if (this.#destroyed) return ex.fail(new undiciErrors.ClientDestroyedError()); // a retry after close
    const now = Date.now();
    while (this.#idle.length) {
      const c = this.#idle.pop()!;
      if (c.usable && !c.idleExpired(now)) return c.start(ex);
      c.destroy();
    }
    if (this.#open < this.o.connections) {
      this.#open++;
      return new Conn(this).start(ex);
    }
    this.#queue.push(ex);
  }

  /** A connection finished its exchange and may be reused. */
  release(c: Conn) {
    if (this.#destroyed) return c.destroy();
    while (this.#queue.length) {
      const ex = this.#queue.shift()!;
      if (!ex.done) return c.start(ex);
    }
    this.#idle.push(c);
    c.idle();
  }

  /** A connection closed (whatever the reason). */
  closed(c: Conn) {
    this.#open--;
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    while (this.#queue.length && this.#open < this.o.connections) {
      const ex = this.#queue.shift()!;
      if (ex.done) continue;
      this.#open++;
      new Conn(this).start(ex);
    }
    if (this.#open === 0 && this.#queue.length === 0) this.onEmpty();
  }

  destroy() {
    this.#destroyed = true;
    for (const ex of this.#queue) ex.fail(new undiciErrors.ClientDestroyedError());
    this.#queue = [];
    for (const c of [...this.#idle]) c.destroy();
  }
}

/** A body's handle on its connection, valid for its own exchange only. */
class ExchangeControl implements BodyController {
  constructor(
    private readonly conn: Conn,
    private readonly ex: Exchange,
  ) {}
  pause() {
    if (this.conn.current === this.ex) this.conn.pause();
  }
  resume() {
    if (this.conn.current === this.ex) this.conn.resume();
  }
  abort(reason: Error) {
    if (this.conn.current === this.ex) this.conn.abort(reason);
  }
}

class Conn {
  readonly #pool: Pool;
  readonly #socket: net.Socket;
  #ex: Exchange | null = null;
  #connected = false;
  /** Served a response before: a failure before any byte may be a stale keep-alive, worth one retry. */
  #reused = false;
  #gotBytes = false;
  #state = S.Idle;
  #headPart: Buffer | null = null;
  #line = '';
  #remaining = 0;
  #keepAlive = true;
  #paused = false;
  /** Unparsed bytes of a read that came in while the consumer was full (a private copy). */
  #pending: Buffer | null = null;
  #idleTimeout: number;
  #idleSince = 0;
  #closed = false;
  /** The timeout the socket is armed with (re-armed only on change). */
  #armed = 0;
  /**
   * When the awaited head must be complete. The socket timeout is an idle time, refreshed by every
   * byte: alone it would let an origin trickle a head in forever. undici's headersTimeout is a
   * deadline from the request (renewed by each 1xx head), checked here on each read of a head.
   */
  #headDeadline = 0;

  constructor(pool: Pool) {
    this.#pool = pool;
    this.#idleTimeout = pool.o.keepAliveTimeout;
    const s = net.connect({
      host: pool.host,
      port: pool.port,
      noDelay: true,
      ...(pool.o.guarded ? { lookup: guardedLookup as never } : {}),
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Buffer) => this.#onRead(n, buf) },
    });
    this.#socket = s;
    this.#arm(pool.o.connectTimeout);
    s.on('connect', () => {
      this.#connected = true;
      if (this.#ex) {
        this.#arm(pool.o.headersTimeout);
        this.#headDeadline = Date.now() + pool.o.headersTimeout;
      }
    });
    s.on('timeout', () => this.#onTimeout());
    s.on('error', (err) => this.#onError(err));
    s.on('end', () => this.#onEnd());
    s.on('close', () => this.#onClose());
  }

  get current(): Exchange | null {
    return this.#ex;
  }

  get usable(): boolean {
    return !this.#closed && !this.#socket.destroyed;
  }

  start(ex: Exchange) {
    this.#ex = ex;
    ex.conn = this;
    this.#state = S.Head;
    this.#gotBytes = false;
    this.#keepAlive = true;
    this.#headPart = null;
    // A new connection keeps its connect timeout until 'connect'.
    if (this.#connected) {
      this.#arm(this.#pool.o.headersTimeout);
      this.#headDeadline = Date.now() + this.#pool.o.headersTimeout;
    }
    this.#socket.write(ex.head as string, 'latin1');
  }

  /**
   * Back in the pool. The socket's timeout is left as it is (re-arming it costs two timer objects
   * per request): an idle connection past its keep-alive time is dropped when next taken, and the
   * socket timeout closes it if it is not taken at all.
   */
  idle() {
    this.#state = S.Idle;
    this.#idleSince = Date.now();
  }

  idleExpired(now: number): boolean {
    return now - this.#idleSince >= this.#idleTimeout;
  }

  destroy() {
    this.#closed = true;
    this.#socket.destroy();
  }

  #arm(ms: number) {
    if (ms === this.#armed) return;
    this.#armed = ms;
    this.#socket.setTimeout(ms);
  }

  // ---- what the body's consumer may ask (through the per-exchange controller made in #onHead)

  pause() {
    if (this.#paused) return;
    this.#paused = true;
    this.#socket.pause();
    this.#arm(0); // a slow browser is not a slow origin
  }

  resume() {
    if (!this.#paused || !this.#ex) return;
    this.#paused = false;
    this.#arm(this.#pool.o.bodyTimeout);
    const p = this.#pending;
    if (p) {
      this.#pending = null;
      this.#parse(p, 0, p.length);
    }
    if (!this.#paused && this.#ex) this.#socket.resume();
  }

  abort(reason: Error) {
    const ex = this.#ex;
    this.#ex = null;
    this.destroy();
    if (ex) {
      ex.conn = null;
      ex.fail(reason);
    }
  }

  // ---- socket events

  #onRead(n: number, buf: Buffer): boolean {
    if (!this.#ex) {
      // Bytes nobody asked for (on an idle connection, or after an abort): the stream is unusable.
      this.destroy();
      return false;
    }
    this.#gotBytes = true;
    if (this.#state === S.Head && Date.now() > this.#headDeadline) {
      this.abort(new undiciErrors.HeadersTimeoutError());
      return false;
    }
    this.#parse(buf, 0, n);
    return !this.#paused;
  }

  #onTimeout() {
    const ex = this.#ex;
    if (!ex) return this.destroy(); // idle past the keep-alive timeout
    if (this.#paused) return;
    const err = !this.#connected
      ? new undiciErrors.ConnectTimeoutError()
      : this.#state === S.Head
        ? new undiciErrors.HeadersTimeoutError()
        : new undiciErrors.BodyTimeoutError();
    this.abort(err);
  }

  #onError(err: Error) {
    this.#closed = true;
    this.#lost(err);
  }

  #onEnd() {
    if (this.#ex && this.#state === S.UntilClose) {
      this.#complete(false);
      return;
    }
    this.#closed = true;
    this.#socket.destroy();
    this.#lost(new undiciErrors.SocketError('other side closed'));
  }

  #onClose() {
    this.#closed = true;
    this.#lost(new undiciErrors.SocketError('closed'));
    this.#pool.closed(this);
  }

  /** The connection is gone: the exchange on it fails, or is retried once on a new connection. */
  #lost(err: Error) {
    const ex = this.#ex;
    if (!ex) return;
    this.#ex = null;
    ex.conn = null;
    if (!this.#gotBytes && this.#reused && !ex.retried && !ex.aborted && !ex.body) {
      ex.retried = true;
      // After this connection's close has been counted, so the retry may open a new one.
      queueMicrotask(() => (ex.done ? undefined : this.#pool.acquire(ex)));
      return;
    }
    ex.fail(err);
  }

  #fail(message: string) {
    this.abort(new BadResponse(message));
  }

  // ---- parsing

  #parse(buf: Buffer, i: number, end: number) {
    while (i < end) {
      const ex = this.#ex;
      if (!ex) return;
      switch (this.#state) {
        case S.Head: {
          let src = buf;
          let from = i;
          let to = end;
          if (this.#headPart) {
            src = Buffer.concat([this.#headPart, buf.subarray(i, end)]);
            from = 0;
            to = src.length;
          }
          const found = headEnd(src, from, Math.min(to, from + MAX_HEAD + 4));
          if (!found) {
            if (to - from > MAX_HEAD) return this.#fail('head too large');
            this.#headPart = Buffer.from(src.subarray(from, to));
            return;
          }
          const text = src.toString('latin1', from, found[0]);
          i = end - (to - found[1]);
          this.#headPart = null;
          if (!this.#onHead(ex, text, i === end)) return;
          break;
        }
        case S.Length: {
          const take = Math.min(this.#remaining, end - i);
          this.#remaining -= take;
          const chunk = buf.subarray(i, i + take);
          i += take;
          this.#deliver(ex, chunk);
          if (this.#remaining === 0) return this.#complete(i === end, buf, i, end);
          break;
        }
        case S.ChunkSize:
        case S.Trailers: {
          const lf = buf.subarray(i, end).indexOf(10);
          if (lf < 0) {
            this.#line += buf.toString('latin1', i, end);
            if (this.#line.length > MAX_LINE) return this.#fail('chunk line too long');
            i = end;
            break;
          }
          let line = this.#line + buf.toString('latin1', i, i + lf);
          this.#line = '';
          i += lf + 1;
          if (line.endsWith('\r')) line = line.slice(0, -1);
          if (this.#state === S.Trailers) {
            if (line === '') return this.#complete(i === end, buf, i, end);
            break; // trailers are not forwarded (as before)
          }
          const size = line.split(';', 1)[0].trim();
          if (!HEX.test(size)) return this.#fail('bad chunk size');
          this.#remaining = parseInt(size, 16);
          this.#state = this.#remaining === 0 ? S.Trailers : S.ChunkData;
          break;
        }
        case S.ChunkData: {
          const take = Math.min(this.#remaining, end - i);
          this.#remaining -= take;
          const chunk = buf.subarray(i, i + take);
          i += take;
          if (this.#remaining === 0) {
            this.#state = S.ChunkEnd;
            this.#remaining = 2;
          }
          this.#deliver(ex, chunk);
          break;
        }
        case S.ChunkEnd: {
          // CRLF after the chunk's data (a bare LF is accepted, as browsers and llhttp do).
          const b = buf[i++];
          if (b === 10) this.#state = S.ChunkSize;
          else if (b !== 13 || this.#remaining !== 2) return this.#fail('chunk not followed by CRLF');
          else this.#remaining = 1;
          break;
        }
        case S.UntilClose: {
          const chunk = buf.subarray(i, end);
          i = end;
          this.#deliver(ex, chunk);
          break;
        }
        default:
          return this.#fail('unexpected bytes');
      }
      if (this.#paused && i < end) {
        // The consumer is full: keep the rest of this read (the shared buffer is about to be reused).
        this.#pending = Buffer.from(buf.subarray(i, end));
        return;
      }
    }
  }

  #deliver(ex: Exchange, chunk: Buffer) {
    if (chunk.length) ex.body!.push(chunk);
  }

  /**
   * Parses a response head; false when the exchange ended (failed, or complete without a body).
   * `last`: nothing follows the head in this read (a body-less response must not be followed).
   */
  #onHead(ex: Exchange, text: string, last: boolean): boolean {
    const lines = text.split(LINE_END);
    const m = STATUS_LINE.exec(lines[0]);
    if (!m) return (this.#fail('bad status line'), false);
    const status = Number(m[2]);
    const headers: UpstreamHeaders = {};
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k];
      const c = line.indexOf(':');
      if (c <= 0) return (this.#fail('bad header line'), false);
      const name = line.slice(0, c);
      if (!TOKEN.test(name)) return (this.#fail('bad header name'), false);
      const value = line.slice(c + 1).trim();
      if (value.includes('\0') || value.includes('\n') || value.includes('\r')) return (this.#fail('bad header value'), false);
      const key = name.toLowerCase();
      const prev = headers[key];
      if (prev === undefined) headers[key] = value;
      else if (Array.isArray(prev)) prev.push(value);
      else headers[key] = [prev, value];
    }
    if (status < 200) {
      if (status === 101) return (this.#fail('unexpected upgrade'), false);
      this.#state = S.Head; // 1xx informational: the response follows
      this.#headDeadline = Date.now() + this.#pool.o.headersTimeout;
      return true;
    }
    const conn = String(headers.connection ?? '').toLowerCase();
    this.#keepAlive = m[1] === '1' ? !/(^|[\s,])close([\s,]|$)/.test(conn) : /(^|[\s,])keep-alive([\s,]|$)/.test(conn);
    const ka = /timeout=(\d+)/.exec(String(headers['keep-alive'] ?? ''));
    if (ka) this.#idleTimeout = Math.min(this.#pool.o.keepAliveTimeout, Math.max(0, Number(ka[1]) * 1000 - 1000));
    if (this.#idleTimeout <= 0) this.#keepAlive = false;

    const noBody = ex.method === 'HEAD' || status === 204 || status === 304;
    const te = headers['transfer-encoding'];
    const cl = headers['content-length'];
    let next: S = S.Length;
    if (noBody) this.#remaining = 0;
    else if (te !== undefined) {
      if (cl !== undefined) return (this.#fail('both Content-Length and Transfer-Encoding'), false);
      const codings = (Array.isArray(te) ? te.join(',') : te).toLowerCase().split(',');
      if (codings[codings.length - 1].trim() === 'chunked') next = S.ChunkSize;
      else {
        next = S.UntilClose;
        this.#keepAlive = false;
      }
    } else if (cl !== undefined) {
      const list = Array.isArray(cl) ? cl : [cl];
      if (list.some((v) => v !== list[0]) || !/^\d{1,15}$/.test(list[0])) return (this.#fail('bad Content-Length'), false);
      this.#remaining = Number(list[0]);
    } else {
      next = S.UntilClose;
      this.#keepAlive = false;
    }
    this.#state = next;
    this.#arm(this.#pool.o.bodyTimeout);
    this.#reused = true;
    // The body's handle on this connection, valid for this exchange only (a late resume from a
    // finished body must not touch the next exchange on the same connection).
    ex.st.head(new ExchangeControl(this, ex), status, headers, true);
    if (this.#ex !== ex) return false; // the head's consumer aborted
    if (next === S.Length && this.#remaining === 0) {
      this.#complete(last);
      return false;
    }
    return true;
  }

  /** The response is complete: hand the connection back (or close it), then end the body. */
  #complete(clean: boolean, buf?: Buffer, i = 0, end = 0) {
    const ex = this.#ex!;
    this.#ex = null;
    ex.conn = null;
    ex.done = true;
    this.#state = S.Idle;
    if (this.#paused) {
      this.#paused = false;
      this.#arm(this.#pool.o.bodyTimeout); // pause() disarmed it: an idle connection must still time out
    }
    this.#pending = null;
    // Bytes past the end of a response on a keep-alive connection: the framing cannot be trusted.
    if (buf && i < end) clean = false;
    if (clean && this.#keepAlive && this.usable) {
      this.#socket.resume();
      this.#pool.release(this);
    } else this.destroy();
    ex.body!.end();
  }
}
