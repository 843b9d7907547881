// The check both exact fast paths' property tests make (sync-fast-path.test.ts, chat-fast-path.test.ts):
// parseClientFrame (fast path first) answers exactly what the full validator answers, and the fast
// path alone accepts only what the validator accepts, with the same output, and refuses no valid
// frame of its types.
import assert from 'node:assert/strict';
import { parseClientFrame, parseClientFrameFull } from '../../../protocol/validate.ts';

export function agreeWith(fast: (input: unknown) => unknown, types: readonly string[], what: string): (input: unknown) => void {
  return (input) => {
    const full = parseClientFrameFull(input);
    assert.deepStrictEqual(parseClientFrame(input), full);
    const out = fast(typeof input === 'string' ? safeJson(input) : input);
    if (out !== null) {
      assert.ok(full.ok, `fast path accepted what the validator refuses: ${JSON.stringify(input)}`);
      assert.deepStrictEqual(out, full.value);
    } else if (full.ok) {
      assert.ok(!types.includes(full.value.type), `fast path refused a valid ${what} frame: ${JSON.stringify(input)}`);
    }
  };
}

function safeJson(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}
