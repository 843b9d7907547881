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

import type { Clock, Command, Effect, QueueEntryView, Router, RoutingConfig, RoutingSnapshot } from './types.ts';
import { emptyState, isRoutable } from './state.ts';
import { servingOrder } from './queue-order.ts';
import { servesDepartment, staffedDepartments } from './agent-selection.ts';
import { earliestDeadline } from './deadlines.ts';
import { computePositions } from './positions.ts';
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

export const DEFAULT_ROUTING_CONFIG: RoutingConfig = {
  mode: 'auto',
  ringTimeoutMs: 30_000,
  agentGraceMs: 60_000,
  visitorGraceMs: 60_000,
  maxQueueWaitMs: 5 * 60_000,
  defaultCapacity: 3,
  maxMissedOffers: 3,
  departmentFallback: true,
};

function normalizeConfig(config: RoutingConfig): RoutingConfig {
  const ms = (v: number, d: number) => (Number.isFinite(v) && v >= 0 ? v : d);
  const d = DEFAULT_ROUTING_CONFIG;
  return {
    mode: config.mode === 'manual' ? 'manual' : 'auto',
    ringTimeoutMs: ms(config.ringTimeoutMs, d.ringTimeoutMs),
    agentGraceMs: ms(config.agentGraceMs, d.agentGraceMs),
    visitorGraceMs: ms(config.visitorGraceMs, d.visitorGraceMs),
    maxQueueWaitMs: ms(config.maxQueueWaitMs, d.maxQueueWaitMs),
    defaultCapacity: Math.floor(ms(config.defaultCapacity, d.defaultCapacity)),
    maxMissedOffers: Math.floor(ms(config.maxMissedOffers, d.maxMissedOffers)),
    departmentFallback: config.departmentFallback !== false,
  };
}

export function createRouter(config: RoutingConfig, clock: Clock, restore?: RoutingSnapshot): Router {
  const cfg = normalizeConfig(config);
  const state = restore ? restoreState(restore, cfg, clock()) : emptyState();
  let positions: Map<string, number> | null = null;

  const agentsSorted = () => [...state.agents.values()].sort((a, b) => (a.agentId < b.agentId ? -1 : a.agentId > b.agentId ? 1 : 0));

  function eligibleAgentCount(department: string | null): number {
    const staffed = staffedDepartments(state.agents.values());
    let n = 0;
    for (const a of state.agents.values()) {
      if (isRoutable(a) && servesDepartment(a, department, staffed, cfg.departmentFallback)) n++;
    }
    return n;
  }

  // What the shell renders from the queue: order, membership, offers, connection, and (only while
  // someone waits) who can serve, since that moves positions and accept buttons.
  // Computed twice per command, so it is built as one string without intermediate objects (a JSON
  // round of the views was a fifth of the gateway's CPU in a 400-visitors-a-second storm).
  function queueSignature(): string {
    const order = servingOrder(state.sessions.values());
    if (order.length === 0) return '';
    let sig = '';
    // Ids are base64url; department names are free text, so they are quoted.
    for (const s of order) sig += `${s.sessionId}|${JSON.stringify(s.department)}|${s.priority}|${s.joinedAt}|${s.offeredTo}|${s.offerExpiresAt}|${s.connected};`;
    sig += '#';
    for (const a of agentsSorted()) if (isRoutable(a)) sig += `${a.agentId}:${JSON.stringify(a.departments)};`;
    return sig;
  }

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

  return {
    apply(cmd: Command): Effect[] {
      positions = null;
      const step: Step = { state, config: cfg, now: clock(), out: [] };
      const before = queueSignature();
      fireDue(step);
      run(step, cmd);
      fireDue(step);
      dispatch(step);
      // An offer can be withdrawn and renewed to the same agent within one command, leaving the
      // view identical; the shell still has to re-render the new ring, hence the effect check.
      const offersMoved = step.out.some((e) => e.type === 'offered' || e.type === 'offer.withdrawn');
      if (offersMoved || queueSignature() !== before) step.out.push({ type: 'queue.changed' });
      return step.out;
    },

    position(sessionId: string): number | null {
      positions ??= computePositions(servingOrder(state.sessions.values()), agentsSorted(), cfg.departmentFallback);
      return positions.get(sessionId) ?? null;
    },

    queue(): QueueEntryView[] {
      return servingOrder(state.sessions.values()).map(queueEntryView);
    },

    queueFor(agentId: string): QueueEntryView[] {
      const a = state.agents.get(agentId);
      if (!a) return [];
      const staffed = staffedDepartments(state.agents.values());
      return servingOrder(state.sessions.values())
        .filter((s) => servesDepartment(a, s.department, staffed, cfg.departmentFallback))
        .map(queueEntryView);
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
      return earliestDeadline(state.sessions.values(), state.agents.values(), cfg);
    },

    snapshot(): RoutingSnapshot {
      return takeSnapshot(state);
    },
  };
}
