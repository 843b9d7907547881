// Annotations: strokes whose points are fractions of the document size, drawn as an SVG over the
// whole document (vector, so a tall page costs no canvas memory). The other party's strokes and our
// own (draw-tool.ts) share the layer. Cleared on request and on navigation.
import { layer } from './layer.ts';

const SVG_NS = 'http://www.w3.org/2000/svg';
let svg: SVGSVGElement | null = null;

function fitToDocument(s: SVGSVGElement): void {
  const { w, h } = documentSize();
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

function pointsAttr(points: number[]): string {
  const pts: string[] = [];
  for (let i = 0; i + 1 < points.length; i += 2) pts.push(`${(points[i] * 1000).toFixed(1)},${(points[i + 1] * 1000).toFixed(1)}`);
  if (pts.length === 1) pts.push(pts[0]); // a dot
  return pts.join(' ');
}

function polyline(): SVGPolylineElement {
  const line = document.createElementNS(SVG_NS, 'polyline');
  surface().appendChild(line);
  return line;
}

/** A stroke from the other party (or a piece of one: consecutive pieces share an end point). */
export function applyDraw(points: number[], clear?: boolean): void {
  if (clear) clearDrawing();
  if (points.length < 2) return;
  polyline().setAttribute('points', pointsAttr(points));
}

/** A stroke this party is drawing: the same layer and look as the other party's strokes. */
export function localStroke(): (points: number[]) => void {
  const line = polyline();
  return (points) => line.setAttribute('points', pointsAttr(points));
}

/** Document size in CSS px: stroke points are fractions of it. */
export function documentSize(): { w: number; h: number } {
  const d = document.documentElement;
  return { w: Math.max(d.scrollWidth, document.body?.scrollWidth ?? 0, 1), h: Math.max(d.scrollHeight, document.body?.scrollHeight ?? 0, 1) };
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
