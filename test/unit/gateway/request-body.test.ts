// Regression: a body that arrives in a later packet than the headers must still be delivered
// (resuming a never-paused uWS response used to stall it), and large bodies stream with backpressure.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uws, type us_listen_socket } from '../../../gateway/uws.ts';
import { track } from '../../../gateway/http/respond.ts';
import { requestBodyStream } from '../../../gateway/proxy/request-body.ts';

let port = 0;
let token: us_listen_socket;

beforeAll(async () => {
  const app = uws.App().post('/*', (res) => {
    const state = track(res);
    const body = requestBodyStream(res, state, 10 * 1024 * 1024);
    let n = 0;
    // Read slowly, as an upstream would under load, to exercise pause/resume.
    body.on('data', (c: Buffer) => {
      n += c.length;
      body.pause();
      setTimeout(() => body.resume(), 1);
    });
    body.on('end', () => {
      if (!state.aborted) res.cork(() => res.end(`got ${n}`));
    });
    body.on('error', () => {
      if (!state.aborted) res.cork(() => res.writeStatus('413 Payload Too Large').end('too large'));
    });
  });
  await new Promise<void>((resolve) =>
    app.listen('127.0.0.1', 0, (t) => {
      token = t;
      port = uws.us_socket_local_port(t);
      resolve();
    }),
  );
});
afterAll(() => uws.us_listen_socket_close(token));

function post(bodyLength: number, delayMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let out = '';
    s.on('data', (c) => {
      out += c;
      if (/got \d+|too large/.test(out)) {
        s.destroy();
        resolve(out.split('\r\n').pop()!);
      }
    });
    s.on('error', reject);
    s.write(`POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${bodyLength}\r\n\r\n`);
    setTimeout(() => s.write(Buffer.alloc(bodyLength, 120)), delayMs);
    setTimeout(() => reject(new Error(`no reply; got ${JSON.stringify(out)}`)), 5000);
  });
}

describe('request body stream', () => {
  it('delivers a body sent after the headers', async () => {
    expect(await post(5000, 50)).toBe('got 5000');
  });
  it('streams a large body with backpressure', async () => {
    expect(await post(4 * 1024 * 1024, 0)).toBe(`got ${4 * 1024 * 1024}`);
  });
});
