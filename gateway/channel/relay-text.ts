// The hot path of co-browsing (scroll and pointer at 30 Hz): a relayed frame is the validated
// frame's own text with `sessionId` and `from` appended, instead of a parse → spread → stringify
// round trip. JSON.parse keeps the last of duplicate keys, so a sender cannot override either.
// Frames the gateway edits (masked form values) are re-serialised.
import type { ClientFrame } from '../../protocol/index.ts';

/** Relayed exactly as sent (plus sessionId and from); `form` is not, since masked values are stripped. */
const SPLICEABLE = new Set(['typing', 'scroll', 'pointer', 'focus', 'draw', 'highlight', 'viewport', 'resync', 'history', 'read']);

export function relayText(raw: string | null, sessionId: string, from: 'visitor' | 'agent', f: ClientFrame): string {
  if (raw && SPLICEABLE.has(f.type)) {
    const end = raw.lastIndexOf('}');
    if (end > 0) return `${raw.slice(0, end)},"sessionId":${JSON.stringify(sessionId)},"from":"${from}"}`;
  }
  return JSON.stringify({ ...f, sessionId, from });
}
