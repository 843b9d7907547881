// Streams an upstream body to a uWS response with backpressure, never holding it whole. With a
// known length (Content-Length) it uses uWS's tryEnd, so the browser gets the length (progress bars,
// range requests) instead of chunked encoding; without one it writes chunks. Either way, when the
// socket is full the sink tells the upstream body to stop (undici then stops reading the origin)
// until uWS says the socket is writable again.
//
// The status line and headers go out in the same corked write as the first body chunk: one send
// instead of two, and the client is woken once. One sink object per response, with its callbacks
// bound once, so a chunk costs a cork and a tryEnd and allocates nothing of ours.
import type { HttpResponse } from '../uws.ts';
import { statusLine, type ResState } from '../http/respond.ts';
import type { BodySink, UpstreamBody } from './upstream-fetch.ts';

export function streamResponse(res: HttpResponse, state: ResState, status: number, headers: [string, string][], body: UpstreamBody, head = false): void {
  if (state.aborted || state.done) return void body.destroy();
  let total: number | null = null;
  for (let i = 0; i < headers.length; i++) {
    if (headers[i][0] === 'content-length') total = /^\d+$/.test(headers[i][1]) ? Number(headers[i][1]) : null;
  }

  if (head || status === 204 || status === 304) {
    body.dump();
    state.done = true;
    return void res.cork(() => {
      writeHead(res, status, headers);
      // uWS leaves a keep-alive connection unusable after reporting a non-zero length without a
      // body, so that case closes the connection (the client reconnects; HEAD is rare).
      if (total && status !== 204 && status !== 304) res.endWithoutBody(total, true);
      else res.endWithoutBody();
    });
  }

  const sink = new UwsSink(res, state, status, headers, total, body);
  state.onAbort.push(() => body.destroy());
  body.pipe(sink);
}

function writeHead(res: HttpResponse, status: number, headers: [string, string][]) {
  res.writeStatus(statusLine(status));
  for (let i = 0; i < headers.length; i++) {
    const h = headers[i];
    if (h[0] !== 'content-length') res.writeHeader(h[0], h[1]); // uWS frames the body
  }
}

class UwsSink implements BodySink {
  #headPending = true;
  /** The chunk being written (by #corked), then the one waiting for onWritable. */
  #chunk: Buffer | null = null;
  /** Write offset before #chunk was handed to tryEnd: onWritable's offset minus this is what went out. */
  #startOffset = 0;
  #ok = true;
  #done = false;
  readonly #corked: () => void;
  readonly #writable: (offset: number) => boolean;
  readonly #endCorked: () => void;

  constructor(
    private readonly res: HttpResponse,
    private readonly state: ResState,
    private readonly status: number,
    private readonly headers: [string, string][],
    private readonly total: number | null,
    private readonly body: UpstreamBody,
  ) {
    this.#corked = () => this.#write();
    this.#writable = (offset) => this.#onWritable(offset);
    this.#endCorked = () => {
      if (this.#headPending) {
        this.#headPending = false;
        writeHead(this.res, this.status, this.headers);
      }
      this.res.end();
    };
  }

  #write() {
    const res = this.res;
    if (this.#headPending) {
      this.#headPending = false;
      writeHead(res, this.status, this.headers);
    }
    if (this.total === null) {
      this.#ok = res.write(this.#chunk!);
      return;
    }
    this.#startOffset = res.getWriteOffset();
    const r = res.tryEnd(this.#chunk!, this.total);
    this.#ok = r[0];
    this.#done = r[1];
  }

  data(chunk: Buffer): boolean {
    const state = this.state;
    if (state.aborted || state.done) return true; // drained and dropped; the upstream runs to its end
    this.#chunk = chunk;
    this.res.cork(this.#corked);
    if (this.#done) {
      // The whole length went out (maybe buffered by uWS): the response is complete.
      state.done = true;
      this.#chunk = null;
      return true;
    }
    if (this.#ok) {
      this.#chunk = null;
      return true;
    }
    // The socket is full. write() kept the whole chunk; tryEnd kept nothing past the offset it
    // reports, so the rest of the chunk is resent from onWritable — copied first when the chunk is
    // a view of a read buffer its client reuses (upstream-h1.ts).
    if (this.total === null) this.#chunk = null;
    else {
      const offset = this.res.getWriteOffset();
      const rest = chunk.subarray(offset - this.#startOffset);
      this.#chunk = this.body.transient ? Buffer.from(rest) : rest;
      this.#startOffset = offset;
    }
    this.res.onWritable(this.#writable);
    return false;
  }

  #onWritable(offset: number): boolean {
    const state = this.state;
    if (state.aborted || state.done) return true;
    if (this.total === null) {
      this.body.resume();
      return true;
    }
    const [ok, done] = this.res.tryEnd(this.#chunk!.subarray(offset - this.#startOffset), this.total);
    if (done) {
      state.done = true;
      this.#chunk = null;
      this.body.resume(); // let undici read the upstream to its end, so its connection is reused
    } else if (ok) {
      this.#chunk = null;
      this.body.resume();
    }
    return ok;
  }

  end(): void {
    const state = this.state;
    if (state.aborted || state.done) return;
    state.done = true;
    // A length was promised and not delivered: close rather than end a truncated body as complete.
    if (this.total) this.res.close();
    else this.res.cork(this.#endCorked);
  }

  error(): void {
    const state = this.state;
    if (state.aborted || state.done) return;
    state.done = true;
    this.res.close();
  }
}
