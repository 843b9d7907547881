// EventDelivery: each following socket gets a session's events exactly once, in order, with a replay
// racing live events (as a Redis read races Redis pub/sub), and internal notes only on the agent side.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventDelivery, type Delivered } from '../../../gateway/channel/event-delivery.ts';

const ev = (seq: number, agentsOnly = false): Delivered => ({ seq, agentsOnly, text: String(seq) });

function harness() {
  const got = new Map<string, number[]>();
  const d = new EventDelivery<string>((socket, text) => got.set(socket, [...(got.get(socket) ?? []), Number(text)]));
  return { d, got: (s: string) => got.get(s) ?? [] };
}

describe('EventDelivery', () => {
  it('holds live events behind a replay, then sends only what the socket lacks', () => {
    const { d, got } = harness();
    d.follow('s', 'v', false, 2);
    d.beginReplay('s', 'v');
    d.deliver('s', ev(4));
    d.deliver('s', ev(5));
    d.endReplay('s', 'v', [ev(3), ev(4)]);
    d.deliver('s', ev(5));
    d.deliver('s', ev(6));
    expect(got('v')).toEqual([3, 4, 5, 6]);
  });

  it('keeps notes from the visitor side and stops after unfollow', () => {
    const { d, got } = harness();
    d.follow('s', 'v', false);
    d.follow('s', 'a', true);
    d.deliver('s', ev(1));
    d.deliver('s', ev(2, true));
    d.unfollow('s', 'v');
    d.deliver('s', ev(3));
    expect(got('v')).toEqual([1]);
    expect(got('a')).toEqual([1, 2, 3]);
  });

  it('a closing socket unfollows exactly its own sessions, and nothing of it is kept', () => {
    const { d, got } = harness();
    for (let i = 0; i < 1000; i++) d.follow(`s${i}`, `v${i}`, false);
    d.follow('s1', 'agent', true);
    d.follow('s2', 'agent', true);
    d.follow('s2', 'agent', true); // following again keeps one entry
    expect(d.sockets).toBe(1001);
    d.forgetSocket('agent');
    expect(d.sockets).toBe(1000);
    expect(d.following('s1', 'agent')).toBe(false);
    expect(d.following('s2', 'agent')).toBe(false);
    expect(d.following('s1', 'v1')).toBe(true);
    d.deliver('s1', ev(1));
    expect(got('agent')).toEqual([]);
    expect(got('v1')).toEqual([1]);
    // Unfollowing one by one leaves no trace either.
    for (let i = 0; i < 1000; i++) d.unfollow(`s${i}`, `v${i}`);
    expect(d.sockets).toBe(0);
    expect(d.size).toBe(0);
  });

  it('any interleaving of a replay and live events yields exactly the gap, in order', () => {
    fc.assert(
      fc.property(fc.nat({ max: 20 }), fc.nat({ max: 30 }), fc.nat({ max: 30 }), fc.nat({ max: 30 }), (resume, readAt, openAt, total) => {
        // Events 1..total are numbered in order. The replay read sees those up to `readAt`; live
        // delivery to this socket starts with event `openAt + 1` (the follow happened then), and
        // the replay's answer comes back after every live event was delivered.
        const { d, got } = harness();
        const last = Math.max(total, resume);
        const read = Math.min(Math.max(readAt, openAt), last);
        d.follow('s', 'v', false, resume);
        d.beginReplay('s', 'v');
        for (let seq = Math.min(openAt, last) + 1; seq <= last; seq++) d.deliver('s', ev(seq));
        const replay = [];
        for (let seq = resume + 1; seq <= read; seq++) replay.push(ev(seq));
        d.endReplay('s', 'v', replay);
        const expected = [];
        for (let seq = resume + 1; seq <= last; seq++) expected.push(seq);
        expect(got('v')).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });
});
