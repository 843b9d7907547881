// Snapshot and restore. The snapshot is a deep copy in plain JSON types, sorted so two routers in
// the same state produce identical snapshots regardless of insertion history.

import type { AgentView, QueueEntryView, RoutingConfig, RoutingSnapshot, SessionRecord } from './types.ts';
import { emptyState, type AgentState, type RouterState } from './state.ts';
import { servingOrder } from './queue-order.ts';

export function queueEntryView(s: SessionRecord): QueueEntryView {
  return {
    sessionId: s.sessionId,
    department: s.department,
    priority: s.priority,
    joinedAt: s.joinedAt,
    offeredTo: s.offeredTo,
    offerExpiresAt: s.offerExpiresAt,
    connected: s.connected,
  };
}

export function agentView(a: AgentState): AgentView {
  return {
    agentId: a.agentId,
    status: a.status,
    connected: a.connected,
    departments: [...a.departments],
    capacity: a.capacity,
    active: [...a.active],
    missedOffers: a.missedOffers,
    lastAssignedAt: a.lastAssignedAt,
  };
}

function copyRecord(s: SessionRecord): SessionRecord {
  return { ...s, passedBy: [...s.passedBy] };
}

const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => {
  const ka = key(a);
  const kb = key(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

export function takeSnapshot(state: RouterState): RoutingSnapshot {
  const agents = [...state.agents.values()].sort(byKey((a) => a.agentId));
  const sessions = [...state.sessions.values()].sort((a, b) => a.seq - b.seq);
  const assignments: Record<string, string> = {};
  for (const s of sessions) if (s.agentId !== null) assignments[s.sessionId] = s.agentId;
  const agentGraceExpiresAt: Record<string, number> = {};
  for (const a of agents) if (a.graceExpiresAt !== null) agentGraceExpiresAt[a.agentId] = a.graceExpiresAt;
  return {
    version: 1,
    queue: servingOrder(sessions).map(queueEntryView),
    agents: agents.map(agentView),
    assignments,
    sessions: sessions.map(copyRecord),
    agentGraceExpiresAt,
    seq: state.seq,
    headSeq: state.headSeq,
  };
}

export function restoreState(snap: RoutingSnapshot, config: RoutingConfig, now: number): RouterState {
  const state = emptyState();
  const graces = snap.agentGraceExpiresAt ?? {};
  for (const v of [...snap.agents].sort(byKey((a) => a.agentId))) {
    state.agents.set(v.agentId, {
      ...agentView(v as AgentState),
      // A pre-grace-map snapshot cannot say when a dropped agent's grace ends: it restarts now.
      graceExpiresAt:
        graces[v.agentId] ??
        (snap.agentGraceExpiresAt === undefined && !v.connected && v.active.length > 0 ? now + config.agentGraceMs : null),
    });
  }
  const records = snap.sessions ? snap.sessions.map(copyRecord) : deriveRecords(snap, config, now);
  for (const r of records.sort((a, b) => a.seq - b.seq)) {
    if (r.agentId !== null && !state.agents.has(r.agentId)) continue; // dangling assignment: nothing to serve it
    state.sessions.set(r.sessionId, r);
  }
  state.seq = snap.seq ?? 0;
  state.headSeq = snap.headSeq ?? 0;
  for (const r of records) {
    state.seq = Math.max(state.seq, r.seq);
    state.headSeq = Math.max(state.headSeq, r.headSeq ?? 0);
  }
  // Active lists and assignments must agree, whichever side a hand-written snapshot got wrong.
  for (const a of state.agents.values()) {
    a.active = a.active.filter((id) => state.sessions.get(id)?.agentId === a.agentId);
  }
  for (const s of state.sessions.values()) {
    if (s.agentId === null) continue;
    const a = state.agents.get(s.agentId)!;
    if (!a.active.includes(s.sessionId)) a.active.push(s.sessionId);
  }
  if (config.mode === 'manual') {
    for (const s of state.sessions.values()) {
      s.offeredTo = null;
      s.offerExpiresAt = null;
    }
  }
  return state;
}

/** Pre-`sessions` snapshots: rebuild records from the views; timers the views lack restart now. */
function deriveRecords(snap: RoutingSnapshot, config: RoutingConfig, now: number): SessionRecord[] {
  const records: SessionRecord[] = [];
  let seq = 0;
  for (const q of snap.queue) {
    records.push({
      ...q,
      seq: ++seq,
      agentId: null,
      graceExpiresAt: q.connected ? null : now + config.visitorGraceMs,
      headSeq: null,
      waitSince: q.joinedAt,
      overflowed: false,
      passedBy: [],
    });
  }
  for (const [sessionId, agentId] of Object.entries(snap.assignments)) {
    records.push({
      sessionId,
      department: null,
      priority: 0,
      joinedAt: now,
      seq: ++seq,
      agentId,
      offeredTo: null,
      offerExpiresAt: null,
      connected: true,
      graceExpiresAt: null,
      headSeq: null,
      waitSince: now,
      overflowed: false,
      passedBy: [],
    });
  }
  return records;
}
