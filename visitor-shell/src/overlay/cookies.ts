// document.cookie emulation. Upstream Set-Cookie never reaches the browser: the session's cookie jar
// lives in the proxy. So document.cookie reads a cached string (the jar's value when the page was
// rendered, __cbFrame.cookies) and a write updates the cache at once and is sent to the jar
// (POST /__cb/cookie). HttpOnly cookies are never in the string and cannot be set from script: the
// jar enforces that and its answer replaces our optimistic guess. A fetch/XHR response that set
// cookies carries the jar's new string in `x-cb-cookie` (gateway/proxy/cookie-echo.ts): it is applied
// before the page's `await fetch()` resumes, and for XHR on the next document.cookie read, so the
// cookie is visible at once. Other responses are followed by a debounced refresh from the jar.
import { applyAssignment, bridgeAssignment, parseAssignment } from './cookie-string.ts';

/** Lifetime of the bridge cookie written to the browser while the jar write is in flight. */
const BRIDGE_SECONDS = 10;
const REFRESH_DEBOUNCE_MS = 60;

let cache = '';
/** Bumped by every write: a slower, older answer from the jar must not undo a newer write. */
let writeSeq = 0;
/** Jar writes not answered yet: a refresh read meanwhile could predate them. */
let inflight = 0;
/** Latest write per name, so a bridge cookie is removed only by the write that made it. */
const lastWriteOf = new Map<string, number>();
let refreshTimer: ReturnType<typeof setTimeout> | undefined;
let origFetch: typeof fetch = fetch;
/** The browser's own cookies on the proxy host: only bridge cookies of writes still in flight. */
let bridges: () => string = () => '';

/** The overlay's party marker (gateway/proxy/navigation-party.ts): never part of document.cookie. */
export const PARTY_COOKIE = '__cb_party';
const ECHO_HEADER = 'x-cb-cookie';
/** XHRs whose response may carry cookie state not applied yet, with the write count at their start. */
const pendingXhrs = new Map<XMLHttpRequest, number>();

let rawSet: (v: string) => void = () => undefined;

/**
 * Marks this proxy host's browser cookie store with the party (from the frame's name, set by the
 * embedding window) so that the proxy can tell a reload by the same party (a new navigation) from
 * the other party's fetch of the same navigation. Hidden from document.cookie; stripped upstream.
 */
export function markParty(name: string): void {
  const role = name === 'cb-agent' ? 'agent' : name === 'cb-visitor' ? 'visitor' : null;
  if (!role) return;
  try {
    rawSet(`${PARTY_COOKIE}=${role}; path=/; max-age=86400`);
  } catch {
    /* cookies disabled: the cache shares by count only */
  }
}

const endpoint = () => `/__cb/cookie?u=${encodeURIComponent(location.pathname)}`;

export function installCookieEmulation(initial: string | undefined, nativeFetch: typeof fetch): void {
  origFetch = nativeFetch;
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  if (!desc?.get || !desc.set || !desc.configurable) return;
  const nativeGet = desc.get;
  const nativeSet = desc.set;
  rawSet = (v) => nativeSet.call(document, v);
  bridges = () => {
    try {
      return String(nativeGet.call(document));
    } catch {
      return ''; // cookies disabled
    }
  };
  // The page may come from the proxy's short-lived page cache: read the jar again soon.
  cache = withBridges(typeof initial === 'string' ? initial : '');
  scheduleCookieRefresh();

  const write = (raw: string): void => {
    const a = parseAssignment(raw);
    cache = applyAssignment(cache, raw);
    const seq = ++writeSeq;
    lastWriteOf.set(a.name, seq);
    const bridge = bridgeAssignment(a, BRIDGE_SECONDS);
    if (bridge) {
      try {
        nativeSet.call(document, bridge);
      } catch {
        /* cookies disabled: the jar write below still happens */
      }
    }
    inflight++;
    const done = (jarString: string | null): void => {
      inflight--;
      const unbridge = lastWriteOf.get(a.name) === seq ? bridgeAssignment({ ...a, deletes: true }, 0) : null;
      if (bridge && unbridge) {
        try {
          nativeSet.call(document, unbridge);
        } catch {
          /* expires by itself */
        }
      }
      // Unbridged first: a write the jar refused (an HttpOnly name) must not come back from the bridge.
      if (jarString !== null && seq === writeSeq) cache = withBridges(jarString);
    };
    try {
      // keepalive: the write survives the page unloading right after it (`document.cookie = …; location.reload()`).
      origFetch(endpoint(), { method: 'POST', body: raw, keepalive: true, credentials: 'same-origin', cache: 'no-store' }).then(
        (r) => (r.ok ? r.text() : null),
        () => null,
      ).then(done, () => done(null));
    } catch {
      // keepalive bodies share a 64 KiB budget per page; a beacon has its own.
      try {
        navigator.sendBeacon && Navigator.prototype.sendBeacon.call(navigator, endpoint(), raw);
      } catch {
        /* nothing more to try */
      }
      inflight--;
    }
  };

  Object.defineProperty(Document.prototype, 'cookie', {
    configurable: true,
    enumerable: desc.enumerable,
    get(this: Document) {
      // Other documents of this realm (DOMParser, createHTMLDocument) have no cookies of their own.
      if (this !== document) return nativeGet.call(this);
      if (pendingXhrs.size) drainXhrs();
      return cache;
    },
    set(this: Document, value: unknown) {
      if (this !== document) return nativeSet.call(this, value);
      try {
        write(String(value));
      } catch {
        /* never into the page */
      }
    },
  });
}

/** The jar's string plus bridge cookies of writes whose jar write has not landed yet (the newest
 *  values; e.g. written by the previous page just before it navigated here). */
function withBridges(jarString: string): string {
  let out = jarString;
  for (const part of bridges().split(';')) {
    const t = part.trim();
    if (t && !t.startsWith(`${PARTY_COOKIE}=`)) out = applyAssignment(out, t);
  }
  return out;
}

/** Writes so far: a response's cookie state is newer than the cache only if none happened since its request. */
export function cookieWrites(): number {
  return writeSeq;
}

/** A response's `x-cb-cookie` (the jar after it set cookies): the cache, unless the page wrote since. */
export function applyEchoedCookies(encoded: string | null, writesAtStart: number): boolean {
  if (encoded === null) return false;
  if (writesAtStart !== writeSeq || inflight > 0) return true; // a newer write's answer will refresh
  try {
    cache = withBridges(decodeURIComponent(encoded));
  } catch {
    return false;
  }
  return true;
}

/** A fetch's response: its cookie state, or a refresh soon. */
export function afterFetchResponse(r: Response, writesAtStart: number): void {
  let echoed = false;
  try {
    echoed = applyEchoedCookies(r.headers.get(ECHO_HEADER), writesAtStart);
  } catch {
    /* opaque response */
  }
  if (!echoed) scheduleCookieRefresh();
}

/** An XHR was sent: its cookie state is read when it completes or when document.cookie is read first. */
export function trackXhr(x: XMLHttpRequest): void {
  pendingXhrs.set(x, writeSeq);
}

export function xhrDone(x: XMLHttpRequest): void {
  if (!pendingXhrs.has(x)) return;
  if (!drainOne(x)) scheduleCookieRefresh();
}

function drainOne(x: XMLHttpRequest): boolean {
  const at = pendingXhrs.get(x) ?? writeSeq;
  if (x.readyState < 2) return false;
  pendingXhrs.delete(x);
  let h: string | null = null;
  try {
    h = x.getResponseHeader(ECHO_HEADER);
  } catch {
    /* no headers */
  }
  return applyEchoedCookies(h, at);
}

function drainXhrs(): void {
  for (const x of [...pendingXhrs.keys()]) {
    if (x.readyState >= 2) drainOne(x);
    else if (x.readyState === 0) pendingXhrs.delete(x);
  }
}

/** A fetch/XHR finished: its response may have set cookies in the jar. */
export function scheduleCookieRefresh(): void {
  if (refreshTimer !== undefined) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = undefined;
    if (inflight > 0) return; // the write's own answer refreshes the cache
    const seq = writeSeq;
    try {
      origFetch(endpoint(), { credentials: 'same-origin', cache: 'no-store' }).then(
        (r) => (r.ok ? r.text() : null),
        () => null,
      ).then(
        (s) => {
          // A write made meanwhile is newer than this answer.
          if (s !== null && seq === writeSeq && inflight === 0) cache = withBridges(s);
        },
        () => undefined,
      );
    } catch {
      /* next request will refresh */
    }
  }, REFRESH_DEBOUNCE_MS);
}
