// The freehand drawing tool in this party's own frame (FrameDown `tool`). While it is on, pointer
// strokes draw on the annotation layer and are posted as `draw` frames (points as fractions of the
// document size, pieces at most ~30 Hz during a stroke); the page must not act on them: a
// transparent surface over the viewport takes the hits (no hover, selection, focus or link
// activation underneath), and window capture listeners, installed before any page script, keep the
// events from page listeners. Escape clears every drawing on both sides. The tool is per page load:
// a new page starts with the pointer.
import { documentSize, clearDrawing, localStroke } from './draw.ts';
import { frameThrottle, post, round, safe } from './env.ts';
import { layer } from './layer.ts';
import { setHighlightTool } from './highlight.ts';

/** The `draw` frame's points limit (protocol/frame.ts): longer pieces are split. */
const MAX_DRAW_NUMBERS = 2000;

let active = false;
let surfaceEl: HTMLElement | null = null;

interface Stroke {
  pointerId: number;
  points: number[];
  /** Numbers already posted; the next piece starts at the last posted point so pieces join up. */
  sent: number;
  render: (points: number[]) => void;
}
let stroke: Stroke | null = null;

const BLOCKED = ['pointerdown', 'pointermove', 'pointerup', 'pointercancel', 'mousedown', 'mousemove', 'mouseup', 'click', 'dblclick', 'auxclick', 'contextmenu', 'touchstart', 'touchmove', 'touchend', 'dragstart', 'selectstart'];

function showSurface(on: boolean): void {
  if (on) {
    if (!surfaceEl || !surfaceEl.isConnected) {
      surfaceEl = document.createElement('div');
      surfaceEl.className = 'draw-surface';
      surfaceEl.setAttribute('data-cb-draw-surface', '');
      layer().appendChild(surfaceEl);
    }
  } else {
    surfaceEl?.remove();
    surfaceEl = null;
  }
}

function addPoint(ev: PointerEvent): void {
  if (!stroke) return;
  const { w, h } = documentSize();
  stroke.points.push(round((ev.clientX + window.scrollX) / w), round((ev.clientY + window.scrollY) / h));
  stroke.render(stroke.points);
}

function flush(final: boolean): void {
  const s = stroke;
  if (!s) return;
  const from = Math.max(0, s.sent - 2);
  let piece = s.points.slice(from);
  // A piece that only repeats the last posted point adds nothing (a dot is posted once, when final).
  if (piece.length < 4 && !(final && s.sent === 0 && piece.length >= 2)) return;
  while (piece.length > 0) {
    const chunk = piece.slice(0, MAX_DRAW_NUMBERS);
    post({ cb: 1, type: 'draw', points: chunk });
    // Overlap by one point so the receiver's polylines join.
    piece = piece.length > MAX_DRAW_NUMBERS ? piece.slice(MAX_DRAW_NUMBERS - 2) : [];
  }
  s.sent = s.points.length;
}

const flushSoon = frameThrottle(() => flush(false));

function onEvent(ev: Event): void {
  if (!active) return;
  if (ev instanceof KeyboardEvent) {
    if (ev.key === 'Escape') {
      clearDrawing();
      post({ cb: 1, type: 'draw', points: [], clear: true });
    }
    return;
  }
  ev.stopImmediatePropagation();
  if (ev.cancelable) ev.preventDefault();
  if (!(ev instanceof PointerEvent)) return;
  if (ev.type === 'pointerdown' && !stroke && ev.button === 0) {
    try {
      surfaceEl?.setPointerCapture(ev.pointerId);
    } catch {
      /* synthetic pointer */
    }
    stroke = { pointerId: ev.pointerId, points: [], sent: 0, render: localStroke() };
    addPoint(ev);
  } else if (stroke && ev.pointerId === stroke.pointerId) {
    if (ev.type === 'pointermove') {
      for (const e of ev.getCoalescedEvents?.() ?? [ev]) addPoint(e);
      flushSoon();
    } else if (ev.type === 'pointerup' || ev.type === 'pointercancel') {
      addPoint(ev);
      flush(true);
      stroke = null;
    }
  }
}

/** Switch this frame between the pointer and the drawing tool. */
export function setTool(tool: 'pointer' | 'draw' | 'highlight'): void {
  setHighlightTool(tool === 'highlight');
  active = tool === 'draw';
  if (!active && stroke) {
    flush(true);
    stroke = null;
  }
  showSurface(active);
}

export function installDrawTool(): void {
  const h = safe(onEvent);
  for (const type of BLOCKED) window.addEventListener(type, h, { capture: true, passive: false });
  window.addEventListener('keydown', h, true);
}
