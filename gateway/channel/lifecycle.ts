// A session's start and end: the record created and queued, then ended once (stored, announced,
// routing told, webhooks, and what this instance kept about it forgotten).
import type { SessionRecord } from '../store/types.ts';
import { andThen } from '../store/maybe.ts';
import { checkTarget } from '../proxy/target-policy.ts';
import { newId } from '../ids.ts';
import type { Channel } from './channel.ts';

export interface StartInput {
  siteId: string;
  entryUrl: string;
  department: string | null;
  userAgent: string | null;
  /** The visitor's language (BCP 47), shown to the agent. */
  language?: string | null;
  priority?: number;
}

export class Lifecycle {
  #c: Channel;

  constructor(c: Channel) {
    this.#c = c;
  }

  /**
   * A visitor clicked the hyperlink: create the session and queue it. `queued` settles once the
   * session is stored and its join committed (at once with one process on SQLite): answering the
   * visitor only then makes queue order the order in which visitors were answered, whichever
   * instance each one reached.
   */
  start(input: StartInput): SessionRecord & { queued?: Promise<void> } {
    const { d } = this.#c;
    const now = d.clock();
    const target = checkTarget(input.entryUrl, d.policy);
    const rec: SessionRecord = {
      id: newId(),
      siteId: input.siteId,
      department: input.department,
      priority: input.priority ?? 0,
      entryUrl: input.entryUrl,
      userAgent: input.userAgent,
      language: input.language ?? null,
      state: 'queued',
      agentId: null,
      url: target.ok ? target.url.href : null,
      createdAt: now,
      acceptedAt: null,
      endedAt: null,
      endedBy: null,
      endReason: null,
      rating: null,
      lastSeq: 0,
    };
    this.#c.sessions.add(rec);
    d.writer.write(rec.id, 'session created', () => d.store.createSession({ ...rec }));
    const log = this.#c.sessionLog(rec.id);
    const queued = andThen(d.writer.settled(rec.id), () => {
      this.#c.timeline.append({ sessionId: rec.id, ts: now, kind: 'system', from: 'system', text: 'Waiting for an agent…' }, () => {
        if (rec.url) this.#c.timeline.append({ sessionId: rec.id, ts: now, kind: 'nav', from: 'visitor', url: rec.url });
      });
      log.info({ event: 'session.queued', siteId: rec.siteId, department: rec.department }, 'session queued');
      d.metrics.sessionsStarted.inc();
      // Joined as away until the shell's socket opens, in one step: no agent is offered a visitor
      // who never arrived, and none sees an offer come and go (issue 14).
      return this.#c.apply([
        { type: 'visitor.join', sessionId: rec.id, department: rec.department, priority: rec.priority },
        { type: 'visitor.disconnect', sessionId: rec.id },
      ]);
    });
    return queued ? { ...rec, queued } : rec;
  }

  end(s: SessionRecord, by: 'visitor' | 'agent' | 'system', reason: string, rating?: number) {
    if (s.state === 'ended') return;
    const { d } = this.#c;
    const c = this.#c;
    const now = d.clock();
    if (s.acceptedAt) c.handleTimes.record((now - s.acceptedAt) / 1000);
    Object.assign(s, { state: 'ended', endedAt: now, endedBy: by, endReason: reason });
    d.writer.write(s.id, 'session ended', () => d.store.updateSession(s.id, { state: 'ended', endedAt: now, endedBy: by, endReason: reason, rating: rating ?? null }));
    const info = c.pushes.info(s);
    c.timeline.append({ sessionId: s.id, ts: now, kind: 'system', from: 'system', text: `Chat ${reason}.` }, (event) => {
      c.pushes.publishInfo(info, event.seq);
      c.pushes.publish(s.id, { type: 'ended', sessionId: s.id, by, reason });
      c.engine.events.ended(s.id);
    });
    c.apply([{ type: 'session.end', sessionId: s.id }]);
    this.forget(s.id);
    d.jars.drop(s.id);
    d.metrics.sessionsEnded.inc({ by });
    d.webhooks.emit('session.ended', { sessionId: s.id, by, reason, rating: rating ?? null, siteId: s.siteId, agentId: s.agentId, lastSeq: s.lastSeq });
    c.sessionLog(s.id).info({ event: 'session.ended', by, reason, rating }, 'session ended');
  }

  /** Drops what this instance keeps about a session that ended (here or on another instance). */
  forget(sessionId: string): void {
    this.#c.sessions.delete(sessionId);
    this.#c.extras.forget(sessionId);
    this.#c.d.registry.dropSession(sessionId);
  }
}
