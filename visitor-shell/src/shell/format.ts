// Wording for the visitor shell, pure so it can be unit tested.

export function queuePositionText(position: number): string {
  if (!Number.isFinite(position) || position < 1) return 'You are next in the queue';
  const n = Math.round(position);
  return n === 1 ? 'You are number 1 in the queue — you are next' : `You are number ${n} in the queue`;
}

export function waitText(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return 'Estimated wait: less than a minute';
  const min = Math.round(seconds / 60);
  if (min < 60) return `Estimated wait: about ${min} minute${min === 1 ? '' : 's'}`;
  const hours = Math.round(min / 6) / 10;
  return `Estimated wait: about ${hours} hour${hours === 1 ? '' : 's'}`;
}

export function agentsOnlineText(agentsOnline: number): string {
  return agentsOnline > 0 ? '' : 'No agent is online right now. Keep this page open: you keep your place in the queue.';
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
