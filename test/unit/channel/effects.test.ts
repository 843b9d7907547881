// Routing effects against a fake engine: the committing instance writes the store, appends the
// session's events and counts; an instance hearing another's commit only updates its own sockets.
import { afterEach, describe, expect, it } from 'vitest';
import { agentSocket, fakeHub, visitorSocket } from './fakes.ts';

let t: ReturnType<typeof fakeHub>;
afterEach(() => t?.hub.close());

function queued() {
  t = fakeHub();
  const s = t.hub.startSession({ siteId: 'site', entryUrl: 'https://shop.test/', department: null, userAgent: null });
  const v = visitorSocket(s.id);
  t.hub.visitorOpen(v);
  t.hub.message(v, { type: 'hello' } as never);
  const a = agentSocket('ag1');
  t.hub.agentOpen(a);
  return { sid: s.id, v, a };
}

describe('effects', () => {
  it('a committed assignment: the agent follows the session, the store and webhooks hear it, the join is announced', () => {
    const { sid, a } = queued();
    t.engine.next = [{ type: 'assigned', agentId: 'ag1', sessionId: sid, previousAgentId: null }];
    t.hub.message(a, { type: 'accept', sessionId: sid } as never);
    expect(a.topics.has(`s:${sid}`)).toBe(true);
    expect(a.of('session').at(-1)?.session).toMatchObject({ sessionId: sid, state: 'active' });
    expect(t.store.session(sid)).toMatchObject({ state: 'active', agentId: 'ag1' });
    expect(t.webhooks.map((w) => w.event)).toEqual(['session.started']);
    const join = t.store.eventsAfter(sid, 0).find((e) => e.kind === 'system' && /joined the chat/.test(e.text ?? ''));
    expect(join).toBeDefined();
    const announced = t.engine.published.map((p) => p.frame).filter((f) => f.type === 'session');
    expect(announced.at(-1)).toMatchObject({ session: { state: 'active', lastSeq: join!.seq } });
  });

  it("another instance's assignment: sockets here follow it, nothing is written or announced twice", () => {
    const { sid, v, a } = queued();
    const events = t.store.eventsAfter(sid, 0).length;
    t.hub.remoteEffects([{ type: 'assigned', agentId: 'ag1', sessionId: sid, previousAgentId: null }]);
    expect(a.topics.has(`s:${sid}`)).toBe(true);
    expect(v.of('session').at(-1)?.session.state).toBe('active');
    expect(t.store.session(sid)?.state).toBe('queued');
    expect(t.store.eventsAfter(sid, 0)).toHaveLength(events);
    expect(t.webhooks).toHaveLength(0);
  });

  it('an instance restarting after another committed an assignment and died before writing it: the preloaded copy follows the routing state', () => {
    // The row says queued (the committing instance wrote it behind and was killed first); the
    // entries that assigned it are replayed silently at start, so no effect comes to correct it.
    const sid = 'restarted-1';
    t = fakeHub((engine, store) => {
      store.createSession({ id: sid, siteId: 'site', department: null, priority: 0, entryUrl: 'https://shop.test/', userAgent: null, state: 'queued', agentId: null, url: null, createdAt: 1000, acceptedAt: null, endedAt: null, endedBy: null, endReason: null, rating: null, lastSeq: 0 });
      engine.router.apply({ type: 'agent.connect', agent: { agentId: 'ag1', departments: [], capacity: 3 } });
      engine.router.apply({ type: 'visitor.join', sessionId: sid, department: null, priority: 0 });
      engine.router.apply({ type: 'accept', agentId: 'ag1', sessionId: sid });
    });
    expect(t.engine.router.agentOf(sid)).toBe('ag1');
    const v = visitorSocket(sid);
    t.hub.visitorOpen(v);
    t.hub.message(v, { type: 'hello' } as never);
    expect(v.of('session').at(-1)?.session).toMatchObject({ sessionId: sid, state: 'active' });
  });

  it('a refusal goes to the socket that asked, with its code', () => {
    const { sid, a } = queued();
    t.engine.next = [{ type: 'rejected', agentId: 'ag1', sessionId: sid, code: 'CB_ERR_ALREADY_TAKEN' }];
    t.hub.message(a, { type: 'accept', sessionId: sid } as never);
    expect(a.of('error').at(-1)).toMatchObject({ code: 'CB_ERR_ALREADY_TAKEN', ref: sid });
  });

  it('an overflow is kept for the visitor, announced once by the committing instance and re-offered on hello', () => {
    const { sid } = queued();
    t.hub.remoteEffects([{ type: 'visitor.overflow', sessionId: sid, reason: 'no-agents' }]);
    expect(t.engine.published.filter((p) => p.frame.type === 'offline.offer')).toHaveLength(0);
    t.engine.next = [{ type: 'visitor.overflow', sessionId: sid, reason: 'no-agents' }];
    t.hub.deadlineDue();
    expect(t.engine.published.filter((p) => p.frame.type === 'offline.offer')).toHaveLength(1);
    const again = visitorSocket(sid);
    t.hub.visitorOpen(again);
    t.hub.message(again, { type: 'hello' } as never);
    expect(again.of('offline.offer')).toEqual([{ type: 'offline.offer', sessionId: sid, reason: 'no-agents' }]);
  });

  it('a requeue releases the agent: their sockets stop following and are told why', () => {
    const { sid, a } = queued();
    t.engine.next = [{ type: 'assigned', agentId: 'ag1', sessionId: sid, previousAgentId: null }];
    t.hub.message(a, { type: 'accept', sessionId: sid } as never);
    t.engine.next = [{ type: 'requeued', sessionId: sid, fromAgentId: 'ag1', reason: 'agent-gone' }];
    t.hub.deadlineDue();
    expect(a.topics.has(`s:${sid}`)).toBe(false);
    expect(a.of('ended').at(-1)).toMatchObject({ sessionId: sid, reason: 'agent-gone' });
    expect(t.store.session(sid)).toMatchObject({ state: 'queued', agentId: null });
  });

  it('a session another instance ended is forgotten here', () => {
    const { sid, v } = queued();
    t.hub.message(v, { type: 'viewport', w: 1, h: 1 } as never);
    expect(t.hub.sizes().extras).toBe(1);
    t.hub.remoteEffects([{ type: 'visitor.removed', sessionId: sid, reason: 'ended' }]);
    expect(t.hub.sizes()).toMatchObject({ sessions: 0, extras: 0 });
  });
});
