// Channel fan-out across instances. A frame for a topic (`s:<sessionId>`) is published to this
// instance's uWS subscribers and on that topic's own Redis channel (`cb:s:<sessionId>`); an instance
// subscribes to a topic's channel exactly while some socket here is subscribed to the topic (uWS
// counts subscribers and tells us when the count leaves or reaches zero, socket close included), so
// an instance receives only the frames of sessions it holds sockets for, and adding an instance adds
// capacity instead of adding a copy of every frame everywhere. The visitor on instance A and the agent
// on instance B still share a channel with no sticky sessions.
//
// Cluster-wide notices stay on one broadcast channel (`cb:bus`): small per-session state that frames
// change (control consent, sharing, read receipts, the visitor's viewport, the current URL) travels
// there as a patch, so whichever instance handles the session's next frame, even one that holds no
// socket of it yet, checks it against the same state; agent kicks and record changes too. They are a
// few per session per minute, against tens of sync frames per second.
import type { Logger } from 'pino';
import type { TemplatedApp, WebSocket } from '../uws.ts';
import type { Redis } from './redis.ts';
import type { SessionPatch } from '../channel/engine.ts';

export const BUS_CHANNEL = 'cb:bus';
/** The Redis channel of a uWS topic: `s:<id>` → `cb:s:<id>`. */
export const topicChannel = (topic: string) => `cb:${topic}`;
const TOPIC_PREFIX = 'cb:s:';
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
  readonly stats = { out: 0, in: 0, dropped: 0, channels: 0 };
  #sub: Redis | null = null;
  /** Topics with a subscriber here → the SUBSCRIBE of their channel (settled once Redis confirmed it). */
  #topics = new Map<string, Promise<unknown>>();

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
    this.#sub = sub;
    await sub.subscribe(BUS_CHANNEL);
    sub.on('message', (channel: string, message: string) => {
      if (channel === BUS_CHANNEL || channel.startsWith(TOPIC_PREFIX)) this.#receive(channel, message);
    });
    // Sockets may have subscribed before start (none do today; cheap to be sure).
    for (const topic of this.#topics.keys()) this.#topics.set(topic, this.#subscribe(topic));
  }

  /**
   * uWS's count of this instance's subscribers to `topic` moved from `was` to `now`. SUBSCRIBE and
   * UNSUBSCRIBE go out in order on one connection, so Redis ends in the state of the last change
   * however quickly sockets come and go; a message for a topic nobody here follows any more is
   * published to no one.
   */
  topicCount(topic: string, now: number, was: number): void {
    if (!topic.startsWith('s:')) return; // only session topics are cluster-wide (`supervisors` is per instance)
    if (was === 0 && now > 0) this.#topics.set(topic, this.#subscribe(topic));
    else if (now === 0 && was > 0) {
      this.#topics.delete(topic);
      this.stats.channels = this.#topics.size;
      this.#sub?.unsubscribe(topicChannel(topic)).catch(() => {});
    }
  }

  /**
   * Settles once Redis confirmed this instance's subscription to `topic` (at once when there is
   * none). An event replay waits for it, so an event appended before the subscription took effect
   * is in the replay and one appended after it arrives live: none falls between the two.
   */
  subscribed(topic: string): Promise<unknown> | undefined {
    return this.#topics.get(topic);
  }

  #subscribe(topic: string): Promise<unknown> {
    this.stats.channels = this.#topics.size + 1;
    // Before start there is no connection yet; start() subscribes what was asked meanwhile.
    if (!this.#sub) return Promise.resolve();
    return this.#sub.subscribe(topicChannel(topic)).catch((err: Error) => {
      this.#log.warn({ event: 'bus.subscribe-failed', topic, err: err.message }, 'subscribing to a session channel failed');
    });
  }

  /** To everyone subscribed to `topic`, on every instance. */
  publish(topic: string, text: string): void {
    this.#app.publish(topic, text);
    this.#send(topicChannel(topic), 'p', text);
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
    this.#send(topicChannel(topic), 'p', text);
  }

  patch(p: SessionPatch): void {
    this.#send(BUS_CHANNEL, 's', JSON.stringify(p));
  }

  /** An admin disabled this agent: close their sockets on every instance. */
  kick(agentId: string): void {
    this.#send(BUS_CHANNEL, 'k', agentId);
  }

  /** An agent's record changed: other instances drop their cached copy. */
  agentChanged(agentId: string): void {
    this.#send(BUS_CHANNEL, 'a', agentId);
  }

  // Wire format: instance, kind, meta, text, separated by NUL. On a session channel the topic is the
  // channel's; kind 'e' (a numbered event) is written by the event log's script (redis-event-log.ts).
  #send(channel: string, kind: 'p' | 's' | 'k' | 'a', text: string) {
    this.stats.out++;
    this.#redis.publish(channel, `${this.#instanceId}${SEP}${kind}${SEP}${SEP}${text}`).catch((err: Error) => {
      this.#log.warn({ event: 'bus.publish-failed', err: err.message }, 'cluster fan-out failed');
    });
  }

  #receive(channel: string, message: string) {
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
    if (kind === 'p') this.#app.publish(channel.slice(3), text);
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
