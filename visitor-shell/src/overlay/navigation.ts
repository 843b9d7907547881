// Navigations that would leave the proxy, closed without rewriting JavaScript.
//
// `location.href = 'https://site/abs'`, `location.assign()`, `location.replace()`, `top.location`
// set from this window, `navigation.navigate()`, a meta refresh inserted by script: Location cannot
// be patched, but every one of them fires the Navigation API's `navigate` event on this window
// before it happens. For a destination off the proxy we cancel it and start the same navigation
// to its proxied URL instead: a push stays a push and a replace a replace; a POST (a form whose
// action we did not see) is rebuilt from `event.formData`. A navigation we cannot cancel (started
// by another window) is reported as an escape, as is a browser without the Navigation API.
//
// New windows (`window.open(url)`, `<a target="_blank">`, a modified click on a link): the page
// would get a proxied popup that the other party never sees. Instead the embedding window makes
// it a shared tab (FrameUp `open`) and this frame shows it; the previous page stays a tab to go
// back to. `window.open` then returns null, as it does when a popup blocker steps in, which pages
// already handle.
import { config, framed, post, safe } from './env.ts';
import { leavesProxy, reportEscape } from './escapes.ts';

type Proxify = (url: string) => string;

interface NavigateEventLike extends Event {
  readonly destination: { readonly url: string };
  readonly navigationType: 'push' | 'replace' | 'reload' | 'traverse';
  readonly hashChange: boolean;
  readonly formData: FormData | null;
  readonly sourceElement?: Element | null;
}

/** The last form submitted here, for the enctype of a POST rebuilt from `formData`. */
let lastSubmit: { form: HTMLFormElement; submitter: HTMLElement | null } | null = null;

export function installNavigationGuard(p: Proxify): void {
  const nav = (window as { navigation?: EventTarget }).navigation;
  if (!nav || typeof nav.addEventListener !== 'function') {
    // Location assignments with an absolute URL will leave co-browsing here: say so once.
    if (framed) setTimeout(() => reportEscape('no-navigation-api'), 0);
    return;
  }
  document.addEventListener(
    'submit',
    (ev) => {
      if (ev.target instanceof HTMLFormElement) lastSubmit = { form: ev.target, submitter: (ev as SubmitEvent).submitter };
    },
    true,
  );
  nav.addEventListener(
    'navigate',
    safe((ev: Event) => {
      const e = ev as NavigateEventLike;
      const dest = e.destination.url;
      if (e.hashChange || e.navigationType === 'traverse' || !leavesProxy(dest)) return;
      if (!e.cancelable) return reportEscape('navigation', dest);
      const target = p(dest);
      if (leavesProxy(target)) return reportEscape('navigation', dest);
      e.preventDefault();
      if (e.formData) return postForm(target, e.formData, formOf(e.sourceElement ?? null));
      if (e.navigationType === 'replace') location.replace(target);
      else location.assign(target);
    }),
  );
}

function formOf(el: Element | null): { form: HTMLFormElement | null; submitter: Element | null } {
  if (el instanceof HTMLFormElement) return { form: el, submitter: null };
  const f = (el as HTMLButtonElement | null)?.form ?? null;
  if (f) return { form: f, submitter: el };
  return { form: lastSubmit?.form ?? null, submitter: lastSubmit?.submitter ?? null };
}

/** The same POST to the proxied URL: a hidden form with the entries, files included. */
function postForm(action: string, data: FormData, src: { form: HTMLFormElement | null; submitter: Element | null }): void {
  const f = document.createElement('form');
  f.method = 'post';
  f.action = action;
  const declared = (src.submitter?.getAttribute('formenctype') ?? src.form?.enctype ?? '').toLowerCase();
  const hasFile = [...data.values()].some((v) => typeof v !== 'string');
  f.enctype = declared === 'multipart/form-data' || declared === 'text/plain' ? declared : hasFile ? 'multipart/form-data' : 'application/x-www-form-urlencoded';
  if (src.form?.acceptCharset) f.acceptCharset = src.form.acceptCharset;
  for (const [name, value] of data) {
    const input = document.createElement('input');
    input.name = name;
    if (typeof value === 'string') {
      input.type = 'hidden';
      input.value = value;
    } else {
      input.type = 'file';
      const dt = new DataTransfer();
      dt.items.add(value);
      input.files = dt.files;
    }
    f.append(input);
  }
  f.hidden = true;
  document.documentElement.append(f);
  HTMLFormElement.prototype.submit.call(f);
}

/** Whether a link target opens another window (not this frame or a child frame; '' is this frame). */
function opensNewWindow(target: string | null | undefined): boolean {
  const t = (target ?? '').trim();
  if (t === '' || /^_(self|parent|top)$/i.test(t)) return false;
  if (/^_(blank|new)$/i.test(t)) return true;
  // A named target: a child frame of this document, or a window the page opened earlier (never,
  // since new windows become shared tabs): only a child frame keeps its meaning.
  try {
    return !document.querySelector(`iframe[name="${CSS.escape(t)}"], frame[name="${CSS.escape(t)}"]`);
  } catch {
    return true;
  }
}

/** Shows `url` (a URL the page meant for a new window) as a new shared tab in this frame. */
function openAsTab(url: string, p: Proxify): void {
  let real: string;
  try {
    const u = new URL(url, location.href);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return;
    // The shared tab records real URLs: a URL of this proxy origin stands for the real origin's, a
    // /__cb/go one for its target. Another proxy origin's is kept; its `ready` reports the real URL.
    if (u.origin === location.origin && u.pathname === '/__cb/go') real = u.searchParams.get('u') ?? u.href;
    else real = u.origin === location.origin ? config().realOrigin + u.pathname + u.search + u.hash : u.href;
  } catch {
    return;
  }
  post({ cb: 1, type: 'open', url: real });
  location.assign(p(real));
}

export function installNewWindows(p: Proxify): void {
  if (!framed) return; // opened directly: a popup is fine
  const origOpen = window.open;
  window.open = function (this: Window, ...args: unknown[]) {
    const url = args[0] == null ? '' : String(args[0]);
    // window.open's target defaults to (and '' means) a new window.
    const target = args.length > 1 && args[1] != null && String(args[1]) !== '' ? String(args[1]) : '_blank';
    if (url && url !== 'about:blank' && (opensNewWindow(target) || /^_(parent|top)$/i.test(target))) {
      try {
        if (opensNewWindow(target)) openAsTab(url, p);
        else location.assign(p(new URL(url, location.href).href));
        return null;
      } catch {
        /* fall through to a popup */
      }
    }
    return (origOpen as (...a: unknown[]) => Window | null).apply(this ?? window, args);
  } as typeof window.open;

  // Links: after the page's own handlers (bubble phase on window), unless one of them took it.
  const onLink = safe((ev: MouseEvent) => {
    if (ev.defaultPrevented || (ev.type === 'click' && ev.button !== 0) || (ev.type === 'auxclick' && ev.button !== 1)) return;
    const a = (ev.target as Element | null)?.closest?.('a[href], area[href]') as HTMLAnchorElement | null;
    if (!a || a.hasAttribute('download')) return;
    const modified = ev.type === 'auxclick' || ev.ctrlKey || ev.metaKey || ev.shiftKey;
    const target = a.getAttribute('target') ?? document.querySelector('base[target]')?.getAttribute('target') ?? '';
    if (!modified && !opensNewWindow(target)) return;
    const href = a.href;
    if (!/^https?:/i.test(href)) return;
    ev.preventDefault();
    openAsTab(href, p);
  });
  window.addEventListener('click', onLink);
  window.addEventListener('auxclick', onLink);
}

/** FrameDown `go`: a shared tab was switched to; show its real URL here, through the proxy. */
export function goTo(url: string, p: Proxify): void {
  if (!/^https?:/i.test(url)) return;
  location.assign(p(url));
}
