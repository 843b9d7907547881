// Frame handling against a fake engine: what each frame of each party does to the session's state,
// what the hub asks the engine to share and relay, and what it refuses with which code.
import { afterEach, describe, expect, it } from 'vitest';
import { agentSocket, fakeHub, visitorSocket } from './fakes.ts';
import type { Effect } from '../../../gateway/routing/types.ts';

let t: ReturnType<typeof fakeHub>;
afterEach(() => t?.hub.close());

/** A session started, its visitor connected and said hello; `agent` serves it when given. */
function session(agentId?: string) {
  t = fakeHub();
  const s = t.hub.startSession({ siteId: 'site', entryUrl: 'https://shop.test/', department: null, userAgent: null });
  const v = visitorSocket(s.id);
  t.hub.visitorOpen(v);
  t.hub.message(v, { type: 'hello' } as never);
  let a;
  if (agentId) {
    a = agentSocket(agentId);
    t.hub.agentOpen(a);
    t.engine.next = [{ type: 'assigned', agentId, sessionId: s.id, previousAgentId: null } satisfies Effect];
    t.hub.message(a, { type: 'accept', sessionId: s.id } as never);
  }
  return { sid: s.id, v, a: a! };
}

describe('frames', () => {
  it('a visitor chat is numbered, acknowledged with its seq, and delivered once to both parties', () => {
    const { sid, v, a } = session('ag1');
    t.hub.message(v, { type: 'chat', text: 'hello', clientId: 'c1' } as never);
    const ack = v.of('ack').find((f) => f.clientId === 'c1');
    expect(ack?.seq).toBeGreaterThan(0);
    const chats = (ws: typeof v) => ws.of('event').filter((f) => f.event.kind === 'chat');
    expect(chats(v).map((f) => f.event.text)).toEqual(['hello']);
    expect(chats(a).map((f) => f.event.seq)).toEqual([ack!.seq]);
    // A resend with the same clientId is acknowledged with the same number and not delivered again.
    t.hub.message(v, { type: 'chat', text: 'hello', clientId: 'c1' } as never);
    expect(v.of('ack').filter((f) => f.clientId === 'c1').map((f) => f.seq)).toEqual([ack!.seq, ack!.seq]);
    expect(chats(a)).toHaveLength(1);
    expect(t.store.eventsAfter(sid, 0).filter((e) => e.kind === 'chat')).toHaveLength(1);
  });

  it('control consent is recorded, shared with the other instances and relayed; act is refused until granted', () => {
    const { sid, v, a } = session('ag1');
    t.hub.message(a, { type: 'act', sessionId: sid, action: 'click', selector: '#x' } as never);
    expect(a.of('error').at(-1)?.code).toBe('CB_ERR_NOT_ALLOWED');
    t.hub.message(v, { type: 'control', action: 'grant' } as never);
    expect(t.engine.patches).toContainEqual({ sessionId: sid, control: true });
    expect(t.engine.relayed.at(-1)?.ws).toBe(v);
    const relays = t.engine.relayed.length;
    t.hub.message(a, { type: 'act', sessionId: sid, action: 'click', selector: '#x' } as never);
    expect(t.engine.relayed).toHaveLength(relays + 1);
    expect(JSON.parse(t.engine.relayed.at(-1)!.text)).toMatchObject({ type: 'act', sessionId: sid, from: 'agent' });
  });

  it("a visitor's pointer and scroll frames are relayed as sent, with the session and sender appended", () => {
    const { sid, v } = session('ag1');
    const raw = '{"type":"pointer","path":"main>a","fx":0.5,"fy":0.25,"extra":1}';
    t.hub.message(v, { type: 'pointer', path: 'main>a', fx: 0.5, fy: 0.25 } as never, raw);
    const scroll = '{"type":"scroll","scroll":{"target":"","anchor":"p","offset":12}} ';
    t.hub.message(v, { type: 'scroll', scroll: { target: '', anchor: 'p', offset: 12 } } as never, scroll);
    // Without the text (an in-process caller) the frame is serialised.
    t.hub.message(v, { type: 'pointer', path: 'x', fx: 1, fy: 2 } as never);
    const sent = t.engine.relayed.slice(-3);
    expect(sent.map((r) => [r.ws, r.topic])).toEqual([[v, `s:${sid}`], [v, `s:${sid}`], [v, `s:${sid}`]]);
    expect(sent[0].text).toBe(`{"type":"pointer","path":"main>a","fx":0.5,"fy":0.25,"extra":1,"sessionId":"${sid}","from":"visitor"}`);
    expect(JSON.parse(sent[1].text)).toEqual({ type: 'scroll', scroll: { target: '', anchor: 'p', offset: 12 }, sessionId: sid, from: 'visitor' });
    expect(JSON.parse(sent[2].text)).toEqual({ type: 'pointer', path: 'x', fx: 1, fy: 2, sessionId: sid, from: 'visitor' });
  });

  it('a consent patch from another instance counts like a local grant', () => {
    const { sid, a } = session('ag1');
    t.hub.remotePatch({ sessionId: sid, control: true });
    t.hub.message(a, { type: 'act', sessionId: sid, action: 'click', selector: '#x' } as never);
    expect(a.of('error')).toHaveLength(0);
    expect(t.engine.relayed.at(-1)?.ws).toBe(a);
  });

  it('while the visitor pauses sharing, nothing from the agent but typing reaches their page', () => {
    const { sid, v, a } = session('ag1');
    t.hub.message(v, { type: 'sharing', on: false } as never);
    expect(t.engine.patches).toContainEqual({ sessionId: sid, sharing: false });
    const before = t.engine.relayed.length;
    t.hub.message(a, { type: 'pointer', sessionId: sid, x: 1, y: 2 } as never);
    expect(t.engine.relayed).toHaveLength(before);
    t.hub.message(a, { type: 'typing', sessionId: sid, on: true } as never);
    expect(t.engine.relayed).toHaveLength(before + 1);
  });

  it("an agent's frame for a session they do not serve is refused, and a visitor may not act", () => {
    const { sid, v } = session();
    const other = agentSocket('ag2');
    t.hub.agentOpen(other);
    t.hub.message(other, { type: 'chat', sessionId: sid, text: 'hi', clientId: 'x' } as never);
    expect(other.of('error').at(-1)).toMatchObject({ code: 'CB_ERR_SESSION_UNKNOWN', ref: sid });
    t.hub.message(v, { type: 'act', action: 'click', selector: '#x' } as never);
    expect(v.of('error').at(-1)?.code).toBe('CB_ERR_NOT_ALLOWED');
  });

  it('navigation is checked against the policy, stored, shared and relayed with a proxy URL; a refused lead is reported', () => {
    const { sid, a } = session('ag1');
    t.hub.message(a, { type: 'lead', sessionId: sid, url: 'http://127.0.0.1/admin' } as never);
    expect(a.of('error').at(-1)?.code).toBe('CB_ERR_TARGET_REFUSED');
    t.hub.message(a, { type: 'lead', sessionId: sid, url: 'https://shop.test/cart' } as never);
    expect(t.store.session(sid)?.url).toBe('https://shop.test/cart');
    expect(t.engine.patches).toContainEqual({ sessionId: sid, url: 'https://shop.test/cart' });
    const nav = t.engine.published.map((p) => p.frame).find((f) => f.type === 'navigate');
    expect(nav).toMatchObject({ url: 'https://shop.test/cart', by: 'agent' });
  });

  it('the visitor ending the chat ends it once: stored, announced, routing told, per-session state forgotten', () => {
    const { sid, v } = session('ag1');
    t.hub.message(v, { type: 'viewport', w: 800, h: 600 } as never);
    t.hub.message(v, { type: 'end', rating: 5 } as never);
    expect(t.store.session(sid)).toMatchObject({ state: 'ended', endedBy: 'visitor', rating: 5 });
    expect(t.engine.applied.at(-1)).toEqual([{ type: 'session.end', sessionId: sid }]);
    expect(t.engine.published.map((p) => p.frame.type)).toContain('ended');
    expect(t.webhooks.map((w) => w.event)).toContain('session.ended');
    t.hub.message(v, { type: 'chat', text: 'late', clientId: 'c9' } as never);
    expect(v.of('error').at(-1)?.code).toBe('CB_ERR_SESSION_ENDED');
    expect(t.hub.sizes()).toMatchObject({ sessions: 0, extras: 0 });
  });
});
