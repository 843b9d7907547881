// What the exact fast paths (sync-fast-path.ts, chat-fast-path.ts) check the same way, as valibot
// 1.x does for protocol/messages.ts's schemas: object() needs a truthy typeof 'object' value and
// reads a key when `key in input` (a present key whose value is undefined counts as present), and
// ids are 1-64 characters of [A-Za-z0-9_-].

export type Obj = Record<string, unknown>;

const ID = /^[A-Za-z0-9_-]+$/;

export const isObject = (x: unknown): x is Obj => !!x && typeof x === 'object';
export const isId = (x: unknown): x is string => typeof x === 'string' && x.length >= 1 && x.length <= 64 && ID.test(x);

/** An optional id at `key` (optional(id)): copied to `out` when present; false when present and not an id. */
export function optionalId(input: Obj, out: Obj, key: string): boolean {
  if (!(key in input)) return true;
  const value = input[key];
  if (value !== undefined && !isId(value)) return false;
  out[key] = value;
  return true;
}
