// Micro-bench of the routing core at scale: the indexed router (gateway/routing/) against the
// whole-queue router it replaced (test/unit/routing/reference/, main at 8e09204), same commands,
// same process, one after the other. Per command it reports the mean cost with N visitors queued.
//
//   node --import tsx bench/routing/router-bench.ts [--visitors 10000] [--agents 100] [--reps 200]
//
// The setup: N visitors queued, agents with capacity 3 all busy or ringing (the storm's steady
// state), one department null. Each measured command is followed by its inverse where needed so the
// queue stays at N.
import { parseArgs } from 'node:util';
import { createRouter } from '../../gateway/routing/router.ts';
import type { Command, Router, RoutingConfig } from '../../gateway/routing/types.ts';
import { createRouter as createReference } from '../../test/unit/routing/reference/router.ts';

const { values } = parseArgs({ options: { visitors: { type: 'string', default: '10000' }, agents: { type: 'string', default: '100' }, reps: { type: 'string', default: '200' } } });
const N = Number(values.visitors);
const A = Number(values.agents);
const REPS = Number(values.reps);

const config: RoutingConfig = {
  mode: 'auto',
  ringTimeoutMs: 20_000,
  agentGraceMs: 30_000,
  visitorGraceMs: 30_000,
  maxQueueWaitMs: 600_000,
  defaultCapacity: 3,
  maxMissedOffers: 0,
  departmentFallback: true,
};

type Make = (config: RoutingConfig, clock: () => number) => Pick<Router, 'apply' | 'position' | 'queueFor' | 'queue'>;

function setup(make: Make) {
  let t = 1_000_000;
  const r = make(config, () => t);
  for (let i = 0; i < A; i++) r.apply({ type: 'agent.connect', agent: { agentId: `a${i}`, departments: [], capacity: 3 } });
  for (let i = 0; i < N; i++) {
    t++;
    r.apply({ type: 'visitor.join', sessionId: `v${i}`, department: null, priority: 0 });
  }
  return { r, advance: (ms: number) => (t += ms), now: () => t };
}

function time(label: string, reps: number, f: (i: number) => void): number {
  for (let i = 0; i < Math.min(reps, 20); i++) f(i); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) f(i + 20);
  return Number(process.hrtime.bigint() - t0) / 1e3 / reps;
}

function run(name: string, make: Make): Record<string, number> {
  const { r, advance } = setup(make);
  const out: Record<string, number> = {};
  const ringing = () => r.queue().filter((q) => q.offeredTo !== null);
  let next = N;
  // join at the tail + leave of the same visitor: one queue change each
  out['join (tail)'] = time('join', REPS, () => {
    r.apply({ type: 'visitor.join', sessionId: `j${next}`, department: null, priority: 0 });
    r.apply({ type: 'visitor.leave', sessionId: `j${next++}` });
  }) / 2;
  // leave from the middle, then rejoin (at the tail)
  out['leave (middle) + join'] = time('leave', REPS, (i) => {
    const id = `v${(N / 2 + i) | 0}`;
    r.apply({ type: 'visitor.leave', sessionId: id });
    r.apply({ type: 'visitor.join', sessionId: id, department: null, priority: 0 });
  }) / 2;
  // accept a ringing offer, then end the session: a new offer goes out to the freed agent
  const offers = ringing().slice(0, REPS + 20);
  out['accept + end (re-offer)'] = time('accept', Math.min(REPS, offers.length - 20), (i) => {
    const o = offers[i]!;
    r.apply({ type: 'accept', agentId: o.offeredTo!, sessionId: o.sessionId });
    r.apply({ type: 'session.end', sessionId: o.sessionId });
  }) / 2;
  // decline: the visitor goes to the next agent
  // (who holds which offer is followed from the effects, so the harness does not walk the queue)
  const holder = new Map(ringing().map((q) => [q.sessionId, q.offeredTo!]));
  const ids = [...holder.keys()];
  out['decline (re-offer to the next agent)'] = time('decline', REPS, (i) => {
    const sessionId = ids[i % ids.length]!;
    for (const e of r.apply({ type: 'decline', agentId: holder.get(sessionId)!, sessionId })) {
      if (e.type === 'offered') holder.set(e.sessionId, e.agentId);
    }
  });
  // ring timeout (a tick with one offer due): measure the tick alone
  out['tick (nothing due)'] = time('tick', REPS, () => {
    r.apply({ type: 'tick' });
  });
  out['visitor disconnect + reconnect'] = time('disc', REPS, (i) => {
    const id = `v${(N / 3 + i) | 0}`;
    r.apply({ type: 'visitor.disconnect', sessionId: id });
    r.apply({ type: 'visitor.reconnect', sessionId: id });
  }) / 2;
  // The reference computes every position in one pass after a change and caches them, so this is
  // the first position read after a command (what the hub does on every queue change).
  out['tick + position (first read after a change)'] = time('pos', REPS, (i) => {
    r.apply({ type: 'tick' });
    r.position(`v${(N - 1 - i) | 0}`);
  });
  out['queueFor (one agent, whole list)'] = time('qf', Math.max(5, REPS / 10), (i) => {
    r.queueFor(`a${i % A}`);
  });
  advance(0);
  console.error(`${name}: done`);
  return out;
}

const load = (await import('node:os')).loadavg();
const t0 = Date.now();
const fresh = run('indexed', createRouter);
const old = run('reference', createReference);
console.log(`Router micro-bench: ${N} visitors queued, ${A} agents x capacity 3 (all busy or ringing), one department; mean µs per command.`);
console.log(`Load average at start: ${load.map((l) => l.toFixed(2)).join(' ')} (shared 2-core machine); ${((Date.now() - t0) / 1000).toFixed(1)} s.`);
console.log('');
console.log('| command | reference (main) µs | indexed µs | ratio |');
console.log('|---|---:|---:|---:|');
for (const k of Object.keys(fresh)) console.log(`| ${k} | ${old[k]!.toFixed(1)} | ${fresh[k]!.toFixed(1)} | ${(old[k]! / fresh[k]!).toFixed(0)}x |`);
