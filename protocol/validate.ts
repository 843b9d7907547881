// The one validator. Every side parses what it receives through these functions.
import * as v from 'valibot';
import { WireErrors, type WireErrorCode } from './errors.ts';
import { MAX_FRAME_BYTES } from './limits.ts';
import { ClientFrame, ServerFrame } from './messages.ts';
import { FrameDown, FrameUp } from './frame.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: WireErrorCode; message: string };

function fail(code: WireErrorCode, detail?: string): { ok: false; code: WireErrorCode; message: string } {
  return { ok: false, code, message: detail ? `${WireErrors[code]} (${detail})` : WireErrors[code] };
}

function parseWith<S extends v.GenericSchema>(schema: S, raw: unknown): Parsed<v.InferOutput<S>> {
  let data = raw;
  if (typeof raw === 'string') {
    if (raw.length > MAX_FRAME_BYTES) return fail('CB_ERR_FRAME_TOO_LARGE');
    try {
      data = JSON.parse(raw);
    } catch {
      return fail('CB_ERR_FRAME_JSON');
    }
  }
  const r = v.safeParse(schema, data);
  if (r.success) return { ok: true, value: r.output };
  const issue = r.issues[0];
  const where = issue.path?.map((p) => String(p.key)).join('.') || 'frame';
  return fail('CB_ERR_FRAME_SCHEMA', `${where}: ${issue.message}`);
}

/** A frame from a visitor or agent socket (JSON text or an already-parsed object). */
export const parseClientFrame = (raw: unknown) => parseWith(ClientFrame, raw);
/** A frame from the gateway, as the shell and console receive it. */
export const parseServerFrame = (raw: unknown) => parseWith(ServerFrame, raw);
/** A postMessage from a proxied page's overlay to its embedding window. */
export const parseFrameUp = (raw: unknown) => parseWith(FrameUp, raw);
/** A postMessage from the embedding window to the overlay. */
export const parseFrameDown = (raw: unknown) => parseWith(FrameDown, raw);
