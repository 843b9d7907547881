// The engine of one process: the pure router applied in place, uWS pub/sub for fan-out, the store
// numbering events, and the routing snapshot written to the store at most four times a second
// (a crash loses at most that window of routing state, which reconnecting clients rebuild;
// sessions and events are written at once). Presence is this process's sockets alone.
import type { Logger } from 'pino';
import type { TemplatedApp } from '../uws.ts';
import type { Router, RoutingSnapshot } from '../routing/types.ts';
import type { Maybe, SessionStore, StateStore } from '../store/ports.ts';
import type { SessionRecord } from '../store/types.ts';
import { andThen } from '../store/maybe.ts';
import type { Engine, HubInbound } from './engine.ts';
import { storeEventLog } from './event-log.ts';
import { netEffects } from './net-effects.ts';
import type { SessionWriter } from './session-writer.ts';

export const ROUTING_KV = 'routing';

/** The routing snapshot a previous run of this process left (null: none). */
export function savedRouting(store: Pick<StateStore, 'getKv'>): Maybe<RoutingSnapshot | null> {
  return andThen(store.getKv(ROUTING_KV), (json) => (json ? (JSON.parse(json) as RoutingSnapshot) : null));
}

export function localEngine(o: {
  app: TemplatedApp;
  store: Pick<SessionStore, 'appendEvents' | 'eventsAfter'> & Pick<StateStore, 'setKv'>;
  router: Router;
  writer: SessionWriter;
  log: Logger;
  /** The router was restored from a snapshot: everyone it calls connected gets their grace to come back. */
  restored: boolean;
  snapshotEveryMs?: number;
}): Engine {
  const { app, store, router, writer } = o;
  let hub: HubInbound | null = null;
  let dirty = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  const every = o.snapshotEveryMs ?? 250;
  const persist = () => {
    dirty = false;
    const json = JSON.stringify(router.snapshot());
    writer.write(ROUTING_KV, 'routing snapshot', () => store.setKv(ROUTING_KV, json));
  };

  return {
    router,
    events: storeEventLog(store, () => (hub ? (id, e) => hub!.event(id, e) : null)),
    tickJitterMs: 0,
    start(h) {
      hub = h;
      if (!o.restored) return;
      // Gateway restart: everyone who was connected gets their grace period to come back.
      const snap = router.snapshot();
      for (const a of snap.agents) if (a.connected) h.apply([{ type: 'agent.disconnect', agentId: a.agentId }]);
      for (const q of snap.queue) if (q.connected) h.apply([{ type: 'visitor.disconnect', sessionId: q.sessionId }]);
    },
    apply(cmds) {
      const effects = netEffects(cmds.length === 1 ? router.apply(cmds[0]) : cmds.flatMap((c) => router.apply(c)));
      dirty = true;
      if (!timer && !closed) {
        timer = setTimeout(() => {
          timer = null;
          if (dirty && !closed) persist();
        }, every);
      }
      return effects;
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
      closed = true;
      if (timer) clearTimeout(timer);
      persist();
    },
  };
}
