// The one validator. Every side parses what it receives through these functions.
import * as v from 'valibot';
import { WireErrors, type WireErrorCode } from './errors.ts';
import { MAX_FRAME_BYTES } from './limits.ts';
import { ClientFrame, ServerFrame } from './messages.ts';
import { FrameDown, FrameUp } from './frame.ts';
import { fastSyncFrame } from './sync-fast-path.ts';
import { fastChatFrame } from './chat-fast-path.ts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; code: WireErrorCode; message: string };

function fail(code: WireErrorCode, detail?: string): { ok: false; code: WireErrorCode; message: string } {
  return { ok: false, code, message: detail ? `${WireErrors[code]} (${detail})` : WireErrors[code] };
}

function decode(raw: unknown): Parsed<unknown> {
  if (typeof raw !== 'string') return { ok: true, value: raw };
  if (raw.length > MAX_FRAME_BYTES) return fail('CB_ERR_FRAME_TOO_LARGE');
  try {
    return { ok: true, value: JSON.parse(raw) };
  } catch {
    return fail('CB_ERR_FRAME_JSON');
  }
}

function parseWith<S extends v.GenericSchema>(schema: S, raw: unknown): Parsed<v.InferOutput<S>> {
  const decoded = decode(raw);
  return decoded.ok ? validate(schema, decoded.value) : decoded;
}

function validate<S extends v.GenericSchema>(schema: S, data: unknown): Parsed<v.InferOutput<S>> {
  const r = v.safeParse(schema, data);
  if (r.success) return { ok: true, value: r.output };
  const issue = r.issues[0];
  const where = issue.path?.map((p) => String(p.key)).join('.') || 'frame';
  return fail('CB_ERR_FRAME_SCHEMA', `${where}: ${issue.message}`);
}

/**
 * A frame from a visitor or agent socket (JSON text or an already-parsed object). One JSON parse
 * and one validation pass: pointer and scroll frames, most of the traffic, and chat frames take
 * the exact fast paths (sync-fast-path.ts, chat-fast-path.ts); anything they do not accept goes to
 * the full schema, which also gives the error.
 */
export function parseClientFrame(raw: unknown): Parsed<ClientFrame> {
  const decoded = decode(raw);
  if (!decoded.ok) return decoded;
  const fast = fastSyncFrame(decoded.value) ?? fastChatFrame(decoded.value);
  if (fast !== null) return { ok: true, value: fast };
  return validate(ClientFrame, decoded.value);
}

/** The full schema alone, without the fast path: the reference the fast path is tested against. */
export const parseClientFrameFull = (raw: unknown) => parseWith(ClientFrame, raw);
/** A frame from the gateway, as the shell and console receive it. */
export const parseServerFrame = (raw: unknown) => parseWith(ServerFrame, raw);
/** A postMessage from a proxied page's overlay to its embedding window. */
export const parseFrameUp = (raw: unknown) => parseWith(FrameUp, raw);
/** A postMessage from the embedding window to the overlay. */
export const parseFrameDown = (raw: unknown) => parseWith(FrameDown, raw);
