// Overlay environment: the config the proxy put in window.__cbFrame, the channel to the embedding
// window, and small helpers that keep the overlay from ever throwing into the page.
import { parseFrameDown, type FrameDown, type FrameUp } from '../../../protocol/index.ts';

export interface CbFrameConfig {
  parentOrigin: string;
  realOrigin: string;
  sessionHint: string;
  /** document.cookie's value when the proxy rendered the page (the session jar, HttpOnly excluded). */
  cookies?: string;
}

declare global {
  interface Window {
    __cbFrame?: CbFrameConfig;
    __cbOverlayLoaded?: boolean;
  }
}

export function readConfig(): CbFrameConfig | null {
  const c = window.__cbFrame;
  if (!c || typeof c !== 'object' || typeof c.realOrigin !== 'string' || typeof c.parentOrigin !== 'string') return null;
  return c;
}

/** The embedding window, read before the runtime patches wrap `window.parent` (post-message.ts). */
export const parentWin: Window = window.parent;

/** Whether the page is shown inside an embedding window (visitor shell or agent console). */
export const framed = (() => {
  try {
    return parentWin !== window;
  } catch {
    return false;
  }
})();

/** MessageEvent.source as the browser reports it (the runtime patches wrap it for page scripts). */
const sourceGetter = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'source')?.get;
export function rawSource(ev: MessageEvent): MessageEventSource | null {
  return sourceGetter ? (sourceGetter.call(ev) as MessageEventSource | null) : ev.source;
}

/** Wraps a handler so nothing it throws reaches the page. */
export function safe<A extends unknown[]>(fn: (...args: A) => void): (...args: A) => void {
  return (...args: A) => {
    try {
      fn(...args);
    } catch (err) {
      if (DEBUG) console.debug('[cobrowse] overlay error', err);
    }
  };
}

const DEBUG = (() => {
  try {
    return localStorage.getItem('cb-debug') === '1';
  } catch {
    return false;
  }
})();

let cfg: CbFrameConfig | null = null;
export function setConfig(c: CbFrameConfig): void {
  cfg = c;
}
export function config(): CbFrameConfig {
  return cfg as CbFrameConfig;
}

/** The page's real URL: realOrigin + path + query + hash. */
export function realUrl(): string {
  return config().realOrigin + location.pathname + location.search + location.hash;
}

export function post(msg: FrameUp): void {
  if (!framed || !cfg) return;
  try {
    parentWin.postMessage(msg, cfg.parentOrigin);
  } catch {
    /* parent gone */
  }
}

/** Messages from the embedding window, validated; hidden from the page's own message listeners. */
export function onDown(handler: (m: FrameDown) => void): void {
  if (!framed || !cfg) return;
  const parentOrigin = cfg.parentOrigin;
  window.addEventListener(
    'message',
    (ev: MessageEvent) => {
      if (ev.origin !== parentOrigin || rawSource(ev) !== parentWin) return;
      const d = ev.data as { cb?: unknown } | null;
      if (!d || typeof d !== 'object' || d.cb !== 1) return;
      ev.stopImmediatePropagation();
      const parsed = parseFrameDown(d);
      if (parsed.ok) safe(handler)(parsed.value);
    },
    true,
  );
}

/** Calls fn at most once per animation frame and at most every `minMs` (≤ 30 Hz by default). */
export function frameThrottle(fn: () => void, minMs = 33): () => void {
  let scheduled = false;
  let last = 0;
  const run = safe(() => {
    scheduled = false;
    last = performance.now();
    fn();
  });
  return () => {
    if (scheduled) return;
    scheduled = true;
    const wait = Math.max(0, minMs - (performance.now() - last));
    if (wait > 0) setTimeout(() => requestAnimationFrame(run), wait);
    else requestAnimationFrame(run);
  };
}

export const round = (n: number, digits = 4): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};
