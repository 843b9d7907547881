// The hot path of co-browsing (scroll and pointer at 10-30 Hz): a relayed frame is the validated
// frame's own text with `sessionId` and `from` appended, instead of a parse → spread → stringify
// round trip. JSON.parse keeps the last of duplicate keys, so a sender cannot override either.
// Frames the gateway edits (masked form values) are re-serialised.
import type { ClientFrame } from '../../protocol/index.ts';

/** Relayed exactly as sent (plus sessionId and from); `form` is not, since masked values are stripped. */
const SPLICEABLE = new Set(['typing', 'scroll', 'pointer', 'focus', 'draw', 'highlight', 'viewport', 'resync', 'history', 'read']);

/** What is appended to a relayed frame's text in place of its closing brace. */
export function relayTail(sessionId: string, from: 'visitor' | 'agent'): string {
  return `,"sessionId":${JSON.stringify(sessionId)},"from":"${from}"}`;
}

/** `tail`: relayTail(sessionId, from), when the caller keeps it (the visitor's per-socket relay target). */
export function relayText(raw: string | null, sessionId: string, from: 'visitor' | 'agent', f: ClientFrame, tail?: string): string {
  if (raw && SPLICEABLE.has(f.type)) {
    // A frame that parsed as an object ends with `}` but for trailing whitespace.
    const end = raw.lastIndexOf('}');
    if (end > 0) return raw.slice(0, end) + (tail ?? relayTail(sessionId, from));
  }
  return JSON.stringify({ ...f, sessionId, from });
}
