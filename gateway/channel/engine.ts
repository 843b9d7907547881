// The engine port: how the hub's state is shared. The hub (sockets, frames, effects, pushes) is the
// same code in one process and in a cluster; only the engine differs:
//   - local-engine.ts: one process. The pure router applied in place, uWS pub/sub, the routing
//     snapshot written to the store (debounced), events numbered by the store.
//   - ../cluster/cluster-engine.ts: several instances on Redis. Commands ordered by one Redis
//     Stream and applied by every instance's replica, fan-out on per-session Redis channels, small
//     per-session state on a broadcast channel, presence with heartbeats, events numbered by a Lua script.
// The engine talks back to the hub only through HubInbound (below), never the concrete class.
import type { Command, Effect, Router } from '../routing/types.ts';
import type { Maybe } from '../store/ports.ts';
import type { SessionRecord } from '../store/types.ts';
import type { EventLog } from './event-log.ts';
import type { Delivered } from './event-delivery.ts';
import type { Socket } from './sockets.ts';

/** Small per-session state that frames change, shared so whichever instance handles the next frame checks it against the same state. */
export interface SessionPatch {
  sessionId: string;
  url?: string;
  control?: boolean;
  sharing?: boolean;
  read?: { party: 'visitor' | 'agent'; seq: number };
  viewport?: { w: number; h: number };
}

/** 'a' = agents (by agent id), 'v' = visitors (by session id). */
export type PresenceKind = 'a' | 'v';

/** Sockets that dropped with an instance that died (or with this instance's previous life). */
export interface Departed {
  agents: string[];
  visitors: string[];
}

/** Reads of the routing state (the engine's router, or its replica of the cluster's). */
export type RoutingView = Omit<Router, 'apply' | 'load'>;

export interface Engine {
  readonly router: RoutingView;
  /** Numbers session events and delivers new ones to `HubInbound.event` (every instance, in sequence order). */
  readonly events: EventLog;
  /** Added to the deadline timer: several instances arming one deadline should not all fire at once. */
  readonly tickJitterMs: number;
  /** Starts following the shared state; the hub exists and takes sockets once this settles. */
  start(hub: HubInbound): Maybe<void>;
  /**
   * Applies commands as one atomic step and answers its effects: at once in one process, once
   * committed in a cluster. Throws or rejects when the step could not be applied.
   */
  apply(cmds: Command[]): Maybe<Effect[]>;
  /** To everyone subscribed to `topic`, on every instance. */
  publish(topic: string, text: string): void;
  /** To everyone subscribed to `topic` but the sender (no echo), on every instance. */
  relay(ws: Socket, topic: string, text: string): void;
  /** A session's small shared state changed here (the hub has applied it locally already). */
  patch(p: SessionPatch): void;
  /** Close this agent's sockets on the other instances too. */
  kick(agentId: string): void;
  /** An agent's record changed (name, departments, capacity): other instances drop their cached copy. */
  agentChanged(agentId: string): void;
  /**
   * uWS's count of this instance's sockets subscribed to `topic` went from `was` to `now` (socket
   * close included). A cluster follows a session's channel only while it has subscribers here.
   */
  topicCount?(topic: string, now: number, was: number): void;
  presenceAdd(kind: PresenceKind, id: string): void;
  /** The last local socket of `id` closed: answers true when it is still connected to another live instance. */
  presenceRemove(kind: PresenceKind, id: string): Maybe<boolean>;
  /** The live sessions of every instance (the supervisors' overview); `cached` = this instance's. */
  liveSessions(cached: Iterable<SessionRecord>): Maybe<Iterable<SessionRecord>>;
  /** Whether the shared state can take new work (for /readyz). */
  ready(): boolean;
  close(): Maybe<void>;
}

/** The hub as an engine sees it (the inbound port). */
export interface HubInbound {
  /** Commands the engine needs carried out (restore after a restart, reconciling presence). */
  apply(cmds: Command[]): void;
  /** Another instance committed these effects: carry out what concerns this instance's sockets. */
  remoteEffects(effects: Effect[]): void;
  /** The routing state moved (a commit elsewhere): re-render queues, re-arm the deadline timer. */
  replicaChanged(): void;
  /** A deadline is due by the shared clock of deadlines. */
  deadlineDue(): void;
  /** Another instance changed a session's small shared state. */
  remotePatch(p: SessionPatch): void;
  /** Another instance disabled an agent: close their sockets here. */
  closeAgent(agentId: string): void;
  /** Another instance changed an agent's record. */
  agentChanged(agentId: string): void;
  /** A numbered session event, in sequence order. */
  event(sessionId: string, e: Delivered): void;
  /** These sockets dropped elsewhere (a dead instance): those not connected here count as gone. */
  departed(d: Departed): void;
  /** Agents with a socket here. */
  agentsHere(): Iterable<string>;
  /** Whether a visitor socket of this session is here. */
  visitorHere(sessionId: string): boolean;
  /** An agent with a socket here whom the shared state calls disconnected: connect them again. */
  reconnectAgent(agentId: string): void;
}
