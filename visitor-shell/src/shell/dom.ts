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
