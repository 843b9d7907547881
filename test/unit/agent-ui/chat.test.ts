import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../../protocol/index.ts';
import { addPending, insertEvent, markAcked, markFailed, pagesVisited, type ChatItem } from '../../../agent-ui/src/lib/chat.ts';

const ev = (seq: number, extra: Partial<SessionEvent> = {}): SessionEvent => ({
  sessionId: 's1',
  seq,
  ts: 1000 + seq,
  kind: 'chat',
  from: 'visitor',
  text: `m${seq}`,
  ...extra,
});

describe('agent-ui chat log', () => {
  it('keeps stored events in seq order and drops duplicates', () => {
    const list: ChatItem[] = [];
    insertEvent(list, ev(2));
    insertEvent(list, ev(1));
    insertEvent(list, ev(3));
    expect(insertEvent(list, ev(2))).toBeNull();
    expect(list.map((i) => i.seq)).toEqual([1, 2, 3]);
  });

  it('replaces a pending message with its stored copy (ack first or event first)', () => {
    const list: ChatItem[] = [];
    insertEvent(list, ev(1));
    addPending(list, { clientId: 'c1', kind: 'chat', text: 'hello', ts: 5 });
    addPending(list, { clientId: 'c2', kind: 'chat', text: 'again', ts: 6 });
    expect(markAcked(list, 'c1', 2)).toBe(true);
    expect(list.find((i) => i.clientId === 'c1')).toMatchObject({ pending: true, acked: true, seq: 2 });
    insertEvent(list, ev(2, { from: 'agent', text: 'hello', clientId: 'c1' }));
    // a visitor message stored before the second agent message lands before the pending one
    insertEvent(list, ev(3));
    expect(list.map((i) => [i.seq, i.pending])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [null, true],
    ]);
    insertEvent(list, ev(4, { from: 'agent', text: 'again', clientId: 'c2' }));
    expect(list).toHaveLength(4);
    expect(list.every((i) => !i.pending)).toBe(true);
  });

  it('matches notes (no clientId) by text and marks failures', () => {
    const list: ChatItem[] = [];
    addPending(list, { clientId: 'n1', kind: 'note', text: 'vip', ts: 1 });
    addPending(list, { clientId: 'c9', kind: 'chat', text: 'x', ts: 2 });
    insertEvent(list, ev(7, { kind: 'note', from: 'agent', text: 'vip' }));
    expect(list.map((i) => i.kind)).toEqual(['note', 'chat']);
    expect(list[0].pending).toBe(false);
    expect(markFailed(list, 'c9')).toBe(true);
    expect(list[1].failed).toBe(true);
    expect(markFailed(list, 'nope')).toBe(false);
  });

  it('lists visited pages once, in order', () => {
    const list: ChatItem[] = [];
    insertEvent(list, ev(1, { kind: 'nav', url: 'http://a/2' }));
    insertEvent(list, ev(2, { kind: 'nav', url: 'http://a/1' }));
    insertEvent(list, ev(3, { kind: 'nav', url: 'http://a/3' }));
    expect(pagesVisited(['http://a/1', 'http://a/2'], list, 'http://a/4')).toEqual(['http://a/1', 'http://a/2', 'http://a/3', 'http://a/4']);
    expect(pagesVisited(undefined, [], null)).toEqual([]);
  });
});
