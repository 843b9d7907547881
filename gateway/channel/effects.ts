// Carries out routing effects. `committed` = this instance committed the step: it writes the store,
// appends the session's events, logs, counts and emits webhooks. Every instance (the committing one
// included) updates its own sockets and caches, so a visitor here and an agent elsewhere both hear it.
import type { Effect } from '../routing/types.ts';
import type { SessionRecord } from '../store/types.ts';
import { andThen } from '../store/maybe.ts';
import type { Channel } from './channel.ts';
import { background } from './settle.ts';
import { sendError, type Socket } from './sockets.ts';
import { sessionTopic } from './topics.ts';

const OVERFLOW_TEXT = {
  'no-agents': 'No agent is online right now. You can stay in the queue, or end the chat and write to us.',
  'wait-exceeded': 'This is taking longer than usual. You can keep waiting, or end the chat and write to us.',
} as const;

export class Effects {
  #c: Channel;

  constructor(c: Channel) {
    this.#c = c;
  }

  carry(e: Effect, origin: Socket | undefined, committed: boolean): void {
    const { d, pushes } = this.#c;
    switch (e.type) {
      case 'offered':
        if (committed) {
          d.metrics.offers.inc();
          this.#c.sessionLog(e.sessionId).info({ event: 'session.offered', agentId: e.agentId, expiresAt: e.expiresAt }, 'offered');
        }
        pushes.offerMoved(e.agentId);
        return pushes.queueChanged();
      case 'offer.withdrawn':
        if (committed) {
          if (e.reason === 'timeout') d.metrics.offerTimeouts.inc();
          this.#c.sessionLog(e.sessionId).info({ event: 'session.offer-withdrawn', agentId: e.agentId, reason: e.reason }, 'offer withdrawn');
        }
        pushes.offerMoved(e.agentId);
        return pushes.queueChanged();
      case 'queue.changed':
        return pushes.queueChanged();
      case 'rejected':
        if (origin) sendError(origin, e.code, e.sessionId);
        return;
      case 'assigned':
        // The agent's record is needed for the join line: loaded first (at once when cached or on SQLite).
        return background(andThen(this.#c.sessions.live(e.sessionId), (s) => s && andThen(this.#c.agents.get(e.agentId), () => this.#assigned(e, s, committed))), d.log, 'carrying out an assignment failed');
      case 'requeued':
        return background(andThen(this.#c.sessions.live(e.sessionId), (s) => s && this.#requeued(e, s, committed)), d.log, 'carrying out a requeue failed');
      case 'agent.status': {
        const reason = e.reason === 'missed-offers' ? 'You missed several offers in a row, so your status was set to away.' : undefined;
        this.#c.sockets.toAgent(e.agentId, { type: 'agent.status', status: e.status, reason });
        if (committed) this.#c.agentLog(e.agentId).info({ event: 'agent.status', status: e.status, reason: e.reason }, 'agent status');
        return pushes.queueChanged();
      }
      case 'visitor.removed':
        if (!committed) {
          if (e.reason === 'ended') this.#c.forget(e.sessionId);
          return;
        }
        if (e.reason !== 'ended') this.#c.endSession(e.sessionId, 'system', e.reason === 'left' ? 'ended: the visitor left' : 'ended: the visitor did not come back');
        return;
      case 'visitor.overflow':
        // Kept until the visitor is served: the first overflow often fires before their socket opens.
        this.#c.extras.of(e.sessionId).overflow = e.reason;
        if (!committed) return;
        this.#c.timeline.append({ sessionId: e.sessionId, ts: d.clock(), kind: 'system', from: 'system', text: OVERFLOW_TEXT[e.reason] }, () => {
          pushes.publish(e.sessionId, { type: 'offline.offer', sessionId: e.sessionId, reason: e.reason });
        });
        return;
    }
  }

  #assigned(e: Extract<Effect, { type: 'assigned' }>, s: SessionRecord, committed: boolean) {
    const { d, pushes, sockets, timeline } = this.#c;
    const now = d.clock();
    s.state = 'active';
    s.agentId = e.agentId;
    s.acceptedAt ??= now;
    const x = this.#c.extras.get(s.id);
    if (x) {
      x.overflow = undefined;
      x.lastPosition = undefined;
    }
    if (e.previousAgentId) pushes.releaseAgent(e.previousAgentId, s.id, 'transferred');
    for (const ws of sockets.agents.of(e.agentId)) {
      ws.subscribe(sessionTopic(s.id));
      timeline.catchUpAgent(ws, s, 0);
    }
    if (!committed) return pushes.tellLocalVisitors(s);
    d.writer.write(s.id, 'session accepted', () => d.store.updateSession(s.id, { state: 'active', agentId: e.agentId, acceptedAt: s.acceptedAt }));
    if (!e.previousAgentId && s.acceptedAt === now) {
      d.webhooks.emit('session.started', { sessionId: s.id, agentId: e.agentId, siteId: s.siteId, entryUrl: s.entryUrl, waitedSeconds: (now - s.createdAt) / 1000 });
    }
    const name = this.#c.agents.peek(e.agentId)?.name ?? 'An agent';
    const info = pushes.info(s);
    timeline.append({ sessionId: s.id, ts: now, kind: 'system', from: 'system', text: `${name} joined the chat.` }, (event) => pushes.publishInfo(info, event.seq));
    d.metrics.waitSeconds.observe((now - s.createdAt) / 1000);
    this.#c.sessionLog(s.id).info({ event: 'session.accepted', agentId: e.agentId, previousAgentId: e.previousAgentId }, 'accepted');
  }

  #requeued(e: Extract<Effect, { type: 'requeued' }>, s: SessionRecord, committed: boolean) {
    const { d, pushes } = this.#c;
    s.state = 'queued';
    s.agentId = null;
    pushes.releaseAgent(e.fromAgentId, s.id, e.reason === 'agent-gone' ? 'agent-gone' : 'transferred');
    if (!committed) return pushes.tellLocalVisitors(s);
    d.writer.write(s.id, 'session requeued', () => d.store.updateSession(s.id, { state: 'queued', agentId: null }));
    const text = e.reason === 'agent-gone' ? 'The agent was disconnected. You are first in line for the next agent.' : 'You are being transferred to another department.';
    const info = pushes.info(s);
    this.#c.timeline.append({ sessionId: s.id, ts: d.clock(), kind: 'system', from: 'system', text }, (event) => pushes.publishInfo(info, event.seq));
    this.#c.sessionLog(s.id).info({ event: 'session.requeued', fromAgentId: e.fromAgentId, reason: e.reason }, 'requeued');
  }
}
