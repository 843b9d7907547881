// Pure parts of the shell's newer features: attachment checks and links, the offline-message
// payload, the frame size report, attachments and read receipts in the chat model.
import { describe, expect, it } from 'vitest';
import type { SessionEvent } from '../../../protocol/index.ts';
import { attachmentHref, attachmentProblem, attachmentUploadUrl, formatBytes, offlinePayload } from '../../../visitor-shell/src/shell/api.ts';
import { ChatModel } from '../../../visitor-shell/src/shell/chat-model.ts';
import { viewportSize } from '../../../visitor-shell/src/shell/viewport.ts';

const ev = (seq: number, from: SessionEvent['from'], extra: Partial<SessionEvent> = {}): SessionEvent => ({
  sessionId: 's1',
  seq,
  ts: 1000 + seq,
  kind: 'chat',
  from,
  text: `m${seq}`,
  ...extra,
});

describe('attachments', () => {
  it('accepts images and PDFs within the limit, refuses the rest with a reason', () => {
    for (const type of ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'IMAGE/PNG']) {
      expect(attachmentProblem({ type, size: 10 }), type).toBeNull();
    }
    expect(attachmentProblem({ type: 'text/plain', size: 10 })).toMatch(/Only images .* PDF/);
    expect(attachmentProblem({ type: 'image/svg+xml', size: 10 })).toMatch(/Only images/); // scriptable: not an image here
    expect(attachmentProblem({ type: '', size: 10 })).toMatch(/Only images/);
    expect(attachmentProblem({ type: 'image/png', size: 0 })).toMatch(/empty/);
    expect(attachmentProblem({ type: 'image/png', size: 5 * 1024 * 1024 + 1 })).toBe('That file is too large: the limit is 5 MB.');
    expect(attachmentProblem({ type: 'image/png', size: 2000 }, 1000)).toMatch(/too large: the limit is 1000 B/);
  });
  it('builds the upload and download URLs with the session id as the capability', () => {
    expect(attachmentUploadUrl('abc_DEF-1')).toBe('/api/sessions/abc_DEF-1/attachments?sid=abc_DEF-1');
    expect(attachmentHref('att1', 'abc')).toBe('/api/attachments/att1?sid=abc');
    expect(attachmentHref('a/b', 'c&d')).toBe('/api/attachments/a%2Fb?sid=c%26d');
  });
  it('formats sizes', () => {
    expect(formatBytes(69)).toBe('69 B');
    expect(formatBytes(2048)).toBe('2 KB');
    expect(formatBytes(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MB');
    expect(formatBytes(25 * 1024 * 1024)).toBe('25 MB');
    expect(formatBytes(-1)).toBe('');
  });
});

describe('offline message payload', () => {
  const ok = { name: ' Nora ', email: ' nora@example.test ', message: ' Hello \n' };
  it('trims and carries the session and site', () => {
    expect(offlinePayload('s1', 'demo', ok)).toEqual({ ok: true, payload: { sessionId: 's1', siteId: 'demo', name: 'Nora', email: 'nora@example.test', message: 'Hello' } });
  });
  it('names the first field to fix', () => {
    expect(offlinePayload('s1', 'demo', { ...ok, name: '  ' })).toMatchObject({ ok: false, field: 'name' });
    expect(offlinePayload('s1', 'demo', { ...ok, name: 'x'.repeat(121) })).toMatchObject({ ok: false, field: 'name' });
    for (const email of ['', 'nora', 'nora@', 'nora@example', 'no ra@example.test', '@example.test']) {
      expect(offlinePayload('s1', 'demo', { ...ok, email }), email).toMatchObject({ ok: false, field: 'email' });
    }
    expect(offlinePayload('s1', 'demo', { ...ok, message: ' ' })).toMatchObject({ ok: false, field: 'message' });
    expect(offlinePayload('s1', 'demo', { ...ok, message: 'x'.repeat(4001) })).toMatchObject({ ok: false, field: 'message' });
  });
});

describe('viewport size', () => {
  it('reports integer CSS pixels within the protocol bounds', () => {
    expect(viewportSize(390, 844)).toEqual({ w: 390, h: 844 });
    expect(viewportSize(389.6, 843.2)).toEqual({ w: 390, h: 843 });
    expect(viewportSize(50, 20000)).toEqual({ w: 100, h: 10000 });
  });
  it('reports nothing for a frame that is not laid out', () => {
    expect(viewportSize(0, 844)).toBeNull();
    expect(viewportSize(390, 0)).toBeNull();
    expect(viewportSize(Number.NaN, 1)).toBeNull();
  });
});

describe('chat model: attachments and read receipts', () => {
  it('keeps attachment events, named by their file, in seq order and once', () => {
    const m = new ChatModel();
    const attachment = { id: 'a1', name: 'photo.png', type: 'image/png', size: 68 };
    m.addEvent(ev(2, 'visitor', { kind: 'attachment', text: undefined, attachment }));
    m.addEvent(ev(1, 'agent'));
    expect(m.addEvent(ev(2, 'visitor', { kind: 'attachment', text: undefined, attachment }))).toBeNull();
    expect(m.addEvent(ev(3, 'visitor', { kind: 'attachment', text: undefined }))).toBeNull(); // no file: nothing to show
    expect(m.entries.map((e) => [e.seq, e.text, e.attachment?.id ?? null])).toEqual([
      [1, 'm1', null],
      [2, 'photo.png', 'a1'],
    ]);
  });
  it('knows the agent’s latest message and which visitor message a read covers', () => {
    const m = new ChatModel();
    expect(m.lastAgentSeq()).toBe(0);
    m.addEvent(ev(1, 'system'));
    m.addEvent(ev(2, 'visitor'));
    m.addEvent(ev(3, 'agent'));
    m.addEvent(ev(4, 'visitor'));
    m.addLocal('c1', 'still sending');
    expect(m.lastAgentSeq()).toBe(3);
    expect(m.seenEntry(1)).toBeNull();
    expect(m.seenEntry(3)?.seq).toBe(2);
    expect(m.seenEntry(4)?.seq).toBe(4);
    // A pending message is never "seen"; once stored and read, it is.
    expect(m.seenEntry(99)?.seq).toBe(4);
    m.ack('c1', 5);
    expect(m.seenEntry(99)?.text).toBe('still sending');
  });
});
