// Redis Stream entry ids (`<ms>-<seq>`), compared as the pair of numbers they are.
export type StreamId = string;

export function compareIds(a: StreamId, b: StreamId): number {
  const da = a.indexOf('-');
  const db = b.indexOf('-');
  const ms = Number(a.slice(0, da)) - Number(b.slice(0, db));
  return ms !== 0 ? ms : Number(a.slice(da + 1)) - Number(b.slice(db + 1));
}
