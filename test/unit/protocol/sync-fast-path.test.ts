// The pointer/scroll fast path must be exactly as strict as the full validator: same accept/reject,
// same error code and message, same output, on random and adversarial inputs.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_PATH_CHARS } from '../../../protocol/limits.ts';
import { fastSyncFrame } from '../../../protocol/sync-fast-path.ts';
import { agreeWith } from './fast-path-agree.ts';

const edgeStrings = fc.oneof(
  fc.constantFrom('', 'a', 'abc_DEF-09', 'sp ace', 'é', 'a.b', '\u0000', 'x'.repeat(64), 'x'.repeat(65), 'p'.repeat(MAX_PATH_CHARS), 'p'.repeat(MAX_PATH_CHARS + 1)),
  fc.string({ maxLength: 70 }),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,66}$/),
);
const edgeNumbers = fc.oneof(
  fc.constantFrom(0, -0, 1, -1, 2, 2.0000001, -1.0000001, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.MAX_VALUE, Number.MIN_VALUE, 1e308),
  fc.double(),
  fc.integer(),
);
const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: edgeStrings, weight: 3 },
  { arbitrary: edgeNumbers, weight: 3 },
  { arbitrary: fc.constantFrom(true, false, null, undefined, [], {}, [1], { target: '' }), weight: 2 },
);
/** Either a plausible value for the field or anything at all. */
const field = (good: fc.Arbitrary<unknown>) => fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: anyValue, weight: 1 });
const optionalKey = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 2 });

const scrollState = fc
  .record(
    {
      target: field(edgeStrings),
      anchor: field(edgeStrings),
      offset: field(edgeNumbers),
      ratio: field(fc.oneof(fc.double({ min: -1.5, max: 2.5 }), fc.constantFrom(-1, 2, 0.5))),
      x: field(edgeNumbers),
      extra: anyValue,
    },
    { requiredKeys: [] },
  )
  .map((o) => o as unknown);

const frame = fc.oneof(
  fc.record(
    {
      type: fc.oneof({ arbitrary: fc.constant('pointer'), weight: 6 }, { arbitrary: fc.constantFrom('scroll', 'Pointer', 'form', 1), weight: 1 }),
      sessionId: field(edgeStrings),
      path: field(edgeStrings),
      fx: field(edgeNumbers),
      fy: field(edgeNumbers),
      click: field(fc.boolean()),
      from: anyValue,
    },
    { requiredKeys: ['type'] },
  ),
  fc.record(
    {
      type: fc.oneof({ arbitrary: fc.constant('scroll'), weight: 6 }, { arbitrary: fc.constantFrom('pointer', 'ping'), weight: 1 }),
      sessionId: field(edgeStrings),
      scroll: fc.oneof({ arbitrary: scrollState, weight: 5 }, { arbitrary: anyValue, weight: 1 }),
      junk: optionalKey(anyValue),
    },
    { requiredKeys: ['type'] },
  ),
  anyValue,
);

const agree = agreeWith(fastSyncFrame, ['pointer', 'scroll'], 'sync');

describe('pointer/scroll fast path', () => {
  it('agrees with the full validator on parsed objects (accept/reject, code, message, output)', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(frame, (input) => {
        agree(input);
        if (fastSyncFrame(input) !== null) accepted++;
        else refused++;
      }),
      { numRuns: 20_000 },
    );
    // The generator must reach both sides of the fast path often.
    expect(accepted).toBeGreaterThan(1_000);
    expect(refused).toBeGreaterThan(1_000);
  });

  it('agrees on JSON text, including malformed and oversized text', () => {
    fc.assert(
      fc.property(frame, fc.nat(40), (input, cut) => {
        const text = JSON.stringify(input) ?? 'undefined';
        agree(text);
        agree(text.slice(0, text.length - cut));
      }),
      { numRuns: 10_000 },
    );
    agree(`{"type":"pointer","path":"${'p'.repeat(70_000)}","fx":0,"fy":0}`);
    agree('{"type":"pointer","path":"a","fx":1e999,"fy":0}');
    agree('{"type":"pointer","path":"a","fx":0,"fy":0,"__proto__":{"click":"x"}}');
    agree('{"__proto__":{"type":"pointer"},"path":"a","fx":0,"fy":0}');
  });

  it('handles inherited keys and undefined values as valibot does', () => {
    const proto = { path: 'inherited', fx: 0.5, fy: 0.5 };
    agree(Object.assign(Object.create(proto), { type: 'pointer' }));
    agree({ type: 'pointer', path: 'a', fx: 0, fy: 0, click: undefined, sessionId: undefined });
    agree({ type: 'scroll', scroll: { target: '', anchor: '', offset: 0, ratio: undefined, x: undefined } });
    agree({ type: 'scroll', scroll: ['', '', 0] });
    agree({ type: 'pointer', path: 'a', fx: 0, fy: Number.NaN });
  });
});
