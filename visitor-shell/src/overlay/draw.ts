// Annotations from the other party: strokes whose points are fractions of the document size, drawn
// as an SVG over the whole document (vector, so a tall page costs no canvas memory). Cleared on
// request and on navigation.
import { layer } from './layer.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
let svg: SVGSVGElement | null = null;

function fitToDocument(s: SVGSVGElement): void {
  const d = document.documentElement;
  const w = Math.max(d.scrollWidth, document.body?.scrollWidth ?? 0);
  const h = Math.max(d.scrollHeight, document.body?.scrollHeight ?? 0);
  s.setAttribute('width', String(w));
  s.setAttribute('height', String(h));
}

function surface(): SVGSVGElement {
  if (!svg || !svg.isConnected) {
    svg = document.createElementNS(SVG_NS, 'svg');
    svg.setAttribute('class', 'draw');
    svg.setAttribute('viewBox', '0 0 1000 1000');
    svg.setAttribute('preserveAspectRatio', 'none');
    svg.setAttribute('data-cb-draw', '');
    layer().appendChild(svg);
  }
  fitToDocument(svg);
  return svg;
}

export function clearDrawing(): void {
  svg?.replaceChildren();
}

export function applyDraw(points: number[], clear?: boolean): void {
  if (clear) clearDrawing();
  if (points.length < 2) return;
  const s = surface();
  const line = document.createElementNS(SVG_NS, 'polyline');
  const pts: string[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) pts.push(`${(points[i] * 1000).toFixed(1)},${(points[i + 1] * 1000).toFixed(1)}`);
  if (pts.length === 1) pts.push(pts[0]); // a dot
  line.setAttribute('points', pts.join(' '));
  s.appendChild(line);
}

export function installDrawResize(): void {
  window.addEventListener('resize', () => {
    try {
      if (svg?.isConnected) fitToDocument(svg);
    } catch {
      /* never into the page */
    }
  });
}
