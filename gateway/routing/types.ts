// Contract of the routing core: a pure, deterministic state machine. No I/O, no timers, no Date.now():
// time comes from the injected clock and timers are deadlines the shell fires with a `tick` command.
// Each command is applied atomically and returns the effects the I/O shell must carry out. The
// operations are small enough to be re-implemented as Redis Lua scripts later (issue 7).

export type RoutingMode = 'auto' | 'manual';
export type AgentStatus = 'online' | 'away' | 'offline';

export interface RoutingConfig {
  mode: RoutingMode;
  /** Auto mode: how long an offer (reservation) rings before it moves on. */
  ringTimeoutMs: number;
  /** An agent whose socket dropped keeps their sessions this long before they are re-queued. */
  agentGraceMs: number;
  /** A visitor whose socket dropped keeps their place in the queue this long. */
  visitorGraceMs: number;
  /** A visitor waiting longer than this is offered the offline-message form (0 = never). */
  maxQueueWaitMs: number;
  defaultCapacity: number;
  /** Offers missed in a row (timeout or decline) before an agent is set away. */
  maxMissedOffers: number;
  /** Whether a visitor for a department with no eligible agent may go to any agent. */
  departmentFallback: boolean;
}

export type Clock = () => number;

export interface AgentSpec {
  agentId: string;
  departments: string[];
  capacity: number;
}

export type Command =
  | { type: 'visitor.join'; sessionId: string; department: string | null; priority: number }
  /** Tab closed or "leave" clicked: removed at once, never offered again. */
  | { type: 'visitor.leave'; sessionId: string }
  /** Socket dropped: keeps the place for visitorGraceMs. */
  | { type: 'visitor.disconnect'; sessionId: string }
  | { type: 'visitor.reconnect'; sessionId: string }
  | { type: 'agent.connect'; agent: AgentSpec }
  /** Socket dropped: agentGraceMs to come back before the agent's sessions are re-queued at the head. */
  | { type: 'agent.disconnect'; agentId: string }
  | { type: 'agent.status'; agentId: string; status: AgentStatus }
  | { type: 'accept'; agentId: string; sessionId: string }
  | { type: 'decline'; agentId: string; sessionId: string }
  | { type: 'session.end'; sessionId: string }
  | { type: 'transfer'; sessionId: string; fromAgentId: string; toAgentId: string | null; toDepartment: string | null }
  /** Fire every deadline that is due at clock(). */
  | { type: 'tick' };

export type Effect =
  /** Auto mode: a reservation for this agent, ringing until expiresAt. */
  | { type: 'offered'; agentId: string; sessionId: string; expiresAt: number }
  | { type: 'offer.withdrawn'; agentId: string; sessionId: string; reason: 'timeout' | 'declined' | 'visitor-left' | 'agent-unavailable' | 'taken' }
  | { type: 'assigned'; agentId: string; sessionId: string; previousAgentId: string | null }
  | { type: 'rejected'; agentId: string; sessionId: string; code: 'CB_ERR_ALREADY_TAKEN' | 'CB_ERR_NOT_OFFERED' | 'CB_ERR_AT_CAPACITY' | 'CB_ERR_SESSION_UNKNOWN' }
  /** The queue of this department (null = general) changed: positions must be re-sent. */
  | { type: 'queue.changed' }
  /** An active session went back to the queue head (agent gone past grace). */
  | { type: 'requeued'; sessionId: string; fromAgentId: string; reason: 'agent-gone' | 'transfer-to-department' }
  | { type: 'agent.status'; agentId: string; status: AgentStatus; reason: 'missed-offers' | 'grace-expired' | 'set' | 'connected' }
  /** Visitor removed from routing: left, grace expired, or session ended. */
  | { type: 'visitor.removed'; sessionId: string; reason: 'left' | 'grace-expired' | 'ended' }
  /** Waited past maxQueueWaitMs, or no agent can ever serve them: show the offline-message form. */
  | { type: 'visitor.overflow'; sessionId: string; reason: 'wait-exceeded' | 'no-agents' };

export interface QueueEntryView {
  sessionId: string;
  department: string | null;
  priority: number;
  joinedAt: number;
  /** Agent currently holding a reservation for it (auto mode). */
  offeredTo: string | null;
  offerExpiresAt: number | null;
  connected: boolean;
}

export interface AgentView {
  agentId: string;
  status: AgentStatus;
  connected: boolean;
  departments: string[];
  capacity: number;
  active: string[];
  missedOffers: number;
  lastAssignedAt: number;
}

/**
 * Routing state of one visitor session (queued or active), as persisted in a snapshot. The views
 * above are projections of it; these fields are what the views leave out but exact restore needs.
 */
export interface SessionRecord {
  sessionId: string;
  department: string | null;
  priority: number;
  joinedAt: number;
  /** Join order: breaks joinedAt ties so FIFO survives a coarse clock. */
  seq: number;
  /** null while queued. */
  agentId: string | null;
  offeredTo: string | null;
  offerExpiresAt: number | null;
  connected: boolean;
  /** Visitor grace deadline while their socket is down. */
  graceExpiresAt: number | null;
  /** Set when re-queued at the head (agent gone, transfer); head entries are served first, in this order. */
  headSeq: number | null;
  /** Start of the current wait (join or re-queue), for maxQueueWaitMs. */
  waitSince: number;
  /** visitor.overflow wait-exceeded already emitted for the current wait. */
  overflowed: boolean;
  /** Agents who declined or missed this visitor in the current offer round. */
  passedBy: string[];
}

export interface RoutingSnapshot {
  queue: QueueEntryView[];
  agents: AgentView[];
  /** sessionId -> agentId for active sessions. */
  assignments: Record<string, string>;
  /** Added: snapshot format version. */
  version?: 1;
  /**
   * Added: every session, queued and active. When absent (older snapshot), restore derives them
   * from `queue` and `assignments` with defaults (grace restarts, head order and overflow flags lost).
   */
  sessions?: SessionRecord[];
  /** Added: agentId -> grace deadline, for agents whose socket is down. */
  agentGraceExpiresAt?: Record<string, number>;
  /** Added: counters for join order and head re-queue order. */
  seq?: number;
  headSeq?: number;
}

/** The first entries of an agent's queue and how many there are in all. */
export interface QueueWindow {
  /** Eligible queued visitors for this agent (the length queueFor would return). */
  total: number;
  /**
   * The first `limit` of them in serving order, then the entries offered to this agent that are
   * further down (in serving order): an agent always sees what it is ringing with.
   */
  entries: QueueEntryView[];
}

export interface Router {
  apply(cmd: Command): Effect[];
  /** 1-based position among the visitors an agent would take before this one; null if not queued. O(departments x log n). */
  position(sessionId: string): number | null;
  /** Every queued visitor's position, in one pass over the queue. */
  positions(): Map<string, number>;
  /** Queue entries, in the order they will be served. O(n): prefer queueSize() or queueWindow(). */
  queue(): QueueEntryView[];
  /** Number of queued visitors. */
  queueSize(): number;
  /** Sessions visible to this agent: eligible by department, in serving order. O(n): prefer queueWindow(). */
  queueFor(agentId: string): QueueEntryView[];
  /** The first `limit` entries of queueFor(agentId) plus the agent's offers beyond them, and its length, without building the rest. */
  queueWindow(agentId: string, limit: number): QueueWindow;
  /** Whether this agent may accept this visitor now (used to render accept buttons). */
  canAccept(agentId: string, sessionId: string): boolean;
  agent(agentId: string): AgentView | null;
  agentOf(sessionId: string): string | null;
  /** Agents online and connected who could serve this department. */
  eligibleAgentCount(department: string | null): number;
  /** Earliest pending deadline (ring timeout, grace, max wait), for the shell's timer; null if none. */
  nextDeadline(): number | null;
  snapshot(): RoutingSnapshot;
}

/** The in-process router (createRouter): it also tells the clock reading of its last apply(), so a command log can replay each command at the same time (gateway/channel/routing-log.ts). */
export interface ClockedRouter extends Router {
  appliedAt(): number;
}
