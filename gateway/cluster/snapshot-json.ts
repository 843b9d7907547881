// JSON.stringify of a routing snapshot, sliced across event-loop turns. At 10,000 sessions the
// whole string takes tens of milliseconds in one go; the snapshot is a deep copy (routing/snapshot.ts),
// so its arrays and maps can be written a chunk at a time, yielding whenever a slice has run a few
// milliseconds, with the same text as one JSON.stringify at the end.
import type { RoutingSnapshot } from '../routing/types.ts';

const CHUNK = 500;
const SLICE_MS = 4;

export async function stringifySnapshot(snap: RoutingSnapshot, onSlice?: (ms: number) => void): Promise<string> {
  const parts: string[] = [];
  let start = performance.now();
  const pause = async (force = false) => {
    const ms = performance.now() - start;
    if (!force && ms < SLICE_MS) return;
    onSlice?.(ms);
    await new Promise((r) => setImmediate(r));
    start = performance.now();
  };
  let first = true;
  parts.push('{');
  for (const [key, value] of Object.entries(snap)) {
    if (value === undefined) continue;
    parts.push(`${first ? '' : ','}${JSON.stringify(key)}:`);
    first = false;
    if (Array.isArray(value)) {
      parts.push('[');
      for (let i = 0; i < value.length; i += CHUNK) {
        parts.push((i ? ',' : '') + JSON.stringify(value.slice(i, i + CHUNK)).slice(1, -1));
        await pause();
      }
      parts.push(']');
    } else if (value !== null && typeof value === 'object') {
      const entries = Object.entries(value as Record<string, unknown>);
      parts.push('{');
      for (let i = 0; i < entries.length; i += CHUNK) {
        parts.push((i ? ',' : '') + JSON.stringify(Object.fromEntries(entries.slice(i, i + CHUNK))).slice(1, -1));
        await pause();
      }
      parts.push('}');
    } else parts.push(JSON.stringify(value));
  }
  parts.push('}');
  const json = parts.join('');
  onSlice?.(performance.now() - start);
  return json;
}
