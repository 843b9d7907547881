// Small helpers around uWS responses. uWS rules they encode: a response is unusable after
// onAborted fires, async writes must be corked, and the request object is only valid synchronously.
import { STATUS_CODES } from 'node:http';
import type { HttpRequest, HttpResponse } from '../uws.ts';
import { GatewayError, GatewayErrors, type GatewayErrorCode } from '../errors.ts';

export interface ResState {
  aborted: boolean;
  /** The response was ended: like an abort, the uWS object must not be touched again. */
  done: boolean;
  onAbort: (() => void)[];
}

/** Marks the response as tracked for aborts; call synchronously in the handler, before going async. */
export function track(res: HttpResponse): ResState {
  const state: ResState = { aborted: false, done: false, onAbort: [] };
  res.onAborted(() => {
    state.aborted = true;
    for (const f of state.onAbort) f();
  });
  return state;
}

export const statusLine = (status: number) => `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;

export function send(
  res: HttpResponse,
  state: ResState | null,
  status: number,
  headers: Iterable<[string, string]> | Record<string, string>,
  body: string | Uint8Array = '',
): void {
  if (state?.aborted || state?.done) return;
  if (state) state.done = true;
  res.cork(() => {
    res.writeStatus(statusLine(status));
    const list = Symbol.iterator in headers ? (headers as Iterable<[string, string]>) : Object.entries(headers);
    for (const [k, v] of list) res.writeHeader(k, v);
    res.end(body);
  });
}

export function sendJson(res: HttpResponse, state: ResState | null, status: number, body: unknown, headers: Record<string, string> = {}) {
  send(res, state, status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers }, JSON.stringify(body));
}

export function sendError(res: HttpResponse, state: ResState | null, err: GatewayError | GatewayErrorCode, headers: Record<string, string> = {}) {
  const e = typeof err === 'string' ? new GatewayError(err) : err;
  const retry: Record<string, string> = e.retryAfterSeconds !== undefined ? { 'retry-after': String(e.retryAfterSeconds) } : {};
  sendJson(res, state, e.status, { code: e.code, message: e.message }, { ...retry, ...headers });
}

export { GatewayErrors };

/** Answers a failed async handler: its own GatewayError, or a logged CB_ERR_INTERNAL. */
export function sendFailure(res: HttpResponse, state: ResState, err: unknown, log?: { error: (o: object, msg: string) => void }, where?: string) {
  if (state.aborted || state.done) return;
  if (err instanceof GatewayError) return sendError(res, state, err);
  log?.error({ err, where }, 'request handler failed');
  sendError(res, state, 'CB_ERR_INTERNAL');
}

/** Reads the whole body, refusing more than `limit` bytes. */
export function readBody(res: HttpResponse, state: ResState, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    state.onAbort.push(() => reject(new Error('aborted')));
    res.onData((ab, isLast) => {
      size += ab.byteLength;
      if (size > limit) {
        reject(new GatewayError('CB_ERR_BODY_TOO_LARGE', `Limit is ${limit} bytes.`));
        return;
      }
      chunks.push(Buffer.from(ab.slice(0))); // uWS reuses the ArrayBuffer after this callback
      if (isLast) resolve(Buffer.concat(chunks));
    });
  });
}

/** Copies the headers a handler needs out of the request (valid only synchronously). */
export function headersOf(req: HttpRequest): Record<string, string> {
  const h: Record<string, string> = {};
  req.forEach((k, v) => {
    h[k] = h[k] ? `${h[k]}, ${v}` : v;
  });
  return h;
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const k = part.slice(0, i).trim();
    if (k && !(k in out)) {
      try {
        out[k] = decodeURIComponent(part.slice(i + 1).trim());
      } catch {
        out[k] = part.slice(i + 1).trim();
      }
    }
  }
  return out;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
