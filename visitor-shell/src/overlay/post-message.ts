// postMessage between proxied frames. A page calls `win.postMessage(data, 'https://real-origin')`;
// the browser would drop it, because every frame now lives on a proxy origin, and receivers that
// check `event.origin === 'https://real-origin'` would reject what does arrive. So:
//  - sending: the message travels wrapped, {__cbpm: {origin: <our real origin>, target, data}}, with
//    targetOrigin '*';
//  - receiving: a capturing listener installed before any page script unwraps it, drops it when the
//    target is neither '*' nor our real origin (the check the browser would have made), and
//    re-dispatches it with the sender's real origin.
// A cross-origin window's postMessage cannot be patched (the browser hands out its own function),
// so the windows page scripts reach through `parent`, `opener`, `frame.contentWindow`,
// `event.source` and `window.open()` are wrapped in a Proxy whose postMessage wraps; one wrapper per
// window, so identity checks (`event.source === frame.contentWindow`) keep working. `top`, `frames[i]`
// and `window[i]` cannot be wrapped (see visitor-shell/README.md).
import { rawSource } from './env.ts';
import { isProxyOrigin } from './proxify.ts';
import { realOriginOf } from './origin-check.ts';

interface Wrapped {
  origin: string;
  target: string;
  data: unknown;
}
type PM = (message: unknown, targetOrigin?: unknown, transfer?: unknown) => void;

const wrappers = new WeakMap<object, object>();
const synthetic = new WeakSet<Event>();
/** postMessage functions that already wrap, marked so the overlay of another same-origin realm recognises them. */
const PATCHED = {
  add(fn: object) {
    Object.defineProperty(fn, '__cbpm', { value: true });
  },
  has(fn: unknown) {
    try {
      return typeof fn === 'function' && (fn as { __cbpm?: boolean }).__cbpm === true;
    } catch {
      return false;
    }
  },
};

export function installPostMessage(realOrigin: string, proxify: (url: string) => string): void {
  const w = window;
  const topWin = w.top;
  const nativePM = w.postMessage as PM;

  /** The wrapped form of a postMessage call, or null to let the browser handle (and reject) it. */
  const wrapArgs = (message: unknown, targetOrigin: unknown, transfer: unknown): [unknown, string, unknown] | null => {
    let target: unknown = targetOrigin;
    let xfer = transfer;
    if (targetOrigin && typeof targetOrigin === 'object') {
      const o = targetOrigin as { targetOrigin?: unknown; transfer?: unknown };
      target = o.targetOrigin ?? '/';
      xfer = o.transfer;
    }
    if (typeof target !== 'string') return null;
    let norm: string;
    if (target === '*') norm = '*';
    else if (target === '/') norm = realOrigin;
    else {
      try {
        norm = new URL(target).origin;
      } catch {
        return null; // the browser throws SyntaxError, as the page expects
      }
    }
    const wrapped: Wrapped = { origin: realOrigin, target: norm, data: message };
    return [{ __cbpm: wrapped }, '*', xfer ?? []];
  };

  const sendVia = (win: object, pm: PM, args: unknown[]): void => {
    // postMessage(data) alone is the options form with targetOrigin '/'.
    const r = args.length === 0 ? null : wrapArgs(args[0], args.length >= 2 ? args[1] : {}, args[2]);
    if (!r) return pm.apply(win, args as [unknown]);
    ensureReceiver(win);
    pm.call(win, r[0], r[1], r[2]);
  };

  // Our own window (self-messaging, and same-origin frames calling into this realm).
  const ownPM = function (this: unknown, ...args: unknown[]) {
    return sendVia(w, nativePM, args);
  };
  PATCHED.add(ownPM);
  w.postMessage = ownPM as typeof w.postMessage;

  /** A same-origin window without the overlay (about:blank, srcdoc) still needs the receiver. */
  const ensureReceiver = (win: object): void => {
    try {
      const other = win as Window & { __cbpmRx?: boolean };
      if (other === w || other.__cbpmRx) return;
      void other.document; // throws when cross-origin: that window has its own overlay
      listen(other, realOrigin);
    } catch {
      /* cross-origin */
    }
  };

  const WINDOW_PROPS = new Set(['parent', 'top', 'opener', 'self', 'window', 'frames']);
  const wrap = (win: unknown): unknown => {
    if (!win || typeof win !== 'object' || win === w || win === topWin) return win;
    let proxy = wrappers.get(win);
    if (proxy) return proxy;
    const target = win as Window;
    const fns = new WeakMap<object, unknown>();
    // One function per wrapper, so `win.postMessage === win.postMessage` still holds.
    const post = (...args: unknown[]) => {
      const pm = Reflect.get(target, 'postMessage') as PM;
      // A same-origin window with its own overlay already wraps: do not wrap twice.
      return PATCHED.has(pm) ? pm.apply(target, args as [unknown]) : sendVia(target, pm, args);
    };
    proxy = new Proxy(target, {
      get(t, p) {
        if (p === 'postMessage') return post;
        const v = Reflect.get(t, p);
        if (typeof p === 'string' && (WINDOW_PROPS.has(p) || /^\d+$/.test(p))) return wrap(v);
        if (typeof v !== 'function') return v;
        // Window methods need the real window as `this`; a function Proxy keeps statics and `new`.
        let f = fns.get(v);
        if (!f) {
          f = new Proxy(v, { apply: (fn, self, a) => Reflect.apply(fn, self === proxy ? t : self, a) });
          fns.set(v, f);
        }
        return f;
      },
      set(t, p, v) {
        // `opener.location = 'https://…'` would leave the proxy.
        return Reflect.set(t, p, p === 'location' && typeof v === 'string' ? proxify(v) : v);
      },
    });
    wrappers.set(win, proxy);
    return proxy;
  };

  const isWindow = (s: unknown): boolean => {
    try {
      return !!s && (s as Window).window === s;
    } catch {
      return false;
    }
  };

  // Accessors that hand out other windows.
  const rewrap = (obj: object | undefined, prop: string, test: (v: unknown) => boolean = () => true): void => {
    const d = obj && Object.getOwnPropertyDescriptor(obj, prop);
    if (!d?.get || !d.configurable) return;
    const get = d.get;
    Object.defineProperty(obj, prop, {
      ...d,
      get(this: unknown) {
        const v = get.call(this);
        return test(v) ? wrap(v) : v;
      },
    });
  };
  rewrap(w, 'parent');
  rewrap(w, 'opener');
  rewrap(w.HTMLIFrameElement?.prototype, 'contentWindow');
  rewrap(w.HTMLFrameElement?.prototype, 'contentWindow');
  rewrap(w.HTMLObjectElement?.prototype, 'contentWindow');
  rewrap(MessageEvent.prototype, 'source', isWindow); // ports and workers stay as they are

  const origOpen = w.open;
  w.open = function (this: unknown, ...args: unknown[]) {
    return wrap((origOpen as (...a: unknown[]) => Window | null).apply(w, args)) as Window | null;
  } as typeof w.open;

  listen(w, realOrigin);
}

function listen(win: Window, realOrigin: string): void {
  Object.defineProperty(win, '__cbpmRx', { value: true, configurable: true });
  win.addEventListener(
    'message',
    (ev: MessageEvent) => {
      try {
        if (synthetic.has(ev)) return;
        const d = ev.data as { __cbpm?: Wrapped } | null;
        if (!d || typeof d !== 'object' || !d.__cbpm || typeof d.__cbpm !== 'object') return;
        ev.stopImmediatePropagation();
        const m = d.__cbpm;
        if (typeof m.origin !== 'string' || typeof m.target !== 'string') return;
        if (m.target !== '*' && m.target !== realOrigin) return; // what the browser's targetOrigin check would do
        // Only proxied pages may claim a real origin, and only the one their proxy origin stands for:
        // a page cannot pose as another site to a frame in the same session.
        if (!isProxyOrigin(ev.origin, win.location.origin)) return;
        if (ev.origin === win.location.origin ? m.origin !== realOrigin : realOriginOf(ev.origin) !== m.origin) return;
        const out = new (win as typeof window).MessageEvent('message', {
          data: m.data,
          origin: m.origin,
          lastEventId: ev.lastEventId,
          source: rawSource(ev),
          ports: Array.from(ev.ports),
        });
        synthetic.add(out);
        win.dispatchEvent(out);
      } catch {
        /* never into the page */
      }
    },
    true,
  );
}
