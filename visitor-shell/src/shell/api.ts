// The shell's two HTTP calls besides the WebSocket: leaving an offline message and uploading an
// attachment. Same-origin fetches (the gateway checks Origin on both); the session id is the
// visitor's capability, as on the socket. The checks and URL builders are pure so they can be unit
// tested; the fetch wrappers turn every failure into a sentence the visitor can act on.
import { t } from '../i18n/current.ts';

/** What the gateway accepts as an attachment (gateway/http/console-routes.ts). */
export const ATTACHMENT_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf'] as const;
/** The gateway's default limit (MAX_ATTACHMENT_BYTES); a lower configured limit still answers 413. */
export const MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024;
export const ATTACHMENT_ACCEPT = ATTACHMENT_TYPES.join(',');

export type Result = { ok: true } | { ok: false; message: string };

export function attachmentUploadUrl(sessionId: string): string {
  const id = encodeURIComponent(sessionId);
  return `/api/sessions/${id}/attachments?sid=${id}`;
}

/** Where the visitor downloads an attachment of their session. */
export function attachmentHref(attachmentId: string, sessionId: string): string {
  return `/api/attachments/${encodeURIComponent(attachmentId)}?sid=${encodeURIComponent(sessionId)}`;
}

/** null when the file can be sent, else why not (in words for the visitor). */
export function attachmentProblem(file: { type: string; size: number }, maxBytes = MAX_ATTACHMENT_BYTES): string | null {
  const type = file.type.toLowerCase();
  if (!(ATTACHMENT_TYPES as readonly string[]).includes(type)) return t('attach.types');
  if (file.size === 0) return t('attach.empty');
  if (file.size > maxBytes) return t('attach.tooLargeLimit', { limit: formatBytes(maxBytes) });
  return null;
}

export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${Math.round(n / 1024)} KB`;
  const mb = n / (1024 * 1024);
  return `${mb < 10 ? mb.toFixed(1).replace(/\.0$/, '') : Math.round(mb)} MB`;
}

export interface OfflineInput {
  name: string;
  email: string;
  message: string;
}

export interface OfflinePayload extends OfflineInput {
  sessionId: string;
  siteId: string;
}

// The same shape the gateway's valibot `email()` accepts in practice: something@something.tld.
const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed payload, or the first problem with the visitor's input. */
export function offlinePayload(sessionId: string, siteId: string, input: OfflineInput): { ok: true; payload: OfflinePayload } | { ok: false; field: keyof OfflineInput; message: string } {
  const name = input.name.trim();
  const email = input.email.trim();
  const message = input.message.trim();
  if (!name) return { ok: false, field: 'name', message: t('offline.errName') };
  if (name.length > 120) return { ok: false, field: 'name', message: t('offline.errNameLong') };
  if (!EMAIL_RE.test(email)) return { ok: false, field: 'email', message: t('offline.errEmail') };
  if (!message) return { ok: false, field: 'message', message: t('offline.errMessage') };
  if (message.length > 4000) return { ok: false, field: 'message', message: t('offline.errMessageLong') };
  return { ok: true, payload: { sessionId, siteId, name, email, message } };
}

async function failure(res: Response, fallback: string): Promise<Result> {
  let detail = '';
  try {
    const body = (await res.json()) as { message?: unknown };
    if (typeof body.message === 'string') detail = body.message;
  } catch {
    /* not JSON */
  }
  if (res.status === 413) return { ok: false, message: t('attach.tooLarge') };
  return { ok: false, message: detail || fallback };
}

export async function postOfflineMessage(payload: OfflinePayload): Promise<Result> {
  try {
    const res = await fetch('/api/offline-messages', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(payload),
      credentials: 'same-origin',
    });
    return res.ok ? { ok: true } : await failure(res, t('offline.failed'));
  } catch {
    return { ok: false, message: t('offline.network') };
  }
}

export async function uploadAttachment(sessionId: string, file: File): Promise<Result> {
  try {
    const res = await fetch(attachmentUploadUrl(sessionId), {
      method: 'POST',
      headers: { 'content-type': file.type, 'x-filename': encodeURIComponent(file.name || 'attachment') },
      body: file,
      credentials: 'same-origin',
    });
    return res.ok ? { ok: true } : await failure(res, t('attach.failed', { name: file.name }));
  } catch {
    return { ok: false, message: t('attach.offline', { name: file.name }) };
  }
}
