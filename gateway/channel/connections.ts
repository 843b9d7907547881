// Sockets opening and closing. A party counts as connected while it has at least one socket on
// some instance: the first socket here tells the routing state it is back, the last one closing
// asks the engine whether it is still connected elsewhere before the party counts as gone (its
// grace period then runs: visitors keep their place, agents their sessions).
import type { Command } from '../routing/types.ts';
import { andThen } from '../store/maybe.ts';
import type { Maybe } from '../store/ports.ts';
import type { Channel } from './channel.ts';
import type { Departed } from './engine.ts';
import { agentCapacity } from './capacity.ts';
import { background } from './settle.ts';
import { isSupervisor, type Socket } from './sockets.ts';
import { sessionTopic } from './topics.ts';

export class Connections {
  #c: Channel;
  #closed = false;

  constructor(c: Channel) {
    this.#c = c;
  }

  visitorOpen(ws: Socket): void {
    const d = ws.getUserData();
    if (d.role !== 'visitor') return;
    const n = this.#c.sockets.visitors.add(d.sessionId, ws);
    ws.subscribe(sessionTopic(d.sessionId));
    if (n !== 1) return;
    this.#bg(andThen(this.#c.sessions.live(d.sessionId), (s) => {
      if (!s || s.state === 'ended' || !this.#c.sockets.visitors.has(d.sessionId)) return;
      this.#c.engine.presenceAdd('v', d.sessionId);
      this.#c.apply([{ type: 'visitor.reconnect', sessionId: d.sessionId }]);
    }));
  }

  visitorClose(ws: Socket): void {
    const d = ws.getUserData();
    if (d.role !== 'visitor') return;
    const left = this.#c.sockets.visitors.remove(d.sessionId, ws);
    this.#c.delivery.unfollow(d.sessionId, ws);
    if (left !== 0) return;
    const id = d.sessionId;
    this.#bg(andThen(this.#c.engine.presenceRemove('v', id), (elsewhere) => {
      if (elsewhere || this.#closed || this.#c.sockets.visitors.has(id)) return;
      return andThen(this.#c.sessions.live(id), (s) => {
        if (s && s.state !== 'ended' && !this.#c.sockets.visitors.has(id)) this.#c.apply([{ type: 'visitor.disconnect', sessionId: id }]);
      });
    }));
  }

  agentOpen(ws: Socket): void {
    const d = ws.getUserData();
    if (d.role !== 'agent') return;
    const n = this.#c.sockets.agents.add(d.agentId, ws);
    if (isSupervisor(d)) ws.subscribe('supervisors');
    const log = this.#c.agentLog(d.agentId);
    this.#bg(andThen(this.#c.frames.activeOf(d.agentId), (active) => {
      if (!this.#c.sockets.agents.has(d.agentId)) return;
      for (const s of active) ws.subscribe(sessionTopic(s.id));
    }));
    if (n === 1) {
      this.#c.engine.presenceAdd('a', d.agentId);
      // The agent may already be connected through another instance: connecting again would reset
      // a status they chose (away) to online.
      if (!this.#c.engine.router.agent(d.agentId)?.connected) this.reconnectAgent(d.agentId);
    }
    log.info({ event: 'agent.connected' }, 'agent connected');
  }

  agentClose(ws: Socket): void {
    const d = ws.getUserData();
    if (d.role !== 'agent' || this.#closed) return;
    this.#c.delivery.forgetSocket(ws);
    const left = this.#c.sockets.agents.remove(d.agentId, ws);
    if (left !== 0) return;
    this.#bg(andThen(this.#c.engine.presenceRemove('a', d.agentId), (elsewhere) => {
      if (!elsewhere && !this.#c.sockets.agents.has(d.agentId) && !this.#closed) return this.#agentGone(d.agentId, d.name);
    }));
  }

  /** Commits that the agent is connected, with their departments and capacity from their record. */
  reconnectAgent(agentId: string): void {
    this.#bg(andThen(this.#c.agents.get(agentId), (rec) => {
      const { d } = this.#c;
      const departments = rec?.departments ?? [];
      const cmd: Command = { type: 'agent.connect', agent: { agentId, departments, capacity: agentCapacity(rec?.capacity ?? null, departments, d.departmentCapacity, d.defaultCapacity) } };
      this.#c.apply([cmd]);
    }));
  }

  #agentGone(agentId: string, name: string) {
    return andThen(this.#c.frames.activeOf(agentId), (active) => {
      for (const s of active) {
        this.#c.timeline.append({ sessionId: s.id, ts: this.#c.d.clock(), kind: 'system', from: 'system', text: `${name} lost their connection. Waiting for them to come back…` });
      }
      this.#c.apply([{ type: 'agent.disconnect', agentId }]);
      this.#c.agentLog(agentId).info({ event: 'agent.disconnected' }, 'agent disconnected');
    });
  }

  /** Another instance died: its sockets count as dropped (those connected nowhere else, nor here). */
  departed(dep: Departed): void {
    for (const agentId of dep.agents) {
      if (this.#c.sockets.agents.has(agentId)) continue;
      this.#bg(andThen(this.#c.agents.get(agentId), (rec) => this.#agentGone(agentId, rec?.name ?? 'The agent')));
    }
    for (const sessionId of dep.visitors) {
      if (this.#c.sockets.visitors.has(sessionId)) continue;
      this.#bg(andThen(this.#c.sessions.live(sessionId), (s) => {
        if (s && s.state !== 'ended' && !this.#c.sockets.visitors.has(sessionId)) this.#c.apply([{ type: 'visitor.disconnect', sessionId }]);
      }));
    }
  }

  /** Closes this instance's sockets of an agent (an admin disabled them). */
  closeAgent(agentId: string): void {
    for (const ws of [...this.#c.sockets.agents.of(agentId)]) ws.end(4403, 'account disabled');
  }

  #bg(v: Maybe<unknown>) {
    background(v, this.#c.d.log, 'socket handling failed');
  }

  close(): void {
    this.#closed = true;
  }
}
