// Pointer and focus presence: ours is posted as element path + fractions inside the element (so it
// lands on the same content at any viewport size); the other party's is drawn in the layer as a
// labelled arrow, a click ripple, and a focus outline.
import { elementAt, pathOf } from './dom-path.ts';
import { frameThrottle, post, round, safe } from './env.ts';
import { docPoint, isLayer, layer } from './layer.ts';

// ------------------------------------------------------------------ local → remote

let lastMove: PointerEvent | null = null;

function describe(ev: PointerEvent | MouseEvent): { path: string; fx: number; fy: number } | null {
  const el = ev.target;
  if (!(el instanceof Element) || isLayer(el)) return null;
  const path = pathOf(el);
  if (!path) return null;
  const r = el.getBoundingClientRect();
  const fx = r.width > 0 ? (ev.clientX - r.left) / r.width : 0;
  const fy = r.height > 0 ? (ev.clientY - r.top) / r.height : 0;
  return { path, fx: round(fx), fy: round(fy) };
}

const flushMove = frameThrottle(() => {
  const ev = lastMove;
  lastMove = null;
  const d = ev && describe(ev);
  if (d) post({ cb: 1, type: 'pointer', ...d });
});

let lastFocusPath: string | null = null;
function postFocus(path: string | null): void {
  if (path === lastFocusPath) return;
  lastFocusPath = path;
  post({ cb: 1, type: 'focus', path });
}

export function installPointerSend(): void {
  const opts = { capture: true, passive: true };
  document.addEventListener(
    'pointermove',
    safe((ev: PointerEvent) => {
      if (!ev.isTrusted) return;
      lastMove = ev;
      flushMove();
    }),
    opts,
  );
  document.addEventListener(
    'pointerdown',
    safe((ev: PointerEvent) => {
      if (!ev.isTrusted) return;
      const d = describe(ev);
      if (d) post({ cb: 1, type: 'pointer', ...d, click: true });
    }),
    opts,
  );
  document.addEventListener(
    'focusin',
    safe((ev: FocusEvent) => {
      if (!ev.isTrusted || !(ev.target instanceof Element)) return;
      postFocus(pathOf(ev.target));
    }),
    true,
  );
  document.addEventListener(
    'focusout',
    safe((ev: FocusEvent) => {
      if (!ev.isTrusted) return;
      // Focus moving to another field posts that field; only a real blur posts null.
      setTimeout(
        safe(() => {
          const a = document.activeElement;
          if (!a || a === document.body || a === document.documentElement) postFocus(null);
        }),
        0,
      );
    }),
    true,
  );
}

// ------------------------------------------------------------------ remote → drawn

interface RemotePointer {
  path: string;
  fx: number;
  fy: number;
  label: string;
}
let remote: RemotePointer | null = null;
let remoteFocus: { path: string; label: string } | null = null;
let cursorEl: HTMLElement | null = null;
let focusEl: HTMLElement | null = null;

const SVG_NS = 'http://www.w3.org/2000/svg';

/** Built with DOM calls, not innerHTML, so pages enforcing Trusted Types still get a cursor. */
function arrow(): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('width', '22');
  svg.setAttribute('height', '26');
  svg.setAttribute('viewBox', '0 0 22 26');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', 'M2 2 L2 21 L7.5 16 L11.5 24.5 L15 23 L11 14.5 L18.5 14.5 Z');
  path.setAttribute('fill', '#7c3aed');
  path.setAttribute('stroke', '#fff');
  path.setAttribute('stroke-width', '2');
  path.setAttribute('stroke-linejoin', 'round');
  svg.appendChild(path);
  return svg;
}

function renderCursor(): void {
  if (!remote) return;
  const el = elementAt(remote.path, true) ?? document.body;
  if (!el) return;
  const exact = elementAt(remote.path) !== null;
  const p = exact ? docPoint(el, remote.fx, remote.fy) : docPoint(el, 0.5, 0);
  const root = layer();
  if (!cursorEl || !cursorEl.isConnected) {
    cursorEl = document.createElement('div');
    cursorEl.className = 'cur';
    cursorEl.setAttribute('data-cb-cursor', '');
    cursorEl.appendChild(arrow());
    const lbl = document.createElement('span');
    lbl.className = 'lbl';
    cursorEl.appendChild(lbl);
    root.appendChild(cursorEl);
  }
  (cursorEl.lastChild as HTMLElement).textContent = remote.label;
  cursorEl.style.transform = `translate(${Math.round(p.x - 2)}px, ${Math.round(p.y - 2)}px)`;
}

function ripple(): void {
  if (!remote) return;
  const el = elementAt(remote.path, true);
  if (!el) return;
  const p = docPoint(el, remote.fx, remote.fy);
  const r = document.createElement('div');
  r.className = 'ripple';
  r.style.left = `${Math.round(p.x)}px`;
  r.style.top = `${Math.round(p.y)}px`;
  layer().appendChild(r);
  setTimeout(() => r.remove(), 700);
}

function renderFocus(): void {
  if (!remoteFocus) {
    focusEl?.remove();
    focusEl = null;
    return;
  }
  const el = elementAt(remoteFocus.path);
  if (!el) {
    focusEl?.remove();
    return;
  }
  if (!focusEl || !focusEl.isConnected) {
    focusEl = document.createElement('div');
    focusEl.className = 'focus';
    focusEl.setAttribute('data-cb-remote-focus', '');
    const lbl = document.createElement('span');
    lbl.className = 'lbl';
    focusEl.appendChild(lbl);
    layer().appendChild(focusEl);
  }
  (focusEl.firstChild as HTMLElement).textContent = remoteFocus.label;
  const r = el.getBoundingClientRect();
  Object.assign(focusEl.style, {
    left: `${Math.round(r.left + window.scrollX - 3)}px`,
    top: `${Math.round(r.top + window.scrollY - 3)}px`,
    width: `${Math.round(r.width + 2)}px`,
    height: `${Math.round(r.height + 2)}px`,
  });
}

export function showRemotePointer(m: { path: string; fx: number; fy: number; click?: boolean; label: string }): void {
  remote = { path: m.path, fx: m.fx, fy: m.fy, label: m.label };
  renderCursor();
  if (m.click) ripple();
}

export function showRemoteFocus(path: string | null, label: string): void {
  remoteFocus = path ? { path, label } : null;
  renderFocus();
}

/** Inner scrolling and reflow move elements: keep the drawn cursor and focus on them. */
export function installPresenceReflow(): void {
  const again = frameThrottle(() => {
    if (remote) renderCursor();
    if (remoteFocus) renderFocus();
  }, 50);
  window.addEventListener('scroll', safe(() => (remote || remoteFocus) && again()), { capture: true, passive: true });
  window.addEventListener('resize', safe(() => (remote || remoteFocus) && again()), { passive: true });
}
