import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_FRAME_BYTES, parseClientFrame, parseFrameUp, parseServerFrame, WireErrors } from '../../../protocol/index.ts';

describe('the one validator', () => {
  it('accepts well-formed frames of every side', () => {
    expect(parseClientFrame('{"type":"chat","clientId":"a1","text":"hi"}')).toMatchObject({ ok: true });
    expect(parseClientFrame({ type: 'scroll', scroll: { target: '', anchor: '#a', offset: -3, ratio: 0.5 } })).toMatchObject({ ok: true });
    expect(parseServerFrame({ type: 'queue.position', sessionId: 'abc', position: 2, estimatedWaitSeconds: null, agentsOnline: 1 })).toMatchObject({ ok: true });
    expect(parseFrameUp({ cb: 1, type: 'nav', url: 'https://x.test/', kind: 'push' })).toMatchObject({ ok: true });
  });

  it.each([
    ['not json', 'CB_ERR_FRAME_JSON'],
    ['[]', 'CB_ERR_FRAME_SCHEMA'],
    ['{"type":"nope"}', 'CB_ERR_FRAME_SCHEMA'],
    ['{"type":"chat","clientId":"a b","text":"x"}', 'CB_ERR_FRAME_SCHEMA'],
    ['{"type":"chat","clientId":"a","text":""}', 'CB_ERR_FRAME_SCHEMA'],
    ['{"type":"pointer","path":"","fx":1e999,"fy":0}', 'CB_ERR_FRAME_SCHEMA'],
    ['{"type":"end","rating":9}', 'CB_ERR_FRAME_SCHEMA'],
  ])('refuses %s with %s', (raw, code) => {
    const r = parseClientFrame(raw);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe(code);
      expect(r.message.startsWith(WireErrors[r.code as keyof typeof WireErrors])).toBe(true);
    }
  });

  it('refuses frames over the size limit before parsing', () => {
    const r = parseClientFrame(JSON.stringify({ type: 'chat', clientId: 'x', text: 'y'.repeat(MAX_FRAME_BYTES) }));
    expect(r).toMatchObject({ ok: false, code: 'CB_ERR_FRAME_TOO_LARGE' });
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.anything()), (x) => {
        const r = parseClientFrame(x);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 2000 },
    );
  });
});
