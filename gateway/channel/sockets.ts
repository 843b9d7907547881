// This instance's sockets: visitors by session, agents by agent id. Several tabs of one party are
// several sockets under one id; "connected" means at least one. Sends never throw: a socket that
// closed while an answer was on its way (a store or Redis round trip) resumes by sequence number.
//
// Sends go through the socket's mailbox, a uWS topic only that socket subscribes to. uWS writes a
// `ws.send` to a socket other than the one whose frame it is handling straight to the kernel (one
// syscall per frame: an agent with 100 sessions took one per chat event of each), while a publish
// is queued and written once per socket per event-loop iteration, corked. uWS keeps one order per
// socket across sends, publishes and topics, so frames still arrive in the order they were sent.
import { WireErrors, type ServerFrame, type WireErrorCode } from '../../protocol/index.ts';
import type { WebSocket } from '../uws.ts';
import type { FrameBudget } from './frame-budget.ts';

/** Where a socket's frames are published (set when it opens; test doubles have none and are sent to directly). */
export interface Mailbox {
  topic: string;
  app: { publish(topic: string, text: string): boolean };
}

/**
 * Where a visitor's relayed frames go, worked out on its first relayed frame: the session's topic
 * and the text appended to each frame (`sessionId` and `from`), so a pointer or scroll frame costs
 * no string building beyond one slice and one concatenation.
 */
export interface RelayTarget {
  topic: string;
  tail: string;
}

export type SocketData = (
  | { role: 'visitor'; cid: string; sessionId: string; relay?: RelayTarget }
  | { role: 'agent'; cid: string; agentId: string; name: string; email: string; agentRole: string }
) & { mailbox?: Mailbox; budget?: FrameBudget };

export const mailboxTopic = (cid: string) => `c:${cid}`;

export type Socket = WebSocket<SocketData>;
export type AgentSocketData = Extract<SocketData, { role: 'agent' }>;

export function sendText(ws: Socket, text: string): void {
  try {
    const box = ws.getUserData().mailbox;
    if (box) box.app.publish(box.topic, text);
    else ws.send(text);
  } catch {
    // uWS refuses access to a closed socket; its client resumes by sequence number when it reconnects.
  }
}

export function send(ws: Socket, frame: ServerFrame): void {
  sendText(ws, JSON.stringify(frame));
}

export function sendError(ws: Socket, code: WireErrorCode, ref?: string): void {
  send(ws, { type: 'error', code, message: WireErrors[code], ref });
}

export const isSupervisor = (d: AgentSocketData): boolean => d.agentRole === 'supervisor' || d.agentRole === 'admin';

class SocketSets {
  #by = new Map<string, Set<Socket>>();

  /** Returns how many sockets `id` has now. */
  add(id: string, ws: Socket): number {
    let set = this.#by.get(id);
    if (!set) this.#by.set(id, (set = new Set()));
    set.add(ws);
    return set.size;
  }

  /** Returns how many sockets `id` has left (-1: it had none). */
  remove(id: string, ws: Socket): number {
    const set = this.#by.get(id);
    if (!set) return -1;
    set.delete(ws);
    if (set.size === 0) this.#by.delete(id);
    return set.size;
  }

  of(id: string): Iterable<Socket> {
    return this.#by.get(id) ?? [];
  }

  has(id: string): boolean {
    return this.#by.has(id);
  }

  ids(): Iterable<string> {
    return this.#by.keys();
  }

  entries(): Iterable<[string, Set<Socket>]> {
    return this.#by.entries();
  }

  get size(): number {
    return this.#by.size;
  }
}

export class Sockets {
  readonly visitors = new SocketSets();
  readonly agents = new SocketSets();

  toVisitors(sessionId: string, frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    for (const ws of this.visitors.of(sessionId)) sendText(ws, text);
  }

  toAgent(agentId: string, frame: ServerFrame): void {
    const text = JSON.stringify(frame);
    for (const ws of this.agents.of(agentId)) sendText(ws, text);
  }
}
