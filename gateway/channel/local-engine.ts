// The engine of one process: the pure router applied in place, uWS pub/sub for fan-out, the store
// numbering events, and the routing state kept in the store as a command log with compaction
// (./routing-log.ts says why and how: the commands of each 20 ms as one row, the whole snapshot only
// now and then; a crash loses at most that window, which reconnecting clients rebuild;
// sessions and events are written at once). Presence is this process's sockets alone.
import type { Logger } from 'pino';
import type { TemplatedApp } from '../uws.ts';
import type { ClockedRouter, Command, RoutingConfig } from '../routing/types.ts';
import type { SessionStore, StateStore } from '../store/ports.ts';
import type { SessionRecord } from '../store/types.ts';
import type { Engine, HubInbound } from './engine.ts';
import { storeEventLog } from './event-log.ts';
import { netEffects } from './net-effects.ts';
import { RoutingLog, type LoadedRouting, type RoutingLogOptions } from './routing-log.ts';
import type { SessionWriter } from './session-writer.ts';

export function localEngine(o: {
  app: TemplatedApp;
  store: Pick<SessionStore, 'appendEvents' | 'eventsAfter'> & Pick<StateStore, 'setKv' | 'appendRoutingLog' | 'dropRoutingLogThrough'>;
  router: ClockedRouter;
  /** The router's config, saved with each snapshot so the log is replayed under it. */
  config?: RoutingConfig;
  writer: SessionWriter;
  log: Logger;
  /** What the router was restored from (loadRouting in ./routing-log.ts); absent or snapshot null: a fresh start. */
  loaded?: LoadedRouting;
  routingLog?: RoutingLogOptions;
}): Engine & { routingLog: RoutingLog } {
  const { app, store, router, writer } = o;
  const loaded = o.loaded ?? { snapshot: null, logSeq: 0, replayed: 0, gapAt: null, legacy: false };
  const restored = loaded.snapshot !== null;
  let hub: HubInbound | null = null;
  const routingLog = new RoutingLog(store, writer, router, loaded, { config: o.config, ...o.routingLog });
  // Every run starts its log from a snapshot of its own (once, O(state)): the rows that follow are
  // then replayed under the config they ran with, and from the clock readings of this run (an older
  // gateway's bare snapshot was restored at this start's clock, which no replay could repeat).
  routingLog.compact();
  if (loaded.gapAt !== null) o.log.error({ event: 'routing.log-gap', seq: loaded.gapAt }, 'routing log has a lost row: restored the state before it');

  const applyLogged = (c: Command) => {
    const out = router.apply(c);
    routingLog.record(c);
    return out;
  };

  return {
    router,
    routingLog,
    events: storeEventLog(store, () => (hub ? (id, e) => hub!.event(id, e) : null)),
    tickJitterMs: 0,
    start(h) {
      hub = h;
      if (!restored) return;
      // Gateway restart: everyone who was connected gets their grace period to come back.
      const snap = router.snapshot();
      for (const a of snap.agents) if (a.connected) h.apply([{ type: 'agent.disconnect', agentId: a.agentId }]);
      for (const q of snap.queue) if (q.connected) h.apply([{ type: 'visitor.disconnect', sessionId: q.sessionId }]);
    },
    apply(cmds) {
      return netEffects(cmds.length === 1 ? applyLogged(cmds[0]!) : cmds.flatMap(applyLogged));
    },
    publish: (topic, text) => app.publish(topic, text),
    relay: (ws, topic, text) => ws.publish(topic, text),
    patch: () => {},
    kick: () => {},
    agentChanged: () => {},
    presenceAdd: () => {},
    presenceRemove: () => false,
    liveSessions: (cached: Iterable<SessionRecord>) => cached,
    ready: () => true,
    close() {
      routingLog.close();
    },
  };
}
