// Page and SPA navigation reports: `ready` once the document is parsed (and again when restored
// from the back/forward cache), `nav` for pushState / replaceState / popstate / hashchange.
import { post, realUrl, safe } from './env.ts';

type NavKind = 'push' | 'replace' | 'pop' | 'hash';
let lastUrl = '';
let isReady = false;
const listeners: Array<() => void> = [];

/** Called after every reported navigation (e.g. to clear drawings). */
export function onNavigated(fn: () => void): void {
  listeners.push(fn);
}

function report(kind: NavKind): void {
  const url = realUrl();
  if (url === lastUrl) return;
  lastUrl = url;
  if (!isReady) return; // `ready` will carry the final URL
  post({ cb: 1, type: 'nav', url, kind });
  for (const fn of listeners) fn();
}

function ready(): void {
  isReady = true;
  lastUrl = realUrl();
  post({ cb: 1, type: 'ready', url: lastUrl, title: document.title.slice(0, 300) });
}

export function installNav(): void {
  for (const [name, kind] of [
    ['pushState', 'push'],
    ['replaceState', 'replace'],
  ] as const) {
    const orig = history[name];
    history[name] = function (this: History, ...args: Parameters<History['pushState']>) {
      const r = orig.apply(this, args);
      safe(report)(kind);
      return r;
    };
  }
  window.addEventListener('popstate', safe(() => report('pop')));
  window.addEventListener('hashchange', safe(() => report('hash')));
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', safe(ready));
  else ready();
  window.addEventListener(
    'pageshow',
    safe((ev: PageTransitionEvent) => {
      if (ev.persisted) ready();
    }),
  );
}
