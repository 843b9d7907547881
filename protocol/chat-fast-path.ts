// Fast path for chat frames (one a second per party and session, the second most common frame
// after pointer and scroll): a hand-written check of exactly what protocol/messages.ts's `chat`
// schema accepts, as sync-fast-path.ts does for pointer and scroll, with the same rules: it only
// ever accepts (anything it refuses goes to the full validator, which produces the error), and its
// output is identical to valibot's (keys in schema order, unknown keys dropped, a present key whose
// value is undefined kept). test/unit/protocol/chat-fast-path.test.ts checks both on random and
// adversarial inputs.
import { MAX_CHAT_CHARS } from './limits.ts';
import type { ClientFrameOf } from './messages.ts';
import { isId, isObject, optionalId, type Obj } from './fast-path-rules.ts';

type Chat = ClientFrameOf<'chat'>;

/** The validated chat frame, or null: not a chat frame, or not a valid one (ask the full validator). */
export function fastChatFrame(input: unknown): Chat | null {
  if (!isObject(input)) return null;
  const o = input;
  if (o.type !== 'chat') return null;
  const out: Obj = { type: 'chat' };
  if (!optionalId(o, out, 'sessionId')) return null;
  if (!('clientId' in o) || !isId(o.clientId)) return null;
  out.clientId = o.clientId;
  if (!('text' in o)) return null;
  const text = o.text;
  if (typeof text !== 'string' || text.length < 1 || text.length > MAX_CHAT_CHARS) return null;
  out.text = text;
  return out as Chat;
}
