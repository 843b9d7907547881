// Which party (visitor or agent) sent a proxied request, so the single-flight page cache shares a
// page only between the two parties' fetches of ONE navigation (gateway/proxy/page-cache.ts). The
// overlay sets `__cb_party=<role>` in the browser's cookie store of each proxy host it runs on
// (visitor-shell/src/overlay/party-cookie.ts); both parties share one server-side jar, so this
// browser cookie is the only thing that tells their requests apart. It is a marker, never a
// credential: it is taken out of the Cookie header before the request goes upstream, and the
// overlay hides it from document.cookie. The first load of a proxy host carries none (null: the
// policy then shares by count only).

export type NavParty = 'visitor' | 'agent';

export const PARTY_COOKIE = '__cb_party';

/** The party named by the request's browser cookies, or null. */
export function partyOf(cookieHeader: string | undefined): NavParty | null {
  if (!cookieHeader || !cookieHeader.includes(PARTY_COOKIE)) return null;
  for (const part of cookieHeader.split(';')) {
    const i = part.indexOf('=');
    if (i < 0 || part.slice(0, i).trim() !== PARTY_COOKIE) continue;
    const v = part.slice(i + 1).trim();
    if (v === 'visitor' || v === 'agent') return v;
  }
  return null;
}

/** The Cookie header without the party marker (what the site may see). */
export function withoutPartyCookie(cookieHeader: string): string {
  if (!cookieHeader.includes(PARTY_COOKIE)) return cookieHeader;
  return cookieHeader
    .split(';')
    .filter((part) => {
      const i = part.indexOf('=');
      return (i < 0 ? part : part.slice(0, i)).trim() !== PARTY_COOKIE;
    })
    .map((s) => s.trim())
    .filter(Boolean)
    .join('; ');
}
