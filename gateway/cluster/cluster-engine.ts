// The engine of an instance in a cluster (REDIS_URL): shared routing (the router replicated on a
// Redis Stream of commands), the Redis event log, per-session channel fan-out and presence. It implements the hub's
// Engine port and talks to the hub only through HubInbound; with no REDIS_URL none of this exists
// and the gateway is one process (channel/local-engine.ts).
import type { Logger } from 'pino';
import type { TemplatedApp } from '../uws.ts';
import type { RoutingConfig } from '../routing/types.ts';
import type { SessionStore } from '../store/ports.ts';
import type { Engine, HubInbound } from '../channel/engine.ts';
import type { SessionWriter } from '../channel/session-writer.ts';
import { ClusterRouting } from './cluster-routing.ts';
import { redisEventLog } from './redis-event-log.ts';
import { Bus } from './bus.ts';
import { sessionTopic } from '../channel/topics.ts';
import { Presence, type Departed } from './presence.ts';
import type { RedisPair } from './redis.ts';

export interface ClusterEngine extends Engine {
  readonly instanceId: string;
  stats(): { commits: number; conflicts: number; busOut: number; busIn: number };
}

export async function createClusterEngine(opts: {
  redis: RedisPair;
  instanceId: string;
  app: TemplatedApp;
  store: Pick<SessionStore, 'session' | 'archiveEvent' | 'eventsAfter' | 'sessionsInState'>;
  writer: SessionWriter;
  log: Logger;
  routing: RoutingConfig;
  transcriptRetentionDays: number;
}): Promise<ClusterEngine> {
  const { redis, instanceId, app, store, log } = opts;
  const routing = new ClusterRouting(redis.cmd, opts.routing, Date.now, instanceId, log);
  const router = routing.router;
  const bus = new Bus(app, redis.cmd, instanceId, log);
  const events = redisEventLog(
    redis.cmd,
    store,
    instanceId,
    opts.transcriptRetentionDays * 86_400,
    (err) => log.error({ err, event: 'events.archive-failed' }, 'copying an event into the transcript store failed'),
    opts.writer,
    (sessionId) => bus.subscribed(sessionTopic(sessionId)),
  );
  const presence = new Presence(redis.cmd, instanceId, log);
  // Read before this instance takes any socket: what a previous life of this INSTANCE_ID left.
  const leftovers: Departed = await presence.takeLeftovers();
  let hub: HubInbound | null = null;
  let closed = false;

  let reconcileTimer: ReturnType<typeof setTimeout> | null = null;
  /**
   * Sockets here are the truth about who is connected here. A socket that closed on one instance
   * and reopened on another (or on this one) a moment later can see its "disconnected" commit land
   * after its "connected" check; at most four times a second, anyone with a socket here whom the
   * committed state calls disconnected is connected again. The scan reads the whole replica, so it
   * runs only after an entry that disconnected someone (every replica sees every entry in order),
   * not after every command.
   */
  const reconcileSoon = () => {
    if (reconcileTimer || closed || !hub) return;
    reconcileTimer = setTimeout(() => {
      reconcileTimer = null;
      if (closed || !hub) return;
      for (const agentId of hub.agentsHere()) {
        const view = router.agent(agentId);
        if (!view || !view.connected) hub.reconnectAgent(agentId);
      }
      // Queued and active alike: an active visitor called disconnected would be ended after the grace.
      for (const r of router.snapshot().sessions ?? []) {
        if (!r.connected && hub.visitorHere(r.sessionId)) hub.apply([{ type: 'visitor.reconnect', sessionId: r.sessionId }]);
      }
    }, 250);
  };

  return {
    instanceId,
    router,
    events,
    // Every instance arms the same deadline; a little jitter lets one of them append the tick and
    // the others see it handled before their own timer fires (they then append nothing).
    tickJitterMs: 25,
    async start(h) {
      hub = h;
      await routing.start({
        remoteEffects: (effects) => h.remoteEffects(effects),
        replicaChanged: () => h.replicaChanged(),
        applied: (cmds) => {
          if (cmds.some((c) => c.type === 'visitor.disconnect' || c.type === 'agent.disconnect')) reconcileSoon();
        },
      });
      reconcileSoon();
      await bus.start(redis.sub, {
        patch: (p) => h.remotePatch(p),
        kick: (agentId) => h.closeAgent(agentId),
        agentChanged: (agentId) => h.agentChanged(agentId),
        event: (sessionId, e) => h.event(sessionId, e),
      });
      await presence.start((d) => h.departed(d));
      if (leftovers.agents.length || leftovers.visitors.length) {
        log.warn({ event: 'instance.leftovers', agents: leftovers.agents.length, visitors: leftovers.visitors.length }, 'sockets of a previous run of this instance count as dropped');
        h.departed(leftovers);
      }
      log.info({ event: 'cluster.joined', instanceId, routingVersion: routing.version }, 'joined the cluster');
    },
    apply: (cmds) => routing.apply(cmds),
    publish: (topic, text) => bus.publish(topic, text),
    relay: (ws, topic, text) => bus.relay(ws, topic, text),
    patch: (p) => bus.patch(p),
    kick: (agentId) => bus.kick(agentId),
    agentChanged: (agentId) => bus.agentChanged(agentId),
    topicCount: (topic, now, was) => bus.topicCount(topic, now, was),
    presenceAdd: (kind, id) => presence.add(kind, id),
    presenceRemove: (kind, id) => presence.remove(kind, id),
    // A cluster's sessions live on every instance: the shared store lists them all.
    liveSessions: () => store.sessionsInState('queued', 'ringing', 'active'),
    ready: () => redis.ready(),
    stats: () => ({ ...routing.stats, busOut: bus.stats.out, busIn: bus.stats.in }),
    async close() {
      closed = true;
      if (reconcileTimer) clearTimeout(reconcileTimer);
      routing.close();
      await presence.close();
    },
  };
}
