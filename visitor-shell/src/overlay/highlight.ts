// "Look here": the highlight tool outlines an element for both parties. With the tool on, a click
// in this party's frame picks the element under it (the page does not act on that click), outlines
// it locally and posts a `highlight`; the other party's overlay outlines the same element by its
// stable path. Highlights follow scrolling and reflow, and are cleared with the drawings and on
// navigation.
import { elementAt, pathOf } from './dom-path.ts';
import { frameThrottle, post, safe } from './env.ts';
import { isLayer, layer } from './layer.ts';

let active = false;
const shown = new Map<string, { box: HTMLElement; label: string }>();

function render(path: string): void {
  const h = shown.get(path);
  if (!h) return;
  const el = elementAt(path);
  if (!el) {
    h.box.style.display = 'none';
    return;
  }
  const r = el.getBoundingClientRect();
  Object.assign(h.box.style, {
    display: 'block',
    left: `${Math.round(r.left + window.scrollX - 6)}px`,
    top: `${Math.round(r.top + window.scrollY - 6)}px`,
    width: `${Math.round(r.width + 8)}px`,
    height: `${Math.round(r.height + 8)}px`,
  });
}

/** Outline an element (`label` names who highlighted it). */
export function showHighlight(path: string, label: string): void {
  let h = shown.get(path);
  if (!h) {
    const box = document.createElement('div');
    box.className = 'hl';
    box.setAttribute('data-cb-highlight', path);
    const lbl = document.createElement('span');
    lbl.className = 'lbl';
    box.appendChild(lbl);
    layer().appendChild(box);
    h = { box, label };
    shown.set(path, h);
  }
  (h.box.firstChild as HTMLElement).textContent = label;
  render(path);
}

export function clearHighlights(): void {
  for (const h of shown.values()) h.box.remove();
  shown.clear();
}

export function setHighlightTool(on: boolean): void {
  active = on;
  document.documentElement.style.cursor = on ? 'help' : '';
}

function onClick(ev: MouseEvent): void {
  if (!active || ev.button !== 0) return;
  const target = ev.target as Element | null;
  if (!target || isLayer(target)) return;
  ev.preventDefault();
  ev.stopImmediatePropagation();
  const path = pathOf(target);
  if (!path) return;
  showHighlight(path, 'You');
  post({ cb: 1, type: 'highlight', path });
}

export function installHighlight(): void {
  const block = safe((ev: Event) => {
    if (!active) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
  });
  window.addEventListener('click', safe(onClick), { capture: true });
  for (const type of ['mousedown', 'mouseup', 'pointerdown', 'pointerup', 'auxclick', 'dblclick']) window.addEventListener(type, block, { capture: true });
  const again = frameThrottle(() => {
    for (const path of shown.keys()) render(path);
  }, 50);
  window.addEventListener('scroll', safe(() => shown.size && again()), { capture: true, passive: true });
  window.addEventListener('resize', safe(() => shown.size && again()), { passive: true });
}
