// A request body from uWS as a Node Readable, for undici to stream upstream with backpressure:
// when the Readable's buffer is full we pause the uWS response, and resume it when undici reads.
import { Readable } from 'node:stream';
import type { HttpResponse } from '../uws.ts';
import type { ResState } from '../http/respond.ts';
import { GatewayError } from '../errors.ts';

export function requestBodyStream(res: HttpResponse, state: ResState, limit: number, contentLength?: string): Readable {
  let size = 0;
  // Resume only what we paused: resuming a response that was never paused makes uWS stop
  // delivering a body that arrives in a later packet than the headers (Chromium does this).
  let paused = false;
  const stream = new Readable({
    read() {
      if (paused && !state.aborted && !state.done) {
        paused = false;
        res.resume();
      }
    },
  });
  state.onAbort.push(() => stream.destroy(new Error('client aborted')));
  res.onData((ab, isLast) => {
    size += ab.byteLength;
    if (size > limit) {
      stream.destroy(new GatewayError('CB_ERR_BODY_TOO_LARGE', `Limit is ${limit} bytes.`));
      return;
    }
    if (!stream.push(Buffer.from(ab.slice(0))) && !state.done && !isLast) {
      paused = true;
      res.pause();
    }
    if (isLast) stream.push(null);
  });
  if (contentLength === '0') stream.push(null);
  return stream;
}
