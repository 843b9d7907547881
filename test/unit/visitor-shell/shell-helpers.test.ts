import { describe, expect, it } from 'vitest';
import { ChatModel } from '../../../visitor-shell/src/shell/chat-model.ts';
import { agentsOnlineText, queuePositionText, safeHttpUrl, transcriptHref, waitText } from '../../../visitor-shell/src/shell/format.ts';
import { makeProxyOriginCheck, resolveWsUrl } from '../../../visitor-shell/src/shell/origin.ts';

describe('proxy origin check', () => {
  const ok = makeProxyOriginCheck('http:', '.localhost:8081');
  it('accepts <26 base32 chars><suffix> with the page scheme', () => {
    expect(ok('http://abcdefghijklmnopqrstuvwxyz.localhost:8081')).toBe(true);
    expect(ok('http://aaaaaaaaaaaaaaaaaaaaaaaaa2.localhost:8081')).toBe(true);
  });
  it('rejects everything else', () => {
    for (const o of [
      'https://abcdefghijklmnopqrstuvwxyz.localhost:8081', // other scheme
      'http://abcdefghijklmnopqrstuvwxy.localhost:8081', // 25 chars
      'http://abcdefghijklmnopqrstuvwxyz1.localhost:8081', // 1 is not base32
      'http://ABCDEFGHIJKLMNOPQRSTUVWXYZ.localhost:8081',
      'http://abcdefghijklmnopqrstuvwxyz.localhost:8082',
      'http://abcdefghijklmnopqrstuvwxyzXlocalhost:8081', // the dot is literal
      'http://evil.com/abcdefghijklmnopqrstuvwxyz.localhost:8081',
      'http://abcdefghijklmnopqrstuvwxyz.localhost:8081.evil.com',
      'null',
      '',
    ]) {
      expect(ok(o), o).toBe(false);
    }
  });
  it('refuses non-http page schemes', () => {
    expect(makeProxyOriginCheck('file:', '.localhost:8081')('file://abcdefghijklmnopqrstuvwxyz.localhost:8081')).toBe(false);
  });
});

describe('resolveWsUrl', () => {
  it('keeps absolute ws URLs and resolves paths against the page', () => {
    expect(resolveWsUrl('ws://127.0.0.1:8080/ws/visitor?sid=a', 'http://127.0.0.1:8080/v/a')).toBe('ws://127.0.0.1:8080/ws/visitor?sid=a');
    expect(resolveWsUrl('/ws/visitor?sid=a', 'https://help.example/v/a')).toBe('wss://help.example/ws/visitor?sid=a');
  });
});

describe('wording', () => {
  it('queue position always contains the number', () => {
    expect(queuePositionText(2)).toBe('You are number 2 in the queue, 1 person ahead of you');
    expect(queuePositionText(5)).toBe('You are number 5 in the queue, 4 people ahead of you');
    expect(queuePositionText(1)).toContain('number 1');
    expect(queuePositionText(0)).toContain('next');
  });
  it('estimated wait', () => {
    expect(waitText(null)).toBe('');
    expect(waitText(30)).toContain('less than a minute');
    expect(waitText(60)).toBe('Estimated wait: about 1 minute');
    expect(waitText(150)).toBe('Estimated wait: about 3 minutes');
    expect(waitText(7200)).toContain('2 hours');
  });
  it('agents online note', () => {
    expect(agentsOnlineText(3)).toBe('');
    expect(agentsOnlineText(0)).toContain('No agent');
  });
  it('only shows http(s) links', () => {
    expect(safeHttpUrl('javascript:alert(1)')).toBe(null);
    expect(safeHttpUrl('https://a.example/x')).toBe('https://a.example/x');
    expect(safeHttpUrl('not a url')).toBe(null);
  });
  it('transcript link', () => {
    expect(transcriptHref('abc')).toBe('/api/sessions/abc/transcript?sid=abc&format=txt');
  });
});

describe('ChatModel', () => {
  const ev = (seq: number, text: string, from: 'visitor' | 'agent' | 'system' = 'agent', clientId?: string) => ({
    sessionId: 's',
    seq,
    ts: 1,
    kind: 'chat' as const,
    from,
    text,
    clientId,
  });

  it('dedupes by seq and keeps seq order', () => {
    const m = new ChatModel();
    m.addEvent(ev(2, 'b'));
    m.addEvent(ev(1, 'a'));
    expect(m.addEvent(ev(2, 'b'))).toBe(null);
    m.addEvent(ev(3, 'c'));
    expect(m.entries.map((e) => e.text)).toEqual(['a', 'b', 'c']);
  });

  it('confirms a local message in place (ack then event, or event then ack)', () => {
    const m = new ChatModel();
    m.addLocal('c1', 'hello');
    expect(m.entries[0].pending).toBe(true);
    expect(m.ack('c1', 5)?.kind).toBe('update');
    expect(m.addEvent(ev(5, 'hello', 'visitor', 'c1'))).toBe(null);
    m.addLocal('c2', 'again');
    expect(m.addEvent(ev(6, 'again', 'visitor', 'c2'))?.kind).toBe('update');
    expect(m.ack('c2', 6)).toBe(null);
    expect(m.entries.map((e) => [e.text, e.seq, e.pending])).toEqual([
      ['hello', 5, false],
      ['again', 6, false],
    ]);
  });

  it('puts stored messages before pending local ones', () => {
    const m = new ChatModel();
    m.addLocal('c1', 'mine');
    const ch = m.addEvent(ev(1, 'theirs'));
    expect(ch).toMatchObject({ kind: 'insert', index: 0 });
    expect(m.entries.map((e) => e.text)).toEqual(['theirs', 'mine']);
  });

  it('ignores nav and note events', () => {
    const m = new ChatModel();
    expect(m.addEvent({ ...ev(1, 'x'), kind: 'nav' })).toBe(null);
    expect(m.addEvent({ ...ev(2, 'x'), kind: 'note' })).toBe(null);
  });
});
