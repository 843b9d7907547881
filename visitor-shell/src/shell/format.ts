// Wording for the visitor shell, pure so it can be unit tested (in the active locale, i18n/current.ts).
import { t } from '../i18n/current.ts';

export function queuePositionText(position: number): string {
  if (!Number.isFinite(position) || position < 1) return t('queue.next');
  return t('queue.position', { position: Math.round(position) });
}

export function waitText(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return t('queue.waitShort');
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t('queue.waitMinutes', { minutes });
  return t('queue.waitHours', { hours: Math.round(minutes / 6) / 10 });
}

export function agentsOnlineText(agentsOnline: number): string {
  return agentsOnline > 0 ? '' : t('queue.noAgents');
}

/** A link we are willing to show (the proxy or a page may send anything). */
export function safeHttpUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : null;
  } catch {
    return null;
  }
}

export function transcriptHref(sessionId: string): string {
  const id = encodeURIComponent(sessionId);
  return `/api/sessions/${id}/transcript?sid=${id}&format=txt`;
}
