// document.cookie emulation. Upstream Set-Cookie never reaches the browser: the session's cookie jar
// lives in the proxy. So document.cookie reads a cached string (the jar's value when the page was
// rendered, __cbFrame.cookies) and a write updates the cache at once and is sent to the jar
// (POST /__cb/cookie). HttpOnly cookies are never in the string and cannot be set from script: the
// jar enforces that and its answer replaces our optimistic guess. Cookies set by fetch/XHR responses
// become visible after the debounced refresh that follows each completed request.
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

const endpoint = () => `/__cb/cookie?u=${encodeURIComponent(location.pathname)}`;

export function installCookieEmulation(initial: string | undefined, nativeFetch: typeof fetch): void {
  origFetch = nativeFetch;
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
  if (!desc?.get || !desc.set || !desc.configurable) return;
  const nativeGet = desc.get;
  const nativeSet = desc.set;
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
      return this === document ? cache : nativeGet.call(this);
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
  for (const part of bridges().split(';')) if (part.trim()) out = applyAssignment(out, part.trim());
  return out;
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
