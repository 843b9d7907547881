// Streams an upstream body to a uWS response with backpressure, never holding it whole. With a
// known length (Content-Length) it uses uWS's tryEnd, so the browser gets the length (progress bars,
// range requests) instead of chunked encoding; without one it writes chunks. Either way, when the
// socket is full we stop reading upstream until uWS says it is writable again.
import type { Readable } from 'node:stream';
import type { HttpResponse } from '../uws.ts';
import { statusLine, type ResState } from '../http/respond.ts';

export function streamResponse(res: HttpResponse, state: ResState, status: number, headers: [string, string][], body: Readable, head = false): void {
  if (state.aborted) return void body.destroy();
  const lengthHeader = headers.find(([k]) => k === 'content-length')?.[1];
  const total = lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : null;
  const writeHead = () => {
    res.writeStatus(statusLine(status));
    for (const [k, v] of headers) if (k !== 'content-length') res.writeHeader(k, v); // uWS frames the body
  };

  if (head || status === 204 || status === 304) {
    body.resume();
    state.done = true;
    return void res.cork(() => {
      writeHead();
      // uWS leaves a keep-alive connection unusable after reporting a non-zero length without a
      // body, so that case closes the connection (the client reconnects; HEAD is rare).
      if (total && status !== 204 && status !== 304) res.endWithoutBody(total, true);
      else res.endWithoutBody();
    });
  }

  res.cork(writeHead);
  state.onAbort.push(() => body.destroy());
  /** The rest of a chunk is waiting for the socket to drain. */
  let waiting = false;
  // The response is complete: let the upstream body run to its end rather than destroying it, so
  // undici returns the connection to its keep-alive pool (a destroy would close it).
  const finish = () => {
    state.done = true;
    body.resume();
  };

  body.on('data', (chunk: Buffer) => {
    if (state.aborted || state.done) return;
    if (total === null) {
      let ok = true;
      res.cork(() => {
        ok = res.write(chunk);
      });
      if (!ok) {
        // uWS kept the chunk; wait until the socket drains before reading more from upstream.
        body.pause();
        res.onWritable(() => {
          if (!state.aborted) body.resume();
          return true;
        });
      }
      return;
    }
    const startOffset = res.getWriteOffset();
    let result: [boolean, boolean] = [true, false];
    res.cork(() => {
      result = res.tryEnd(chunk, total);
    });
    const [ok, done] = result;
    if (done) return finish();
    if (!ok) {
      // Part of the chunk is still ours to send: resend the rest from the offset uWS reports.
      waiting = true;
      body.pause();
      res.onWritable((offset) => {
        if (state.aborted || state.done) return true;
        const [ok2, done2] = res.tryEnd(chunk.subarray(offset - startOffset), total);
        if (done2) finish();
        else if (ok2) {
          waiting = false;
          body.resume();
        }
        return ok2;
      });
    }
  });
  body.on('end', () => {
    // The last chunk may still be draining through onWritable, which ends the response itself.
    if (state.aborted || state.done || waiting) return;
    state.done = true;
    // A length was promised and not delivered: close rather than end a truncated body as complete.
    if (total !== null) res.close();
    else res.cork(() => res.end());
  });
  body.on('error', () => {
    if (state.aborted || state.done) return;
    state.done = true;
    res.close();
  });
}
