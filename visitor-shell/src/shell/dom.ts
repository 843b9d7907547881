// A tiny element builder: h('button', { class: 'x', onclick: fn, 'data-testid': 'y' }, 'Label').
// Children are text nodes or elements; strings are never parsed as HTML.

type AttrValue = string | number | boolean | null | undefined;
type Handler = (ev: never) => void;
export type Attrs = Record<string, AttrValue | Handler>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (typeof v === 'function') el.addEventListener(k.slice(2), v as EventListener);
    else if (v === true) el.setAttribute(k, '');
    else if (v !== false && v != null) el.setAttribute(k === 'className' ? 'class' : k, String(v));
  }
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
}

export function show(el: HTMLElement, visible: boolean): void {
  el.hidden = !visible;
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Keeps Tab and Shift+Tab inside a modal dialog (call from its keydown handler). */
export function trapFocus(container: HTMLElement, ev: KeyboardEvent): void {
  if (ev.key !== 'Tab') return;
  const items = Array.from(container.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => !el.closest('[hidden]') && el.getClientRects().length > 0);
  // Radios of one group are one Tab stop: only the checked one (or the first) counts.
  const stops = items.filter((el) => !(el instanceof HTMLInputElement && el.type === 'radio') || el.checked || !items.some((o) => o !== el && o instanceof HTMLInputElement && o.type === 'radio' && o.name === el.name && (o.checked || items.indexOf(o) < items.indexOf(el))));
  if (!stops.length) return;
  const first = stops[0];
  const last = stops[stops.length - 1];
  const active = document.activeElement;
  const isRadio = (el: Element | null): el is HTMLInputElement => el instanceof HTMLInputElement && el.type === 'radio';
  const same = (a: Element | null, b: HTMLElement) => a === b || (isRadio(a) && isRadio(b) && a.name === b.name);
  if (ev.shiftKey && (same(active, first) || !container.contains(active))) {
    ev.preventDefault();
    last.focus();
  } else if (!ev.shiftKey && (same(active, last) || !container.contains(active))) {
    ev.preventDefault();
    first.focus();
  }
}
