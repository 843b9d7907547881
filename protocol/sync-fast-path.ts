// Fast path for the two frames that dominate a co-browse session's traffic, pointer and scroll
// (tens a second per party): a hand-written check of exactly what protocol/messages.ts's schemas
// accept, without valibot's generic machinery (datasets, pipes, variant dispatch over 27 options).
//
// It only ever accepts: a frame it does not accept falls through to the full validator, which then
// produces the error (and so the same code and message as before). What must hold, and
// test/unit/protocol/sync-fast-path.test.ts checks on random and adversarial inputs, is that it
// accepts exactly the pointer and scroll frames the full validator accepts, with an identical
// output (same keys in the same order, unknown keys dropped, as valibot's object does).
//
// Mirrors of valibot 1.x semantics used below: object() needs a truthy typeof 'object' value and
// reads a key when `key in input` (so a present key with value undefined counts as present);
// optional() accepts undefined; number() rejects NaN; finite() is Number.isFinite; minValue /
// maxValue are `>=` / `<=`; maxLength is .length.
import { MAX_PATH_CHARS } from './limits.ts';
import type { ClientFrameOf } from './messages.ts';
import { isObject, optionalId, type Obj } from './fast-path-rules.ts';

const isPath = (x: unknown): x is string => typeof x === 'string' && x.length <= MAX_PATH_CHARS;
const isCoord = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

type Pointer = ClientFrameOf<'pointer'>;
type Scroll = ClientFrameOf<'scroll'>;

/** The validated frame, or null: not a pointer or scroll frame, or not a valid one (ask the full validator). */
export function fastSyncFrame(input: unknown): Pointer | Scroll | null {
  if (!isObject(input)) return null;
  const type = input.type;
  if (type === 'pointer') return pointer(input);
  if (type === 'scroll') return scroll(input);
  return null;
}

function pointer(input: Obj): Pointer | null {
  const out: Obj = { type: 'pointer' };
  if (!optionalId(input, out, 'sessionId')) return null;
  if (!('path' in input) || !isPath(input.path)) return null;
  out.path = input.path;
  if (!('fx' in input) || !isCoord(input.fx)) return null;
  out.fx = input.fx;
  if (!('fy' in input) || !isCoord(input.fy)) return null;
  out.fy = input.fy;
  if ('click' in input) {
    const click = input.click;
    if (click !== undefined && typeof click !== 'boolean') return null;
    out.click = click;
  }
  return out as Pointer;
}

function scroll(input: Obj): Scroll | null {
  const out: Obj = { type: 'scroll' };
  if (!optionalId(input, out, 'sessionId')) return null;
  if (!('scroll' in input)) return null;
  const s = input.scroll;
  if (!isObject(s)) return null;
  const state: Obj = {};
  if (!('target' in s) || !isPath(s.target)) return null;
  state.target = s.target;
  if (!('anchor' in s) || !isPath(s.anchor)) return null;
  state.anchor = s.anchor;
  if (!('offset' in s) || !isCoord(s.offset)) return null;
  state.offset = s.offset;
  if ('ratio' in s) {
    const r = s.ratio;
    if (r !== undefined && !(typeof r === 'number' && !Number.isNaN(r) && r >= -1 && r <= 2)) return null;
    state.ratio = r;
  }
  if ('x' in s) {
    const x = s.x;
    if (x !== undefined && !isCoord(x)) return null;
    state.x = x;
  }
  out.scroll = state;
  return out as Scroll;
}
