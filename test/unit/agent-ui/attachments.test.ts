import { describe, expect, it } from 'vitest';
import { attachmentProblem, formatBytes, isImageType, MAX_ATTACHMENT_BYTES } from '../../../agent-ui/src/lib/attachments.ts';
import { eventToItem } from '../../../agent-ui/src/lib/chat.ts';

describe('attachments in the console', () => {
  it('accepts images and PDFs within the size limit', () => {
    expect(attachmentProblem({ name: 'a.png', type: 'image/png', size: 10 })).toBeNull();
    expect(attachmentProblem({ name: 'b.pdf', type: 'application/pdf', size: 1000 })).toBeNull();
    expect(attachmentProblem({ name: 'c.exe', type: 'application/x-msdownload', size: 10 })).toMatch(/only images/);
    expect(attachmentProblem({ name: 'd.svg', type: 'image/svg+xml', size: 10 })).toMatch(/only images/);
    expect(attachmentProblem({ name: 'e.png', type: 'image/png', size: 0 })).toMatch(/empty/);
    expect(attachmentProblem({ name: 'f.png', type: 'image/png', size: MAX_ATTACHMENT_BYTES + 1 })).toMatch(/limit is 5 MB/);
  });

  it('formats sizes', () => {
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(5 * 1024 * 1024)).toBe('5 MB');
    expect(formatBytes(12.4 * 1024 * 1024)).toBe('12 MB');
  });

  it('tells images from other files', () => {
    expect(isImageType('image/webp')).toBe(true);
    expect(isImageType('application/pdf')).toBe(false);
  });

  it('keeps the attachment of an event in the chat log item', () => {
    const item = eventToItem({
      sessionId: 's',
      seq: 4,
      ts: 1,
      kind: 'attachment',
      from: 'visitor',
      attachment: { id: 'a1', name: 'x.png', type: 'image/png', size: 3 },
    });
    expect(item).toMatchObject({ kind: 'attachment', attachment: { id: 'a1', name: 'x.png' }, text: '' });
  });
});
