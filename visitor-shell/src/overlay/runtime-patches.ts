// Keeps navigation and requests built at run time inside the proxy. The proxy rewrites the HTML it
// serves; these patches catch what page scripts construct later: fetch, XMLHttpRequest, WebSocket,
// EventSource, sendBeacon, window.open, history URLs, form submission, URL properties and
// attributes set by scripts, and elements inserted later (MutationObserver). document.cookie is
// emulated on the proxy's jar (cookies.ts) and postMessage keeps real origins (post-message.ts).
// Service workers are refused: they would outlive the session and intercept requests outside the
// proxy's control.
// Location assignments, new windows (navigation.ts), absolute module URLs (import-map.ts), workers
// (worker-patches.ts) and CSS url() set by script (style-patches.ts) are closed in their own files;
// what still cannot be caught is listed in visitor-shell/README.md and reported (escapes.ts).
import { proxifyCssUrls, proxifySrcset, proxifyUrl, proxifyWsUrl, type ProxyContext } from './proxify.ts';
import { installStylePatches } from './style-patches.ts';
import { isLayer } from './layer.ts';
import { afterFetchResponse, cookieWrites, installCookieEmulation, trackXhr, xhrDone } from './cookies.ts';
import { installPostMessage } from './post-message.ts';

function ctx(realOrigin: string): ProxyContext {
  const gatewayOrigin = (window as { __cbFrame?: { parentOrigin?: unknown } }).__cbFrame?.parentOrigin;
  return {
    proxyOrigin: location.origin,
    realOrigin,
    realBase: realOrigin + location.pathname + location.search,
    gatewayOrigin: typeof gatewayOrigin === 'string' ? gatewayOrigin : undefined,
  };
}

/** URL-valued attributes per element, rewritten when set to an absolute URL. */
const URL_ATTRS: Record<string, string[]> = {
  a: ['href'],
  area: ['href'],
  link: ['href', 'imagesrcset'],
  script: ['src'],
  img: ['src', 'srcset'],
  iframe: ['src'],
  frame: ['src'],
  source: ['src', 'srcset'],
  audio: ['src'],
  video: ['src'],
  track: ['src'],
  embed: ['src'],
  input: ['src', 'formaction'],
  button: ['formaction'],
  form: ['action'],
};
const ATTR_NAMES = new Set(Object.values(URL_ATTRS).flat());
const SELECTOR = [
  ...Object.entries(URL_ATTRS).flatMap(([tag, attrs]) => attrs.map((a) => `${tag}[${a}]`)),
  // Inline styles inserted with markup (innerHTML): their url()s. Not observed on change (too hot:
  // animations write styles every frame); script-set styles go through style-patches.ts.
  '[style*="url("]',
].join(',');

function isUrlAttr(el: Element, name: string): boolean {
  return URL_ATTRS[el.localName]?.includes(name) ?? false;
}

function requestInit(r: Request, body: ArrayBuffer): RequestInit {
  return {
    method: r.method,
    headers: r.headers,
    body,
    credentials: r.credentials,
    cache: r.cache,
    redirect: r.redirect,
    referrerPolicy: r.referrerPolicy,
    integrity: r.integrity,
    keepalive: r.keepalive,
    signal: r.signal,
    mode: r.mode === 'navigate' ? 'same-origin' : r.mode,
  };
}

const guard = <T>(fn: () => T, fallback: T): T => {
  try {
    return fn();
  } catch {
    return fallback;
  }
};

/**
 * The page's promise resolves after the response's cookie state is applied (a `then` in front of
 * the page's own), so `await fetch(); document.cookie` sees what the response set. Rejections
 * pass through unchanged.
 */
function afterResponse(pr: Promise<Response>, writesAtStart: number): Promise<Response> {
  return pr.then((r) => {
    try {
      afterFetchResponse(r, writesAtStart);
    } catch {
      /* never into the page */
    }
    return r;
  });
}

let proxify: (url: string) => string = (u) => u;
/** The page's URL mapper (real URL → proxied), once the runtime patches are installed. */
export function proxifier(): (url: string) => string {
  return proxify;
}

export function installRuntimePatches(realOrigin: string, cookies?: string): void {
  const p = (url: string): string => guard(() => proxifyUrl(url, ctx(realOrigin)), url);
  proxify = p;
  const pws = (url: string): string => guard(() => proxifyWsUrl(url, ctx(realOrigin)), url);
  const w = window;

  // document.cookie, backed by the proxy's jar (it gets the unpatched fetch).
  guard(() => installCookieEmulation(cookies, w.fetch.bind(w)), undefined);

  // fetch
  const origFetch = w.fetch;
  const proxiedFetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    let arg = input;
    try {
      if (typeof input === 'string') arg = p(input);
      else if (input instanceof URL) arg = p(input.href);
      else if (input instanceof Request) {
        const u = p(input.url);
        if (u !== input.url) {
          if (input.body === null) arg = new Request(u, input);
          // A Request with a body cannot be re-wrapped as is (stream bodies need duplex, which
          // HTTP/1.1 cannot do): buffer it.
          else return input.arrayBuffer().then((body) => origFetch.call(w, new Request(u, requestInit(input, body)), init));
        }
      }
    } catch {
      arg = input;
    }
    return origFetch.call(this ?? w, arg, init);
  };
  if (typeof origFetch === 'function') {
    w.fetch = function (this: unknown, input: RequestInfo | URL, init?: RequestInit) {
      return afterResponse(proxiedFetch.call(this, input, init), cookieWrites());
    } as typeof fetch;
  }

  // XMLHttpRequest.open: keep the argument count (open(m, u, undefined) would mean synchronous).
  const xhrOpen = XMLHttpRequest.prototype.open;
  const watched = new WeakSet<XMLHttpRequest>();
  XMLHttpRequest.prototype.open = function (this: XMLHttpRequest, ...args: unknown[]) {
    if (args.length > 1 && args[1] != null) args[1] = p(String(args[1]));
    if (!watched.has(this)) {
      watched.add(this);
      guard(() => this.addEventListener('readystatechange', () => this.readyState === 2 && xhrDone(this)), undefined);
      guard(() => this.addEventListener('loadend', () => xhrDone(this)), undefined);
    }
    trackXhr(this);
    return (xhrOpen as (...a: unknown[]) => void).apply(this, args);
  } as typeof xhrOpen;

  // WebSocket and EventSource: subclasses, so statics, prototypes and instanceof keep working.
  const OrigWS = w.WebSocket;
  if (OrigWS) {
    const PatchedWS = class WebSocket extends OrigWS {
      constructor(url: string | URL, protocols?: string | string[]) {
        super(pws(String(url)), protocols);
      }
    };
    w.WebSocket = PatchedWS;
  }
  const OrigES = w.EventSource;
  if (OrigES) {
    const PatchedES = class EventSource extends OrigES {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(p(String(url)), init);
      }
    };
    w.EventSource = PatchedES;
  }

  // history.pushState/replaceState with an absolute URL on the real origin would throw (the
  // document's origin is the proxy origin): keep the path.
  for (const name of ['pushState', 'replaceState'] as const) {
    const orig = History.prototype[name];
    History.prototype[name] = function (this: History, data: unknown, unused: string, url?: string | URL | null) {
      if (url != null && /^([a-z][a-z0-9+.-]*:)?\/\//i.test(String(url))) url = guard(() => p(String(url)), String(url));
      return url === undefined ? orig.call(this, data, unused) : orig.call(this, data, unused, url);
    };
  }

  // sendBeacon
  const beacon = Navigator.prototype.sendBeacon;
  if (beacon) {
    Navigator.prototype.sendBeacon = function (this: Navigator, url: string | URL, data?: BodyInit | null) {
      return beacon.call(this, p(String(url)), data);
    };
  }

  // window.open (the new window is a proxied page too)
  const origOpen = w.open;
  w.open = function (this: Window, ...args: unknown[]) {
    if (args.length > 0 && args[0] != null && args[0] !== '') args[0] = p(String(args[0]));
    return (origOpen as (...a: unknown[]) => Window | null).apply(this ?? w, args);
  } as typeof w.open;

  // Attributes and URL properties set by scripts. srcset lists and inline styles hold several URLs.
  const mapAttr = (name: string, v: string): string =>
    name === 'srcset' || name === 'imagesrcset' ? proxifySrcset(v, p) : name === 'style' ? proxifyCssUrls(v, p) : p(v);
  const rewriteAttr = (el: Element, name: string): void => {
    const v = el.getAttribute(name);
    if (v == null) return;
    const nv = mapAttr(name, v);
    if (nv !== v) origSetAttribute.call(el, name, nv);
  };
  const origSetAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (this: Element, name: string, value: string) {
    let v = value;
    const n = String(name).toLowerCase();
    if ((ATTR_NAMES.has(n) && isUrlAttr(this, n)) || n === 'style') v = guard(() => mapAttr(n, String(value)), value);
    return origSetAttribute.call(this, name, v);
  };
  const props: Array<[{ prototype: object } | undefined, string]> = [
    [w.HTMLAnchorElement, 'href'],
    [w.HTMLAreaElement, 'href'],
    [w.HTMLLinkElement, 'href'],
    [w.HTMLScriptElement, 'src'],
    [w.HTMLImageElement, 'src'],
    [w.HTMLIFrameElement, 'src'],
    [w.HTMLSourceElement, 'src'],
    [w.HTMLMediaElement, 'src'],
    [w.HTMLTrackElement, 'src'],
    [w.HTMLEmbedElement, 'src'],
    [w.HTMLInputElement, 'src'],
    [w.HTMLFormElement, 'action'],
    [w.HTMLButtonElement, 'formAction'],
    [w.HTMLInputElement, 'formAction'],
    [w.HTMLImageElement, 'srcset'],
    [w.HTMLSourceElement, 'srcset'],
    [w.HTMLLinkElement, 'imageSrcset'],
  ];
  for (const [ctor, prop] of props) {
    const proto = ctor?.prototype;
    const desc = proto && Object.getOwnPropertyDescriptor(proto, prop);
    if (!desc?.set || !desc.configurable) continue;
    const set = desc.set;
    Object.defineProperty(proto, prop, {
      ...desc,
      set(this: Element, value: unknown) {
        const attr = prop === 'srcset' || prop === 'imageSrcset' ? prop.toLowerCase() : 'src';
        set.call(this, typeof value === 'string' || value instanceof URL ? guard(() => mapAttr(attr, String(value)), String(value)) : value);
      },
    });
  }

  // Form submission: the action (and the submitter's formaction) may have been set in markup we
  // did not see, or to an absolute URL elsewhere.
  const fixForm = (form: HTMLFormElement, submitter?: Element | null): void => {
    rewriteAttr(form, 'action');
    if (submitter) rewriteAttr(submitter, 'formaction');
  };
  document.addEventListener(
    'submit',
    (ev) => {
      try {
        if (ev.target instanceof HTMLFormElement) fixForm(ev.target, (ev as SubmitEvent).submitter);
      } catch {
        /* never into the page */
      }
    },
    true,
  );
  const formSubmit = HTMLFormElement.prototype.submit;
  HTMLFormElement.prototype.submit = function (this: HTMLFormElement) {
    guard(() => fixForm(this), undefined);
    return formSubmit.call(this);
  };

  // Elements inserted later (innerHTML, frameworks) or attributes changed without the patched APIs.
  const fix = (el: Element): void => {
    for (const a of URL_ATTRS[el.localName] ?? []) rewriteAttr(el, a);
    if (el.hasAttribute('style')) rewriteAttr(el, 'style');
  };
  const scan = (el: Element): void => {
    if (isLayer(el)) return;
    fix(el);
    if (el.firstElementChild) for (const d of Array.from(el.querySelectorAll(SELECTOR))) fix(d);
  };
  const mo = new MutationObserver((records) => {
    try {
      for (const r of records) {
        if (r.type === 'attributes') {
          if (r.target instanceof Element && r.attributeName && isUrlAttr(r.target, r.attributeName)) rewriteAttr(r.target, r.attributeName);
        } else for (const n of Array.from(r.addedNodes)) if (n instanceof Element) scan(n);
      }
    } catch {
      /* never into the page */
    }
  });
  const root = document.documentElement;
  const self = document.currentScript; // this overlay's own <script>, on the shared static origin
  const watchInsertions = () => {
    // What scripts inserted while the parser ran, in one native query instead of a record per node
    // (everything but the overlay's own tag, which was there before the observer would have been).
    guard(() => {
      for (const d of Array.from(root.querySelectorAll(SELECTOR))) if (d !== self && !isLayer(d)) fix(d);
    }, undefined);
    mo.observe(root, { childList: true, subtree: true, attributes: true, attributeFilter: [...ATTR_NAMES] });
  };
  if (document.readyState === 'loading') {
    // While the parser runs, insertions are watched only from DOMContentLoaded on: a childList
    // observer would get a record (and a JS wrapper) for every node the parser inserts, whose URLs
    // the gateway already rewrote — it doubled the parse time of a 900-node page. Attribute
    // changes are watched from the start (the parser makes none).
    mo.observe(root, { attributes: true, subtree: true, attributeFilter: [...ATTR_NAMES] });
    document.addEventListener('DOMContentLoaded', () => (mo.disconnect(), watchInsertions()), { once: true, capture: true });
  } else watchInsertions();

  // document.domain: the real host name, and a setter that accepts what the real page could set
  // (a suffix of its host) as a no-op, instead of throwing on the proxy host name.
  const dd = Object.getOwnPropertyDescriptor(Document.prototype, 'domain');
  if (dd?.get && dd.configurable) {
    const realHost = guard(() => new URL(realOrigin).hostname, '');
    Object.defineProperty(Document.prototype, 'domain', {
      ...dd,
      get(this: Document) {
        return this === document && realHost ? realHost : dd.get!.call(this);
      },
      set(this: Document, v: unknown) {
        const d = String(v).toLowerCase();
        if (this === document && realHost && (d === realHost || realHost.endsWith(`.${d}`)) && d.includes('.')) return;
        dd.set?.call(this, v);
      },
    });
  }

  // CSS url() set by scripts: style properties, setProperty, cssText, constructed/inserted rules.
  guard(() => installStylePatches((css) => proxifyCssUrls(css, p)), undefined);

  // postMessage between proxied frames (after window.open is patched: it wraps the result).
  guard(() => installPostMessage(realOrigin, p), undefined);

  // Service workers would outlive the session and bypass the proxy.
  const SWC = w.ServiceWorkerContainer;
  if (SWC?.prototype?.register) {
    SWC.prototype.register = function () {
      console.warn('[cobrowse] Service workers are disabled while this page is co-browsed; the page works without offline support.');
      return Promise.reject(new DOMException('Service workers are disabled while co-browsing.', 'SecurityError'));
    } as typeof SWC.prototype.register;
  }
}
