// Channel fan-out across instances. A frame for a session's topic is published to this instance's
// uWS subscribers and on one Redis channel; every other instance re-publishes it to its own
// subscribers, so a visitor on instance A and an agent on instance B share a channel with no sticky
// sessions. Small per-session state that frames change (control consent, sharing, read receipts,
// the visitor's viewport, the current URL) travels the same way as a patch, so whichever instance
// handles the next frame checks it against the same state.
import type { Logger } from 'pino';
import type { TemplatedApp, WebSocket } from '../uws.ts';
import type { Redis } from './redis.ts';
import type { SessionPatch } from '../channel/engine.ts';

export const BUS_CHANNEL = 'cb:bus';
const SEP = '\u0000'; // never inside a frame: JSON escapes control characters

export type { SessionPatch };

export class Bus {
  #app: TemplatedApp;
  #redis: Redis;
  #instanceId: string;
  #log: Logger;
  #onPatch: (p: SessionPatch) => void = () => {};
  #onKick: (agentId: string) => void = () => {};
  #onAgentChanged: (agentId: string) => void = () => {};
  #onEvent: (sessionId: string, e: { seq: number; agentsOnly: boolean; text: string }) => void = () => {};
  /** Frames relayed through Redis, for /metrics and the bench. */
  readonly stats = { out: 0, in: 0, dropped: 0 };

  constructor(app: TemplatedApp, redis: Redis, instanceId: string, log: Logger) {
    this.#app = app;
    this.#redis = redis;
    this.#instanceId = instanceId;
    this.#log = log;
  }

  async start(
    sub: Redis,
    handlers: {
      patch: (p: SessionPatch) => void;
      kick: (agentId: string) => void;
      /** An admin changed an agent's record. */
      agentChanged: (agentId: string) => void;
      /** A numbered session event, from the event log's script: every instance gets it, the appending one too. */
      event: (sessionId: string, e: { seq: number; agentsOnly: boolean; text: string }) => void;
    },
  ): Promise<void> {
    this.#onPatch = handlers.patch;
    this.#onKick = handlers.kick;
    this.#onAgentChanged = handlers.agentChanged;
    this.#onEvent = handlers.event;
    await sub.subscribe(BUS_CHANNEL);
    sub.on('message', (channel: string, message: string) => {
      if (channel === BUS_CHANNEL) this.#receive(message);
    });
  }

  /** To everyone subscribed to `topic`, on every instance. */
  publish(topic: string, text: string): void {
    this.#app.publish(topic, text);
    this.#send('p', topic, text);
  }

  /** To everyone subscribed to `topic` but the sender (no echo), on every instance. */
  relay(ws: WebSocket<unknown>, topic: string, text: string): void {
    ws.publish(topic, text);
    // Pointer, scroll and form frames are superseded by the next one; while Redis is away they are
    // dropped rather than queued (and flooded out late), and the parties re-sync when it returns.
    // Chat, consent and session frames take other paths, which queue.
    if (this.#redis.status !== 'ready') {
      this.stats.dropped++;
      return;
    }
    this.#send('p', topic, text);
  }

  patch(p: SessionPatch): void {
    this.#send('s', '', JSON.stringify(p));
  }

  /** An admin disabled this agent: close their sockets on every instance. */
  kick(agentId: string): void {
    this.#send('k', '', agentId);
  }

  /** An agent's record changed: other instances drop their cached copy. */
  agentChanged(agentId: string): void {
    this.#send('a', '', agentId);
  }

  #send(kind: 'p' | 's' | 'k' | 'a', topic: string, text: string) {
    this.stats.out++;
    this.#redis.publish(BUS_CHANNEL, `${this.#instanceId}${SEP}${kind}${SEP}${topic}${SEP}${text}`).catch((err: Error) => {
      this.#log.warn({ event: 'bus.publish-failed', err: err.message }, 'cluster fan-out failed');
    });
  }

  #receive(message: string) {
    const a = message.indexOf(SEP);
    const b = message.indexOf(SEP, a + 1);
    const c = message.indexOf(SEP, b + 1);
    const kind = message.slice(a + 1, b);
    const text = message.slice(c + 1);
    if (kind === 'e') {
      const [sessionId, seq, audience] = message.slice(b + 1, c).split(' ');
      return this.#onEvent(sessionId, { seq: Number(seq), agentsOnly: audience === 'a', text });
    }
    if (message.slice(0, a) === this.#instanceId) return;
    this.stats.in++;
    if (kind === 'p') this.#app.publish(message.slice(b + 1, c), text);
    else if (kind === 'k') this.#onKick(text);
    else if (kind === 'a') this.#onAgentChanged(text);
    else if (kind === 's') {
      try {
        this.#onPatch(JSON.parse(text) as SessionPatch);
      } catch (err) {
        this.#log.error({ err, event: 'bus.patch-failed' }, 'applying a session patch failed');
      }
    }
  }
}
