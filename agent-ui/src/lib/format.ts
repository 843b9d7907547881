// Small pure formatting helpers (unit-tested in test/unit/agent-ui).
import { MAX_URL_CHARS } from '../../../protocol/limits.ts';

/** 35_000 → "0:35", 3_725_000 → "1:02:05". Negative durations show as 0:00. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
/** Local wall-clock time of a timestamp, e.g. "14:05". */
export function formatTime(ts: number): string {
  return timeFmt.format(ts);
}

/** "https://www.shop.example/a/b?x=1" → "shop.example/a/b?x=1"; anything unparsable is returned as is. */
export function shortUrl(url: string | null | undefined): string {
  if (!url) return '';
  try {
    const u = new URL(url);
    const host = u.host.replace(/^www\./, '');
    const path = u.pathname === '/' ? '' : u.pathname;
    return `${host}${path}${u.search}${u.hash}`;
  } catch {
    return url;
  }
}

/** Path, query and hash of a URL ("/" for the root). */
export function pathOf(url: string | null | undefined): string {
  if (!url) return '';
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}${u.hash}`;
  } catch {
    return url;
  }
}

/** A short human label for a visitor: sessions have no names, so use the id's tail (letters and digits). */
export function visitorLabel(sessionId: string): string {
  const tail = sessionId.replace(/[^A-Za-z0-9]/g, '').slice(-4).toUpperCase();
  return tail ? `Visitor ${tail}` : 'Visitor';
}

/** "Chrome 126 on Windows" from a user-agent string; "Unknown browser" when absent. */
export function browserFromUA(ua: string | null | undefined): string {
  if (!ua) return 'Unknown browser';
  const pick = (re: RegExp) => re.exec(ua)?.[1];
  let browser = 'Unknown browser';
  let v: string | undefined;
  if ((v = pick(/Edg(?:e|A|iOS)?\/(\d+)/))) browser = `Edge ${v}`;
  else if ((v = pick(/OPR\/(\d+)/))) browser = `Opera ${v}`;
  else if ((v = pick(/SamsungBrowser\/(\d+)/))) browser = `Samsung Internet ${v}`;
  else if ((v = pick(/(?:Firefox|FxiOS)\/(\d+)/))) browser = `Firefox ${v}`;
  else if ((v = pick(/HeadlessChrome\/(\d+)/))) browser = `Chrome ${v} (headless)`;
  else if ((v = pick(/(?:Chrome|CriOS)\/(\d+)/))) browser = `Chrome ${v}`;
  else if ((v = pick(/Version\/(\d+(?:\.\d+)?).*Safari/))) browser = `Safari ${v}`;
  let os = '';
  if (/iPhone|iPad|iPod/.test(ua)) os = 'iOS';
  else if (/Android/.test(ua)) os = 'Android';
  else if (/CrOS/.test(ua)) os = 'ChromeOS';
  else if (/Windows/.test(ua)) os = 'Windows';
  else if (/Mac OS X|Macintosh/.test(ua)) os = 'macOS';
  else if (/Linux/.test(ua)) os = 'Linux';
  return os ? `${browser} on ${os}` : browser;
}

export type LeadUrl = { ok: true; url: string } | { ok: false; message: string };

/**
 * What the agent typed in the URL bar → an absolute http(s) URL to lead to.
 * "shop.example/cart" gets https://, "/cart" and "cart?x" resolve against the current page.
 */
export function normalizeLeadUrl(input: string, base?: string | null): LeadUrl {
  const text = input.trim();
  if (!text) return { ok: false, message: 'Type an address first.' };
  if (text.length > MAX_URL_CHARS) return { ok: false, message: 'That address is too long.' };
  let url: URL;
  try {
    if (/^[a-z][a-z0-9+.-]*:/i.test(text) && !/^[^/:]+:\d+([/?#]|$)/.test(text)) url = new URL(text);
    else if (/^(\/|\.|\?|#)/.test(text) && base) url = new URL(text, base);
    else if (/^(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?([/?#]|$)/i.test(text)) url = new URL(`http://${text}`);
    else if (/^[^\s/?#]+\.[^\s/?#]+/.test(text)) url = new URL(`https://${text}`);
    else if (base) url = new URL(text, base);
    else return { ok: false, message: 'That is not a web address.' };
  } catch {
    return { ok: false, message: 'That is not a valid web address.' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return { ok: false, message: 'Only http and https pages can be shared.' };
  }
  return { ok: true, url: url.href };
}
