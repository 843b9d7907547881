// Fast path for chat frames (one a second per party and session, the second most common frame
// after pointer and scroll): a hand-written check of exactly what protocol/messages.ts's `chat`
// schema accepts, as sync-fast-path.ts does for pointer and scroll, with the same rules: it only
// ever accepts (anything it refuses goes to the full validator, which produces the error), and its
// output is identical to valibot's (keys in schema order, unknown keys dropped, a present key whose
// value is undefined kept). test/unit/protocol/chat-fast-path.test.ts checks both on random and
// adversarial inputs.
import { MAX_CHAT_CHARS } from './limits.ts';
import type { ClientFrameOf } from './messages.ts';

const ID = /^[A-Za-z0-9_-]+$/;

type Obj = Record<string, unknown>;
const isId = (x: unknown): x is string => typeof x === 'string' && x.length >= 1 && x.length <= 64 && ID.test(x);

type Chat = ClientFrameOf<'chat'>;

/** The validated chat frame, or null: not a chat frame, or not a valid one (ask the full validator). */
export function fastChatFrame(input: unknown): Chat | null {
  if (!input || typeof input !== 'object') return null;
  const o = input as Obj;
  if (o.type !== 'chat') return null;
  const out: Obj = { type: 'chat' };
  if ('sessionId' in o) {
    const sid = o.sessionId;
    if (sid !== undefined && !isId(sid)) return null;
    out.sessionId = sid;
  }
  if (!('clientId' in o) || !isId(o.clientId)) return null;
  out.clientId = o.clientId;
  if (!('text' in o)) return null;
  const text = o.text;
  if (typeof text !== 'string' || text.length < 1 || text.length > MAX_CHAT_CHARS) return null;
  out.text = text;
  return out as Chat;
}
