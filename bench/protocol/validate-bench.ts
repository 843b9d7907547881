// Validation of relayed sync frames: parseClientFrame (fast path for pointer/scroll) against the
// full valibot validator (parseClientFrameFull, the peer), on the same JSON text, same process.
//
//   node --import tsx bench/protocol/validate-bench.ts [--n 300000]
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { parseClientFrame, parseClientFrameFull } from '../../protocol/validate.ts';

const { values } = parseArgs({ options: { n: { type: 'string', default: '300000' } } });
const N = Number(values.n);

const frames: Record<string, string> = {
  pointer: JSON.stringify({ type: 'pointer', sessionId: 'Abc123_-xyz', path: 'body>div:nth-child(2)>main>p:nth-child(4)', fx: 0.4123, fy: 0.771, click: false }),
  scroll: JSON.stringify({ type: 'scroll', sessionId: 'Abc123_-xyz', scroll: { target: '', anchor: 'body>main>section:nth-child(3)', offset: -12.5, ratio: 0.25, x: 0 } }),
  'chat (no fast path)': JSON.stringify({ type: 'chat', sessionId: 'Abc123_-xyz', clientId: 'c1', text: 'hello there' }),
  'bad pointer (falls back)': JSON.stringify({ type: 'pointer', path: 'a', fx: 'x', fy: 0 }),
};

function rate(f: (s: string) => unknown, text: string): number {
  for (let i = 0; i < 20_000; i++) f(text);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i++) f(text);
  return Number(process.hrtime.bigint() - t0) / N; // ns per frame
}

console.log(`Frame validation, ${N} frames each, ns per frame (JSON.parse included). Load average ${loadavg().map((l) => l.toFixed(2)).join(' ')} (shared 2-core machine).`);
console.log('');
console.log('| frame | full validator ns | with fast path ns | speed-up |');
console.log('|---|---:|---:|---:|');
for (const [name, text] of Object.entries(frames)) {
  const full = rate(parseClientFrameFull, text);
  const fast = rate(parseClientFrame, text);
  console.log(`| ${name} | ${full.toFixed(0)} | ${fast.toFixed(0)} | ${(full / fast).toFixed(2)}x |`);
}
