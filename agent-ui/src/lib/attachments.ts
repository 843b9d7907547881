// Files the agent can send in the chat: the gateway stores images and PDFs only. Checked here first
// so the agent gets a clear message without uploading. Pure, unit-tested.

export const ATTACHMENT_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'] as const;
/** The gateway's default MAX_ATTACHMENT_BYTES; a gateway configured higher still answers for itself. */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const ATTACHMENT_ACCEPT = ATTACHMENT_TYPES.join(',');

export function isImageType(type: string): boolean {
  return type.startsWith('image/');
}

/** 999 → "999 B", 1536 → "1.5 KB", 5 242 880 → "5 MB". */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${Math.max(0, Math.round(n || 0))} B`;
  const units = ['KB', 'MB', 'GB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 || Number.isInteger(v) ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** Why this file cannot be sent, or null. */
export function attachmentProblem(file: { name: string; type: string; size: number }, maxBytes = MAX_ATTACHMENT_BYTES): string | null {
  if (!(ATTACHMENT_TYPES as readonly string[]).includes(file.type)) {
    return `${file.name || 'This file'} cannot be sent: only images (PNG, JPEG, GIF, WebP) and PDFs.`;
  }
  if (file.size === 0) return `${file.name || 'This file'} is empty.`;
  if (file.size > maxBytes) return `${file.name || 'This file'} is ${formatBytes(file.size)}; the limit is ${formatBytes(maxBytes)}.`;
  return null;
}
