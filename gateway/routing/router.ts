// Routing core: who waits, in what order, and which agent gets which visitor.
//
// Why pure: routing decisions are the part of a contact centre that must never be wrong and is
// hardest to test through sockets. Here it is a deterministic state machine: the same commands at
// the same clock readings always give the same state and effects, so property tests can replay
// thousands of interleavings, a snapshot restores exactly after a restart, and the operations stay
// small enough to port to Redis Lua scripts. The I/O shell owns sockets, timers and persistence and
// just carries out the returned effects.
//
// How deadlines work: nothing is scheduled. Ring timeouts, agent and visitor graces and max-wait
// limits are deadlines derived from state (deadlines.ts); nextDeadline() is the earliest of them,
// the shell arms a single timer for it and sends `tick`. Every command first fires whatever is due
// at clock(), so a late timer can never let an agent accept an offer that has already expired, and
// an extra tick is harmless.
//
// Each apply(): fire due deadlines, run the command, fire again (a reconnect can make a max-wait
// deadline due that was paused while the visitor was away), dispatch offers (auto mode), then emit
// queue.changed once if the queue as the shell shows it changed.
//
// Cost: every command and view is O(log n) in the queued visitors (or O(window) for a window), with
// a factor for the departments that have visitors waiting; nothing sorts or walks the sessions
// except the views that return the whole queue (queue(), queueFor(), snapshot()). The state is
// indexed as it changes (indexes.ts); the old whole-queue router is kept as the reference model of
// test/unit/routing/differential.test.ts, which proves both give the same effects.
//
// Configuration: the router has no defaults of its own. gateway/config.ts is the one validated set
// of defaults (routingConfigFrom in ./config.ts maps it); a config the router cannot run with is
// refused here rather than silently replaced.

import type { Clock, ClockedRouter, Command, Effect, QueueEntryView, QueueWindow, Router, RoutingConfig, RoutingSnapshot } from './types.ts';
import { emptyState } from './state.ts';
import type { QueueKey } from './indexes.ts';
import { compareKeys } from './indexes.ts';
import { agentView, queueEntryView, restoreState, takeSnapshot } from './snapshot.ts';
import {
  accept,
  acceptRefusal,
  agentConnect,
  agentDisconnect,
  agentStatus,
  decline,
  dispatch,
  fireDue,
  sessionEnd,
  transfer,
  visitorDisconnect,
  visitorJoin,
  visitorLeave,
  visitorReconnect,
  type Step,
} from './commands.ts';

/** Refuses a config the router cannot run with, naming the field; never substitutes a default. */
export function validateRoutingConfig(config: RoutingConfig): RoutingConfig {
  const ms = (name: keyof RoutingConfig) => {
    const v = config[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RangeError(`routing config ${name} must be a finite number >= 0, got ${String(v)}`);
    return v;
  };
  if (config.mode !== 'auto' && config.mode !== 'manual') throw new RangeError(`routing config mode must be 'auto' or 'manual', got ${String(config.mode)}`);
  if (typeof config.departmentFallback !== 'boolean') throw new RangeError(`routing config departmentFallback must be a boolean, got ${String(config.departmentFallback)}`);
  return {
    mode: config.mode,
    ringTimeoutMs: ms('ringTimeoutMs'),
    agentGraceMs: ms('agentGraceMs'),
    visitorGraceMs: ms('visitorGraceMs'),
    maxQueueWaitMs: ms('maxQueueWaitMs'),
    defaultCapacity: Math.floor(ms('defaultCapacity')),
    maxMissedOffers: Math.floor(ms('maxMissedOffers')),
    departmentFallback: config.departmentFallback,
  };
}

export function createRouter(config: RoutingConfig, clock: Clock, restore?: RoutingSnapshot): ClockedRouter {
  const cfg = validateRoutingConfig(config);
  const state = restore ? restoreState(restore, cfg, clock()) : emptyState(cfg);
  const { idx } = state;

  const eligibleAgentCount = (department: string | null): number => idx.eligibleCount(department);

  function run(step: Step, cmd: Command): void {
    switch (cmd.type) {
      case 'visitor.join':
        return visitorJoin(step, cmd.sessionId, cmd.department, cmd.priority, eligibleAgentCount(cmd.department ?? null));
      case 'visitor.leave':
        return visitorLeave(step, cmd.sessionId);
      case 'visitor.disconnect':
        return visitorDisconnect(step, cmd.sessionId);
      case 'visitor.reconnect':
        return visitorReconnect(step, cmd.sessionId);
      case 'agent.connect':
        return agentConnect(step, cmd.agent);
      case 'agent.disconnect':
        return agentDisconnect(step, cmd.agentId);
      case 'agent.status':
        return agentStatus(step, cmd.agentId, cmd.status);
      case 'accept':
        return accept(step, cmd.agentId, cmd.sessionId);
      case 'decline':
        return decline(step, cmd.agentId, cmd.sessionId);
      case 'session.end':
        return sessionEnd(step, cmd.sessionId);
      case 'transfer':
        return transfer(step, cmd.sessionId, cmd.fromAgentId, cmd.toAgentId ?? null, cmd.toDepartment ?? null);
      case 'tick':
        return; // fireDue already ran
    }
  }

  // The clock reading of the last apply: a command log replays each command at it (exact restore;
  // apply() reads the clock once, and the restore above reads it only for snapshots older than `sessions`).
  let appliedAt = Number.NaN;

  return {
    appliedAt: () => appliedAt,
    apply(cmd: Command): Effect[] {
      const step: Step = { state, config: cfg, now: (appliedAt = clock()), out: [] };
      idx.beginCommand();
      let changed: boolean;
      try {
        fireDue(step);
        run(step, cmd);
        fireDue(step);
        dispatch(step);
      } finally {
        changed = idx.endCommand();
      }
      // An offer can be withdrawn and renewed to the same agent within one command, leaving the
      // view identical; the shell still has to re-render the new ring, hence the effect check.
      const offersMoved = step.out.some((e) => e.type === 'offered' || e.type === 'offer.withdrawn');
      if (offersMoved || changed) step.out.push({ type: 'queue.changed' });
      return step.out;
    },

    position(sessionId: string): number | null {
      return idx.position(sessionId);
    },

    positions(): Map<string, number> {
      return idx.positions();
    },

    queue(): QueueEntryView[] {
      return idx.queue().map(queueEntryView);
    },

    queueSize(): number {
      return idx.queueSize;
    },

    queueFor(agentId: string): QueueEntryView[] {
      const a = state.agents.get(agentId);
      if (!a) return [];
      return idx.queue().filter((s) => idx.serves(a, s.department)).map(queueEntryView);
    },

    queueWindow(agentId: string, limit: number): QueueWindow {
      const a = state.agents.get(agentId);
      if (!a) return { total: 0, entries: [] };
      // Merge the heads of the department queues this agent serves: limit x departments steps.
      const its: { it: Iterator<QueueKey>; head: QueueKey }[] = [];
      let total = 0;
      for (const [department, set] of idx.departmentQueues()) {
        if (!idx.serves(a, department)) continue;
        total += set.size;
        const it = set[Symbol.iterator]();
        const first = it.next();
        if (!first.done) its.push({ it, head: first.value });
      }
      const entries: QueueEntryView[] = [];
      while (entries.length < limit && its.length > 0) {
        let bi = 0;
        for (let i = 1; i < its.length; i++) if (compareKeys(its[i]!.head, its[bi]!.head) < 0) bi = i;
        const best = its[bi]!;
        entries.push(queueEntryView(best.head.rec));
        const next = best.it.next();
        if (next.done) its.splice(bi, 1);
        else best.head = next.value;
      }
      // Offers to this agent further down the queue are shown too: in auto mode only the offered
      // agent may accept, so an offer the agent cannot see would ring out unanswered (and under a
      // storm the queue outgrows the window and most offers would). O(offers x log offers).
      const offers = idx.offersOf(agentId);
      if (offers.length > 0) {
        const shown = new Set<string>();
        for (const e of entries) shown.add(e.sessionId);
        for (const s of offers) if (!shown.has(s.sessionId)) entries.push(queueEntryView(s));
      }
      return { total, entries };
    },

    canAccept(agentId: string, sessionId: string): boolean {
      return acceptRefusal(state, cfg, agentId, sessionId) === null;
    },

    agent(agentId: string) {
      const a = state.agents.get(agentId);
      return a ? agentView(a) : null;
    },

    agentOf(sessionId: string): string | null {
      return state.sessions.get(sessionId)?.agentId ?? null;
    },

    eligibleAgentCount,

    nextDeadline(): number | null {
      return idx.earliestDeadline();
    },

    snapshot(): RoutingSnapshot {
      return takeSnapshot(state);
    },
  };
}
