// Assembles the cluster layer for one instance when REDIS_URL is set: shared routing (CAS on a
// versioned snapshot), the Redis event log, channel fan-out and presence. The hub talks to it
// through HubCluster; with no REDIS_URL none of this exists and the gateway is one process.
import type { Logger } from 'pino';
import type { TemplatedApp } from '../uws.ts';
import type { Store } from '../store/types.ts';
import type { RoutingConfig } from '../routing/types.ts';
import type { Hub, HubCluster } from '../channel/hub.ts';
import type { EventLog } from '../channel/event-log.ts';
import { ReplicaRouter } from './replica-router.ts';
import { ClusterRouting } from './cluster-routing.ts';
import { redisEventLog } from './redis-event-log.ts';
import { Bus } from './bus.ts';
import { Presence, type Departed } from './presence.ts';
import type { RedisPair } from './redis.ts';

export interface Cluster {
  instanceId: string;
  router: ReplicaRouter;
  events: EventLog;
  hubCluster: HubCluster;
  /** Follows the other instances; call once the hub exists and before sockets are accepted. */
  start(hub: Hub): Promise<void>;
  stats(): { commits: number; conflicts: number; busOut: number; busIn: number };
  close(): Promise<void>;
}

export async function createCluster(opts: {
  redis: RedisPair;
  instanceId: string;
  app: TemplatedApp;
  store: Store;
  log: Logger;
  routing: RoutingConfig;
  transcriptRetentionDays: number;
}): Promise<Cluster> {
  const { redis, instanceId, app, store, log } = opts;
  const router = new ReplicaRouter(opts.routing, Date.now);
  const routing = new ClusterRouting(redis.cmd, router, instanceId, log);
  const events = redisEventLog(redis.cmd, store, instanceId, opts.transcriptRetentionDays * 86_400, (err) =>
    log.error({ err, event: 'events.archive-failed' }, 'copying an event into the transcript store failed'),
  );
  const bus = new Bus(app, redis.cmd, instanceId, log);
  const presence = new Presence(redis.cmd, instanceId, log);
  // Read before this instance takes any socket: what a previous life of this INSTANCE_ID left.
  const leftovers: Departed = await presence.takeLeftovers();

  const hubCluster: HubCluster = {
    apply: (cmd) => routing.apply(cmd),
    publish: (topic, text) => bus.publish(topic, text),
    relay: (ws, topic, text) => bus.relay(ws, topic, text),
    patch: (p) => bus.patch(p),
    kick: (agentId) => bus.kick(agentId),
    presenceAdd: (kind, id) => presence.add(kind, id),
    presenceRemove: (kind, id) => presence.remove(kind, id),
  };

  return {
    instanceId,
    router,
    events,
    hubCluster,
    async start(hub: Hub) {
      await routing.start(redis.sub, {
        remoteEffects: (effects) => hub.remoteEffects(effects),
        replicaChanged: () => hub.replicaChanged(),
        due: () => hub.deadlineDue(),
      });
      await bus.start(redis.sub, {
        patch: (p) => hub.remotePatch(p),
        kick: (agentId) => hub.disconnectAgent(agentId, false),
        event: (sessionId, e) => hub.clusterEvent(sessionId, e),
      });
      await presence.start((d) => hub.departed(d));
      if (leftovers.agents.length || leftovers.visitors.length) {
        log.warn({ event: 'instance.leftovers', agents: leftovers.agents.length, visitors: leftovers.visitors.length }, 'sockets of a previous run of this instance count as dropped');
        hub.departed(leftovers);
      }
      log.info({ event: 'cluster.joined', instanceId, routingVersion: routing.version }, 'joined the cluster');
    },
    stats: () => ({ ...routing.stats, busOut: bus.stats.out, busIn: bus.stats.in }),
    async close() {
      routing.close();
      await presence.close();
    },
  };
}
