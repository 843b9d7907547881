// One upstream exchange over undici's dispatch() handler API (onResponseStart / onResponseData /
// onResponseEnd), without the Readable body, AbortSignal and per-chunk stream machinery that
// request() adds: the proxy's hot path for assets. fetchUpstream() resolves at the response head;
// the body then goes to exactly one consumer:
//   - pipe(sink): chunk by chunk, as undici parses them; a sink that cannot take more returns false
//     and calls resume() once drained. While paused, undici stops parsing and reading the upstream
//     socket, so backpressure reaches the origin and nothing is buffered here.
//   - collect(limit): the whole body as one Buffer (HTML and CSS to rewrite), refused over `limit`.
//   - dump(): the rest is read and dropped, so the connection goes back to undici's keep-alive pool.
// Until the consumer attaches (one microtask after the head, unless `onHead` attaches it at once),
// chunks already read are queued; past QUEUE_HIGH_WATER the upstream is paused.
//
// The same UpstreamBody and exchange shape serve upstream-h1.ts, whose chunks are views of one shared
// read buffer ("transient"): valid only during the call, so whatever is kept is copied.
import type { Dispatcher } from 'undici';
import type { UpstreamHeaders } from './response-headers.ts';

export interface BodySink {
  /** A chunk of the body. false: the sink kept it but is full; no more until body.resume(). */
  data(chunk: Buffer): boolean;
  end(): void;
  error(err: Error): void;
}

/** What a body needs from the connection it comes from (undici's DispatchController fits). */
export interface BodyController {
  pause(): void;
  resume(): void;
  abort(reason: Error): void;
}

export interface UpstreamResponse {
  status: number;
  headers: UpstreamHeaders;
  body: UpstreamBody;
}

export interface UpstreamRequest {
  origin: string;
  /** Path and query, as sent on the request line. */
  path: string;
  method: string;
  headers: Record<string, string>;
  body: Dispatcher.DispatchOptions['body'];
}

const QUEUE_HIGH_WATER = 256 * 1024;

const DISCARD: BodySink = { data: () => true, end() {}, error() {} };

export class UpstreamBody {
  #controller: BodyController;
  /** Chunks are views of a buffer that is reused after the call: copy what is kept. */
  readonly transient: boolean;
  #sink: BodySink | null = null;
  #queue: Buffer[] = [];
  #queued = 0;
  #ended = false;
  #error: Error | null = null;
  /** The sink's end() or error() was called: nothing more goes to it. */
  #closed = false;
  /** The sink returned false: it gets nothing until resume(). */
  #sinkFull = false;
  /** We asked undici to stop parsing (and reading) the upstream socket. */
  #upstreamPaused = false;

  constructor(controller: BodyController, transient = false) {
    this.#controller = controller;
    this.transient = transient;
  }

  /** undici → consumer (called from onResponseData). */
  push(chunk: Buffer): void {
    if (this.#closed) return;
    if (this.#sink && !this.#sinkFull && this.#queue.length === 0) {
      if (!this.#sink.data(chunk)) {
        this.#sinkFull = true;
        this.#pauseUpstream();
      }
      return;
    }
    this.#queue.push(this.transient ? Buffer.from(chunk) : chunk);
    this.#queued += chunk.length;
    if (this.#sinkFull || this.#queued > QUEUE_HIGH_WATER) this.#pauseUpstream();
  }

  end(): void {
    this.#ended = true;
    this.#deliverEnd();
  }

  fail(err: Error): void {
    if (this.#closed || this.#ended) return;
    this.#error = err;
    this.#ended = true;
    this.#queue = [];
    this.#queued = 0;
    // An error is told at once, even to a full sink: the response is broken either way.
    if (this.#sink && !this.#closed) {
      this.#closed = true;
      this.#sink.error(err);
    }
  }

  #deliverEnd() {
    if (!this.#sink || this.#closed || this.#sinkFull || this.#queue.length) return;
    this.#closed = true;
    if (this.#error) this.#sink.error(this.#error);
    else this.#sink.end();
  }

  #pauseUpstream() {
    if (this.#upstreamPaused || this.#ended) return;
    this.#upstreamPaused = true;
    this.#controller.pause();
  }

  /** Sends the body to `sink`, starting with what arrived before it attached. */
  pipe(sink: BodySink): void {
    if (this.#sink) throw new Error('upstream body already consumed');
    this.#sink = sink;
    this.#flush();
  }

  /** The sink drained after returning false: deliver what is queued, then let undici read on. */
  resume(): void {
    this.#sinkFull = false;
    this.#flush();
  }

  #flush() {
    const sink = this.#sink!;
    while (this.#queue.length && !this.#sinkFull && !this.#closed) {
      const chunk = this.#queue.shift()!;
      this.#queued -= chunk.length;
      if (!sink.data(chunk)) this.#sinkFull = true;
    }
    if (this.#sinkFull || this.#closed) return;
    if (this.#ended) return this.#deliverEnd();
    if (this.#upstreamPaused) {
      this.#upstreamPaused = false;
      // Not synchronously: undici's resume runs its parser at once, which must not nest in another.
      queueMicrotask(() => this.#controller.resume());
    }
  }

  /** Reads the rest and drops it (keeps the upstream connection reusable). */
  dump(): void {
    if (!this.#sink) return this.pipe(DISCARD);
    if (this.#sink === DISCARD) return;
    this.#sink = DISCARD;
    this.#queue = [];
    this.#queued = 0;
    this.#sinkFull = false;
    this.#flush();
  }

  /** Aborts the upstream request (the client went away, or the rest of the body is unwanted). */
  destroy(reason: Error = new Error('aborted by the proxy')): void {
    if (this.#ended || this.#closed) return;
    this.#controller.abort(reason);
  }

  /** The whole body, at most `limit` bytes (more aborts the upstream and rejects). */
  collect(limit: number, tooLarge: () => Error): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      this.pipe({
        data: (chunk) => {
          if (over) return true;
          size += chunk.length;
          if (size > limit) {
            over = true;
            reject(tooLarge());
            queueMicrotask(() => this.destroy());
            return true;
          }
          chunks.push(this.transient ? Buffer.from(chunk) : chunk);
          return true;
        },
        end: () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)),
        error: reject,
      });
    });
  }
}

/** A request in flight; `abort()` may be called at any time (before the head too). */
export interface UpstreamExchange {
  response: Promise<UpstreamResponse>;
  /**
   * Called synchronously with the response head, before `response` resolves: a consumer that pipes
   * the body here gets the first chunks as they are read, without the queue (and, for transient
   * chunks, without a copy). Must not throw.
   */
  onHead: ((r: UpstreamResponse) => void) | null;
  abort(): void;
}

/** The settling half of an exchange, shared by the undici and the h1 clients. */
export class ExchangeState {
  body: UpstreamBody | null = null;
  onHead: ((r: UpstreamResponse) => void) | null = null;
  readonly response: Promise<UpstreamResponse>;
  #resolve!: (r: UpstreamResponse) => void;
  #reject!: (err: Error) => void;

  constructor() {
    this.response = new Promise<UpstreamResponse>((res, rej) => {
      this.#resolve = res;
      this.#reject = rej;
    });
  }

  head(controller: BodyController, status: number, headers: UpstreamHeaders, transient: boolean): UpstreamBody {
    const body = new UpstreamBody(controller, transient);
    this.body = body;
    const r = { status, headers, body };
    this.onHead?.(r);
    this.#resolve(r);
    return body;
  }

  fail(err: Error): void {
    if (this.body) this.body.fail(err);
    else this.#reject(err);
  }
}

export function fetchUpstream(dispatcher: Dispatcher, req: UpstreamRequest): UpstreamExchange {
  let controller: Dispatcher.DispatchController | null = null;
  let aborted = false;
  const st = new ExchangeState();
  const abortError = () => new Error('client aborted');
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart(c) {
      controller = c;
      if (aborted) c.abort(abortError());
    },
    onResponseStart(c, status, headers) {
      if (status < 200 || st.body) return; // 1xx informational heads are not the response
      st.head(c, status, headers as UpstreamHeaders, false);
    },
    onResponseData(_c, chunk) {
      st.body?.push(chunk);
    },
    onResponseEnd() {
      st.body?.end();
    },
    onResponseError(_c, err) {
      st.fail(err);
    },
  };
  dispatcher.dispatch(
    { origin: req.origin, path: req.path, method: req.method as Dispatcher.HttpMethod, headers: req.headers, body: req.body },
    handler,
  );
  return {
    response: st.response,
    set onHead(f) {
      st.onHead = f;
    },
    get onHead() {
      return st.onHead;
    },
    abort() {
      if (aborted) return;
      aborted = true;
      if (st.body) st.body.destroy(abortError());
      else controller?.abort(abortError());
    },
  };
}
