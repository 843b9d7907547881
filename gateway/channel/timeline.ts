// A session's numbered events as the sockets here see them: appending (the engine's log numbers and
// fans out), replaying what a (re)connecting socket lacks, and catching an agent-side socket up on a
// session (its info, events, the visitor's viewport and last read receipt).
import type { SessionEvent } from '../../protocol/index.ts';
import type { SessionRecord } from '../store/types.ts';
import { thenCatch } from '../store/maybe.ts';
import type { Channel } from './channel.ts';
import { background } from './settle.ts';
import { delivered, type Appended } from './event-log.ts';
import { send, sendError, type Socket } from './sockets.ts';

export class Timeline {
  #c: Channel;

  constructor(c: Channel) {
    this.#c = c;
  }

  /**
   * Appends to the session's log, then runs `then` (at once with one process; when Redis answers in
   * a cluster, where the append script itself fans the event out, so an instance dying right after
   * the append loses nothing). The event reaches the sockets following the session through the
   * engine's listener, before `then`. A failed append is logged and reported to `ws` when given.
   */
  append(e: Omit<SessionEvent, 'seq'>, then?: (event: SessionEvent, duplicate: boolean) => void, ws?: Socket): void {
    background(thenCatch(
      this.#c.engine.events.append(e),
      (r: Appended) => {
        const s = this.#c.sessions.cached(e.sessionId);
        if (s && !r.duplicate && r.event.seq > s.lastSeq) s.lastSeq = r.event.seq;
        then?.(r.event, r.duplicate);
      },
      (err) => {
        this.#c.sessionLog(e.sessionId).error({ err, kind: e.kind }, 'event append failed');
        if (ws) sendError(ws, 'CB_ERR_INTERNAL');
      },
    ), this.#c.d.log, 'handling an appended event failed');
  }

  /** Sends the session's events after `afterSeq` the socket lacks, then what arrived meanwhile (visitors never see internal notes). */
  replay(ws: Socket, sessionId: string, afterSeq: number): void {
    const { delivery } = this.#c;
    delivery.beginReplay(sessionId, ws);
    background(thenCatch(
      this.#c.engine.events.after(sessionId, afterSeq),
      (events) => delivery.endReplay(sessionId, ws, events.map(delivered)),
      (err) => {
        this.#c.sessionLog(sessionId).error({ err }, 'event replay failed');
        delivery.endReplay(sessionId, ws, []);
        sendError(ws, 'CB_ERR_INTERNAL');
      },
    ), this.#c.d.log, 'handling a replay failed');
  }

  /** Everything an agent-side socket needs to show a session. */
  catchUpAgent(ws: Socket, s: SessionRecord, afterSeq: number): void {
    send(ws, { type: 'session', session: this.#c.pushes.info(s) });
    this.#c.delivery.follow(s.id, ws, true, afterSeq);
    this.replay(ws, s.id, afterSeq);
    const x = this.#c.extras.get(s.id);
    if (x?.viewport) send(ws, x.viewport);
    if (x?.reads.visitor !== undefined) send(ws, { type: 'read', sessionId: s.id, from: 'visitor', seq: x.reads.visitor });
  }
}
