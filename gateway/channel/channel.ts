// What the hub's parts share: their dependencies, the per-session state of this instance, and the
// few actions one part asks of another (the hub carries them out). Each part takes this one object
// so the wiring lives in hub.ts alone.
import type { Logger } from 'pino';
import type { TemplatedApp } from '../uws.ts';
import type { Command } from '../routing/types.ts';
import type { AgentStore, Maybe, SessionStore } from '../store/ports.ts';
import type { OriginRegistry } from '../proxy/origin-registry.ts';
import type { CookieJars } from '../proxy/cookie-jars.ts';
import type { TargetPolicy } from '../proxy/target-policy.ts';
import type { Metrics } from '../metrics.ts';
import type { Webhooks } from '../webhooks.ts';
import type { Engine } from './engine.ts';
import type { EventDelivery } from './event-delivery.ts';
import type { SessionCache } from './session-cache.ts';
import type { SessionExtras } from './session-extras.ts';
import type { Socket, Sockets } from './sockets.ts';
import type { AgentDirectory } from './agent-directory.ts';
import type { SessionWriter } from './session-writer.ts';
import type { HandleTimes } from './wait-estimate.ts';
import type { Timeline } from './timeline.ts';
import type { Pushes } from './pushes.ts';
import type { Frames } from './frames.ts';

export interface HubDeps {
  /** For the supervisors' topic (who listens, and the overview published to them). */
  app: Pick<TemplatedApp, 'numSubscribers' | 'publish'>;
  store: Pick<SessionStore, 'createSession' | 'session' | 'updateSession' | 'sessionsInState'> & Pick<AgentStore, 'agentById' | 'listAgents'>;
  engine: Engine;
  /** Store writes that need not block a reply, one ordered queue per session. */
  writer: SessionWriter;
  registry: Pick<OriginRegistry, 'proxyUrl' | 'dropSession'>;
  jars: Pick<CookieJars, 'drop'>;
  policy: TargetPolicy;
  log: Logger;
  clock: () => number;
  defaultCapacity: number;
  /** Capacity by department, for agents without their own. */
  departmentCapacity: Record<string, number>;
  metrics: Metrics;
  webhooks: Pick<Webhooks, 'emit'>;
  /** This instance's name (INSTANCE_ID), told to clients in `welcome`. */
  instanceId?: string;
}

export interface Channel {
  d: HubDeps;
  engine: Engine;
  sessions: SessionCache;
  extras: SessionExtras;
  sockets: Sockets;
  delivery: EventDelivery<Socket>;
  agents: AgentDirectory;
  handleTimes: HandleTimes;
  timeline: Timeline;
  pushes: Pushes;
  frames: Frames;
  /** Applies routing commands as one step and carries out their effects (`origin` hears a refusal). */
  apply(cmds: Command[], origin?: Socket): Maybe<void>;
  endSession(sessionId: string, by: 'visitor' | 'agent' | 'system', reason: string, rating?: number): void;
  /** Drops what this instance keeps about a session that ended (here or on another instance). */
  forget(sessionId: string): void;
  /** A logger whose lines carry the session's id. */
  sessionLog(sessionId: string): Logger;
  agentLog(agentId: string): Logger;
}
