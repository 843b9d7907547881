// The overlay's drawing layer: a host element appended to <html> with an open shadow root, so page
// CSS cannot restyle it and it never takes part in body-based element paths. Positioned absolutely
// at the document origin: children use document coordinates. Created lazily, re-attached if removed.

let host: HTMLElement | null = null;
let root: ShadowRoot | null = null;

const CSS = `
:host{all:initial}
.cur{position:absolute;left:0;top:0;pointer-events:none;transition:transform 90ms linear;will-change:transform}
.cur svg{display:block;filter:drop-shadow(0 1px 2px rgba(0,0,0,.35))}
.cur .lbl{position:absolute;left:16px;top:18px;white-space:nowrap;font:600 12px/1.2 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#fff;background:#7c3aed;padding:3px 7px;border-radius:6px}
.ripple{position:absolute;width:36px;height:36px;margin:-18px 0 0 -18px;border-radius:50%;border:3px solid #7c3aed;pointer-events:none;animation:cb-rip .6s ease-out forwards}
@keyframes cb-rip{from{transform:scale(.3);opacity:1}to{transform:scale(1.6);opacity:0}}
.focus{position:absolute;pointer-events:none;border:2px solid #7c3aed;border-radius:4px;box-shadow:0 0 0 3px rgba(124,58,237,.25)}
.focus .lbl{position:absolute;left:-2px;top:-22px;white-space:nowrap;font:600 11px/1.2 system-ui,-apple-system,sans-serif;color:#fff;background:#7c3aed;padding:3px 6px;border-radius:5px 5px 5px 0}
.hl{position:absolute;pointer-events:none;border:3px solid #f59e0b;border-radius:6px;box-shadow:0 0 0 4px rgba(245,158,11,.3),0 0 24px rgba(245,158,11,.45);animation:cb-hl 1.2s ease-in-out 2}
.hl .lbl{position:absolute;left:-3px;top:-24px;white-space:nowrap;font:600 11px/1.2 system-ui,-apple-system,sans-serif;color:#111827;background:#f59e0b;padding:3px 6px;border-radius:5px 5px 5px 0}
@keyframes cb-hl{50%{box-shadow:0 0 0 10px rgba(245,158,11,.15),0 0 32px rgba(245,158,11,.6)}}
svg.draw{position:absolute;left:0;top:0;pointer-events:none;overflow:visible}
.draw-surface{position:fixed;inset:0;pointer-events:auto;cursor:crosshair;touch-action:none;user-select:none;-webkit-user-select:none;background:transparent}
svg.draw polyline{fill:none;stroke:#e11d48;stroke-width:4;stroke-linecap:round;stroke-linejoin:round;vector-effect:non-scaling-stroke;opacity:.85}
`;

export function layer(): ShadowRoot {
  if (!host || !root) {
    host = document.createElement('cb-overlay-layer');
    host.setAttribute('data-cb-layer', '');
    host.setAttribute('aria-hidden', 'true');
    const s = host.style;
    for (const [k, v] of [
      ['position', 'absolute'],
      ['top', '0'],
      ['left', '0'],
      ['width', '0'],
      ['height', '0'],
      ['overflow', 'visible'],
      ['z-index', '2147483647'],
      ['pointer-events', 'none'],
      ['display', 'block'],
      ['margin', '0'],
      ['padding', '0'],
      ['border', '0'],
    ]) {
      s.setProperty(k, v, 'important');
    }
    root = host.attachShadow({ mode: 'open' });
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [sheet];
    } catch {
      const style = document.createElement('style');
      style.textContent = CSS;
      root.appendChild(style);
    }
  }
  if (!host.isConnected) document.documentElement.appendChild(host);
  return root;
}

export function isLayer(node: Node | null): boolean {
  return !!host && !!node && (node === host || host.contains(node));
}

/** Document coordinates of a point given as fractions of an element's box. */
export function docPoint(el: Element, fx: number, fy: number): { x: number; y: number } {
  const r = el.getBoundingClientRect();
  return { x: r.left + fx * r.width + window.scrollX, y: r.top + fy * r.height + window.scrollY };
}
