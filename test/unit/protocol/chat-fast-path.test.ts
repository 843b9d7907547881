// The chat fast path must be exactly as strict as the full validator: same accept/reject, same
// error code and message, same output, on random and adversarial inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_CHAT_CHARS } from '../../../protocol/limits.ts';
import { fastChatFrame } from '../../../protocol/chat-fast-path.ts';
import { agreeWith } from './fast-path-agree.ts';

const edgeStrings = fc.oneof(
  fc.constantFrom('', 'a', 'abc_DEF-09', 'sp ace', 'é', 'a.b', '\u0000', 'x'.repeat(64), 'x'.repeat(65), 't'.repeat(MAX_CHAT_CHARS), 't'.repeat(MAX_CHAT_CHARS + 1), '😀'.repeat(MAX_CHAT_CHARS / 2), '😀'.repeat(MAX_CHAT_CHARS / 2) + 'x'),
  fc.string({ maxLength: 70 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,66}$/),
);
const ids = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: edgeStrings, weight: 3 },
  { arbitrary: fc.oneof(fc.double(), fc.integer()), weight: 2 },
  { arbitrary: fc.constantFrom(true, false, null, undefined, [], {}, ['a'], { text: 'a' }), weight: 2 },
);
const field = (good: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: anyValue, weight: 1 });

const frame = fc.oneof(
  fc.record(
    {
      type: fc.oneof({ arbitrary: fc.constant('chat'), weight: 6 }, { arbitrary: fc.constantFrom('Chat', 'note', 'pointer', 1), weight: 1 }),
      sessionId: field(fc.oneof(ids, edgeStrings)),
      clientId: field(fc.oneof({ arbitrary: ids, weight: 3 }, { arbitrary: edgeStrings, weight: 1 })),
      text: field(fc.oneof({ arbitrary: fc.string({ minLength: 1, maxLength: 80 }), weight: 3 }, { arbitrary: edgeStrings, weight: 1 })),
      from: anyValue,
    },
    { requiredKeys: ['type'] },
  ),
  anyValue,
);

const agree = agreeWith(fastChatFrame, ['chat'], 'chat');

describe('chat fast path', () => {
  it('agrees with the full validator on parsed objects (accept/reject, code, message, output)', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(frame, (input) => {
        agree(input);
        if (fastChatFrame(input) !== null) accepted++;
        else refused++;
      }),
      { numRuns: 20_000 },
    );
    expect(accepted).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(1_000);
  });

  it('agrees on JSON text, including malformed text and duplicate keys', () => {
    fc.assert(
      fc.property(frame, fc.nat(40), (input, cut) => {
        const text = JSON.stringify(input) ?? 'undefined';
        agree(text);
        agree(text.slice(0, text.length - cut));
      }),
      { numRuns: 10_000 },
    );
    agree('{"type":"chat","clientId":"c1","text":"a","text":""}');
    agree('{"type":"chat","clientId":"c1","text":"hi","__proto__":{"sessionId":"x y"}}');
    agree('{"__proto__":{"type":"chat"},"clientId":"c1","text":"a"}');
  });

  it('handles inherited keys and undefined values as valibot does', () => {
    agree(Object.assign(Object.create({ clientId: 'c1', text: 'inherited' }), { type: 'chat' }));
    agree({ type: 'chat', clientId: 'c1', text: 'a', sessionId: undefined });
    agree({ type: 'chat', clientId: 'c1', text: undefined });
    agree({ type: 'chat', clientId: 'c1' });
  });
});
