// document.cookie emulation, the pure part: apply one `document.cookie = "…"` assignment to the
// cached "a=1; b=2" string the way a browser would show it right after the write. Only an
// optimistic guess: the proxy's jar (scoping by path/domain, HttpOnly protection) answers with the
// authoritative string a moment later. DOM-free so it can be unit tested.

export interface CookieAssignment {
  /** '' for a nameless cookie (`document.cookie = "token"`), which browsers show as just the value. */
  name: string;
  value: string;
  /** Max-Age ≤ 0 or Expires in the past: the assignment deletes the cookie. */
  deletes: boolean;
  /** Attributes as written (lower-cased names), e.g. { path: '/', 'max-age': '0' }. */
  attrs: Record<string, string>;
}

export function parseAssignment(input: string, now = Date.now()): CookieAssignment {
  const [pair = '', ...rest] = input.split(';');
  const eq = pair.indexOf('=');
  const name = eq < 0 ? '' : pair.slice(0, eq).trim();
  const value = (eq < 0 ? pair : pair.slice(eq + 1)).trim();
  const attrs: Record<string, string> = {};
  for (const a of rest) {
    const i = a.indexOf('=');
    const k = (i < 0 ? a : a.slice(0, i)).trim().toLowerCase();
    if (k) attrs[k] = i < 0 ? '' : a.slice(i + 1).trim();
  }
  let deletes = false;
  // Max-Age wins over Expires (RFC 6265 §5.3 step 3).
  if ('max-age' in attrs && /^-?\d+$/.test(attrs['max-age'])) deletes = Number(attrs['max-age']) <= 0;
  else if ('expires' in attrs) {
    const t = Date.parse(attrs.expires);
    deletes = Number.isFinite(t) && t <= now;
  }
  return { name, value, deletes, attrs };
}

function entries(cookieString: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const part of cookieString.split(';')) {
    const p = part.trim();
    if (!p) continue;
    const eq = p.indexOf('=');
    out.push(eq < 0 ? ['', p] : [p.slice(0, eq), p.slice(eq + 1)]);
  }
  return out;
}

/** The cookie string after the assignment (same order as browsers: existing cookies keep their place). */
export function applyAssignment(cookieString: string, assignment: string, now = Date.now()): string {
  const a = parseAssignment(assignment, now);
  if (!a.name && !a.value) return cookieString;
  const list = entries(cookieString).filter(([n]) => n !== a.name || !a.deletes);
  if (!a.deletes) {
    const at = list.findIndex(([n]) => n === a.name);
    if (at >= 0) list[at] = [a.name, a.value];
    else list.push([a.name, a.value]);
  }
  return list.map(([n, v]) => (n ? `${n}=${v}` : v)).join('; ');
}

/** Cookie names from a document.cookie string. */
export function cookieNames(cookieString: string): string[] {
  return entries(cookieString).map(([n]) => n);
}

/**
 * The assignment written to the browser's own cookie store as a short-lived bridge, so a request
 * made before the jar has the cookie (a reload or navigation in the same task) still carries it:
 * the proxy forwards the page's own cookies alongside the jar's. Domain is dropped (the browser
 * would refuse the real domain on the proxy host), Secure/SameSite/Partitioned too (the proxy
 * origin is plain http), and the lifetime is capped. Null when the cookie cannot be bridged.
 */
export function bridgeAssignment(a: CookieAssignment, maxAgeSeconds: number): string | null {
  if (!a.name || /^__(secure|host)-/i.test(a.name)) return null;
  const path = a.attrs.path?.startsWith('/') ? `; Path=${a.attrs.path}` : '';
  return `${a.name}=${a.value}${path}; Max-Age=${a.deletes ? 0 : maxAgeSeconds}`;
}
