// HTTP load generator in its own process: N keep-alive connections, one request in flight on each
// (no pipelining), for a fixed duration, optionally at a fixed overall rate. Latencies go into our
// own HdrHistogram, so the proxy rows report the same p50/p95/p99 as the other scenarios.
//
// It is a small client of its own rather than autocannon because autocannon cost more CPU per
// response than a proxy under test: it reads through Node's stream sockets (a fresh 64 KiB
// ArrayBuffer per read, so a 100 KB response forces major GCs in the load generator itself), parses
// with http-parser-js and appends every body to a string. On the 2-core bench machine that CPU is
// taken from the target under test, the same for every target, which squeezes every ratio towards
// 1. This client reads every socket into one shared buffer (net's `onread`), looks only at the
// status line, the framing headers and the byte counts, and keeps nothing of the body. It speaks
// autocannon's request format (`GET <path> HTTP/1.1`, `Host` unless given, `Connection: keep-alive`,
// then the job's headers) and keeps its result fields and conventions: `requests` are completed
// responses, latency and bytes are counted for 2xx only, `non2xx` and per-status counts for the
// rest, `errors` are connection errors and responses cut short, `timeouts` requests without an answer in 20 s (the
// connection is then replaced), `ticks` the responses completed in each second.
//
// About `overallRate` (kept from autocannon, so fixed-rate rows mean what they meant): the rate is
// split over the connections and each connection sends its share of every second back to back from
// the start of that second, then idles. A "fixed rate" row therefore measures latency at
// `connections` concurrency for part of each second, not an evenly paced open-loop arrival process;
// it is the same for every target in the table.
import net from 'node:net';
import { serve } from '../lib/rpc.ts';
import { encodeHist, newHist, type Hist } from '../lib/hdr.ts';

interface Job {
  url: string;
  headers?: Record<string, string>;
  connections: number;
  durationSec: number;
  overallRate?: number;
  timeoutSec?: number;
}

/** Shared by every connection: each read is consumed before the next can arrive. */
const READ_BUFFER = Buffer.allocUnsafe(64 * 1024);
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CHUNKED = /\r\ntransfer-encoding:[^\r\n]*chunked/i;

interface Tally {
  requests: number;
  bytes: number;
  non2xx: number;
  statusOther: Record<string, number>;
  errors: number;
  timeouts: number;
  hist: Hist;
  tick: number;
}

const enum S {
  Head,
  Length,
  ChunkLine,
  ChunkData,
  Trailers,
  UntilClose,
}

class Conn {
  #socket: net.Socket | null = null;
  #state = S.Head;
  #head: Buffer | null = null;
  #line = '';
  #remaining = 0;
  #status = 0;
  #bytes = 0;
  #sentAt = 0;
  #inFlight = false;
  #sentThisSecond = 0;
  #waitingForSecond = false;
  #stopped = false;
  #interval: NodeJS.Timeout | null = null;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly request: Buffer,
    private readonly rate: number,
    private readonly timeoutMs: number,
    private readonly t: Tally,
  ) {
    if (rate) {
      this.#interval = setInterval(() => {
        this.#sentThisSecond = 0;
        if (this.#waitingForSecond) {
          this.#waitingForSecond = false;
          this.#send();
        }
      }, 1000);
    }
    this.#connect();
  }

  #connect() {
    const s = net.connect({
      host: this.host,
      port: this.port,
      noDelay: true,
      onread: { buffer: READ_BUFFER, callback: (n: number, buf: Buffer) => this.#onRead(buf, n) },
    });
    this.#socket = s;
    s.setTimeout(this.timeoutMs);
    s.on('timeout', () => {
      if (this.#inFlight) this.t.timeouts++;
      this.#reconnect(s);
    });
    s.on('error', () => {
      if (this.#stopped) return;
      this.t.errors++;
      this.#reconnect(s);
    });
    s.on('end', () => {
      if (this.#state === S.UntilClose && this.#inFlight) this.#complete();
      // Closed in the middle of a response: that response is lost, and counted as an error. (Closed
      // before any byte of it: an idle keep-alive connection the server let go; sent again.)
      else if (this.#inFlight && this.#bytes > 0 && !this.#stopped) this.t.errors++;
      this.#reconnect(s);
    });
    this.#state = S.Head;
    this.#head = null;
    this.#inFlight = false;
    this.#send();
  }

  #reconnect(s: net.Socket) {
    s.destroy();
    if (this.#stopped || s !== this.#socket) return;
    this.#connect();
  }

  #send() {
    if (this.#stopped || this.#inFlight) return;
    if (this.rate && this.#sentThisSecond++ >= this.rate) {
      this.#waitingForSecond = true;
      return;
    }
    this.#inFlight = true;
    this.#state = S.Head;
    this.#bytes = 0;
    this.#sentAt = performance.now();
    this.#socket!.write(this.request);
  }

  #complete() {
    const t = this.t;
    const ms = performance.now() - this.#sentAt;
    this.#inFlight = false;
    t.requests++;
    t.tick++;
    if (this.#status >= 200 && this.#status < 300) {
      t.hist.recordValue(Math.max(1, Math.round(ms * 1000)));
      t.bytes += this.#bytes;
    } else {
      t.non2xx++;
      t.statusOther[this.#status] = (t.statusOther[this.#status] ?? 0) + 1;
    }
    this.#send();
  }

  #onRead(buf: Buffer, n: number): boolean {
    if (this.#stopped) return false;
    if (!this.#inFlight) {
      this.#reconnect(this.#socket!); // bytes nobody asked for
      return false;
    }
    this.#bytes += n;
    let i = 0;
    while (i < n && this.#inFlight) {
      switch (this.#state) {
        case S.Head: {
          let src = buf;
          let from = i;
          let to = n;
          if (this.#head) {
            src = Buffer.concat([this.#head, buf.subarray(i, n)]);
            from = 0;
            to = src.length;
          }
          const rel = src.subarray(from, to).indexOf(CRLFCRLF);
          if (rel < 0) {
            this.#head = Buffer.from(src.subarray(from, to));
            return true;
          }
          this.#head = null;
          const head = src.toString('latin1', from, from + rel + 2);
          i = n - (to - (from + rel + 4));
          this.#status = Number(head.slice(9, 12));
          const cl = CONTENT_LENGTH.exec(head);
          if (this.#status === 204 || this.#status === 304 || (this.#status >= 100 && this.#status < 200)) {
            if (this.#status < 200) break; // informational: the response follows
            this.#complete();
          } else if (CHUNKED.test(head)) this.#state = S.ChunkLine;
          else if (cl) {
            this.#remaining = Number(cl[1]);
            this.#state = S.Length;
            if (this.#remaining === 0) this.#complete();
          } else this.#state = S.UntilClose;
          break;
        }
        case S.Length: {
          const take = Math.min(this.#remaining, n - i);
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#complete();
          break;
        }
        case S.ChunkLine:
        case S.Trailers: {
          const lf = buf.subarray(i, n).indexOf(10);
          if (lf < 0) {
            this.#line += buf.toString('latin1', i, n);
            i = n;
            break;
          }
          const line = (this.#line + buf.toString('latin1', i, i + lf)).trim();
          this.#line = '';
          i += lf + 1;
          if (this.#state === S.Trailers) {
            if (line === '') this.#complete();
            break;
          }
          const size = parseInt(line, 16);
          if (size === 0) this.#state = S.Trailers;
          else {
            this.#remaining = size + 2; // data and its CRLF
            this.#state = S.ChunkData;
          }
          break;
        }
        case S.ChunkData: {
          const take = Math.min(this.#remaining, n - i);
          this.#remaining -= take;
          i += take;
          if (this.#remaining === 0) this.#state = S.ChunkLine;
          break;
        }
        case S.UntilClose:
          i = n;
          break;
      }
    }
    return true;
  }

  stop() {
    this.#stopped = true;
    if (this.#interval) clearInterval(this.#interval);
    this.#socket?.destroy();
  }
}

/** autocannon's split of an overall rate over connections. */
const share = (total: number, connections: number, i: number) => Math.floor(total / connections) + (i + 1 <= total % connections ? 1 : 0);

function run(j: Job) {
  const u = new URL(j.url);
  const headers = j.headers ?? {};
  const lines = [`GET ${u.pathname}${u.search} HTTP/1.1`];
  if (!Object.keys(headers).some((k) => k.toLowerCase() === 'host')) lines.push(`Host: ${u.host}`);
  lines.push('Connection: keep-alive');
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  const request = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'utf8');
  const connections = j.overallRate && j.overallRate < j.connections ? j.overallRate : j.connections;
  const t: Tally = { requests: 0, bytes: 0, non2xx: 0, statusOther: {}, errors: 0, timeouts: 0, hist: newHist(), tick: 0 };
  const ticks: number[] = [];
  const started = Date.now();
  const conns = Array.from(
    { length: connections },
    (_, i) => new Conn(u.hostname, Number(u.port || 80), request, j.overallRate ? share(j.overallRate, connections, i) : 0, (j.timeoutSec ?? 20) * 1000, t),
  );
  const second = setInterval(() => {
    ticks.push(t.tick);
    t.tick = 0;
  }, 1000);
  return new Promise((resolve) => {
    setTimeout(() => {
      for (const c of conns) c.stop();
      clearInterval(second);
      const durationSec = Math.round((Date.now() - started) / 10) / 100;
      resolve({
        requests: t.requests,
        durationSec,
        reqPerSec: t.requests / durationSec,
        bytesPerSec: t.bytes / durationSec,
        non2xx: t.non2xx,
        statusOther: t.statusOther,
        errors: t.errors,
        timeouts: t.timeouts,
        hist: encodeHist(t.hist),
        ticks,
      });
    }, j.durationSec * 1000);
  });
}

serve({ run });
