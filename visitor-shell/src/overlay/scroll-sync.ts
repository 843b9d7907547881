// Scroll sync by anchor element + offset, so parties with different viewports see the same content
// at the top. Window and inner scrollable elements alike. Echo suppression: a scroll we applied for
// the other party is never sent back (ignored for 150 ms, and while the position is the applied one).
import type { ScrollState } from '../../../protocol/index.ts';
import { elementAt, pathOf } from './dom-path.ts';
import { frameThrottle, post, round, safe } from './env.ts';
import { isLayer } from './layer.ts';

const ECHO_MS = 150;
type Target = Element | Window;

interface Applied {
  top: number;
  left: number;
  until: number;
}
const applied = new Map<Target, Applied>();
const pending = new Set<Target>();
/** A remote position whose anchor was not in the page yet, retried on load. */
let missed: { s: ScrollState; at: number } | null = null;
let localSince = 0;
/**
 * A resize (phone rotated, the console re-laying its frame out at the visitor's size) reflows the
 * page and fires scroll events nobody asked for. They are not the user's, so they are not sent;
 * once the layout settles the leader (who scrolled last) re-sends its position and the follower
 * re-applies the last one it received, so both stay on the same element.
 */
const RESIZE_SETTLE_MS = 250;
let resizedAt = -Infinity;
let remoteAt = 0;
const lastRemote = new Map<Target, ScrollState>();
let settleTimer: ReturnType<typeof setTimeout> | null = null;

function onResize(): void {
  resizedAt = performance.now();
  if (settleTimer) clearTimeout(settleTimer);
  settleTimer = setTimeout(
    safe(() => {
      settleTimer = null;
      resizedAt = performance.now();
      if (localSince > remoteAt) {
        const s = captureScroll(window);
        if (s) post({ cb: 1, type: 'scroll', scroll: s });
      } else {
        for (const s of lastRemote.values()) applyScroll(s);
      }
    }),
    RESIZE_SETTLE_MS,
  );
}

const isWin = (t: Target): t is Window => t === window;
const pos = (t: Target) => (isWin(t) ? { top: window.scrollY, left: window.scrollX } : { top: t.scrollTop, left: t.scrollLeft });

function fixedOrSticky(el: Element): boolean {
  let e: Element | null = el;
  for (let i = 0; e && i < 20 && e !== document.body; i++, e = e.parentElement) {
    const p = getComputedStyle(e).position;
    if (p === 'fixed' || p === 'sticky') return true;
  }
  return false;
}

/** Walk up from inline boxes to the nearest block-level element (better offsets, stabler paths). */
function blockish(el: Element, stop: Element | null): Element {
  let e = el;
  while (e.parentElement && e !== stop && e.parentElement !== stop && getComputedStyle(e).display === 'inline') e = e.parentElement;
  return e;
}

function windowAnchor(): Element | null {
  const x = window.innerWidth / 2;
  let fallback: Element | null = null;
  for (const y of [1, window.innerHeight * 0.1, window.innerHeight * 0.25, window.innerHeight * 0.4]) {
    const hit = document.elementFromPoint(x, y);
    if (!hit || hit === document.documentElement || isLayer(hit) || fixedOrSticky(hit)) continue;
    if (hit === document.body) {
      fallback ??= hit;
      continue;
    }
    return blockish(hit, null);
  }
  return fallback ?? document.body;
}

function innerAnchor(scroller: Element): Element | null {
  const r = scroller.getBoundingClientRect();
  const hit = document.elementFromPoint(r.left + r.width / 2, r.top + scroller.clientTop + 1);
  if (!hit || hit === scroller || !scroller.contains(hit)) return null;
  return blockish(hit, scroller);
}

function clampRatio(r: number): number | undefined {
  return Number.isFinite(r) && r >= -1 && r <= 2 ? round(r) : undefined;
}

/** Current scroll state of the window or an element; null when it cannot be described. */
export function captureScroll(t: Target): ScrollState | null {
  if (isWin(t)) {
    const x = Math.round(window.scrollX);
    const a = windowAnchor();
    const path = a && pathOf(a);
    if (!a || !path) return { target: '', anchor: '', offset: -Math.round(window.scrollY), x };
    const r = a.getBoundingClientRect();
    return { target: '', anchor: path, offset: round(r.top, 1), ratio: r.height > 0 ? clampRatio(-r.top / r.height) : undefined, x };
  }
  const target = pathOf(t);
  if (!target) return null;
  const x = Math.round(t.scrollLeft);
  const a = innerAnchor(t);
  const path = a && pathOf(a);
  if (!a || !path) return { target, anchor: '', offset: -Math.round(t.scrollTop), x };
  const top = t.getBoundingClientRect().top + t.clientTop;
  const r = a.getBoundingClientRect();
  const rel = r.top - top;
  return { target, anchor: path, offset: round(rel, 1), ratio: r.height > 0 ? clampRatio(-rel / r.height) : undefined, x };
}

const flush = frameThrottle(() => {
  for (const t of pending) {
    const a = applied.get(t);
    const p = pos(t);
    if (a && Math.abs(p.top - a.top) < 1 && Math.abs(p.left - a.left) < 1) continue;
    const s = captureScroll(t);
    if (s) post({ cb: 1, type: 'scroll', scroll: s });
  }
  pending.clear();
});

/** Inner scrollers either party moved on this page: a snapshot includes them even back at 0. */
const innerSeen = new Set<Element>();
const SNAPSHOT_SCAN_MAX = 5000;

/** Post the window's and the inner scrollers' positions now (`sync-request`). */
export function postScrollSnapshot(): void {
  const s = captureScroll(window);
  if (s) post({ cb: 1, type: 'scroll', scroll: s });
  const scrolled = new Set<Element>();
  for (const el of innerSeen) {
    if (el.isConnected) scrolled.add(el);
    else innerSeen.delete(el);
  }
  const all = document.body?.getElementsByTagName('*') ?? [];
  for (let i = 0; i < all.length && i < SNAPSHOT_SCAN_MAX; i++) {
    const el = all[i];
    if ((el.scrollTop > 0 || el.scrollLeft > 0) && !isLayer(el)) scrolled.add(el);
  }
  for (const el of scrolled) {
    const st = captureScroll(el);
    if (st) post({ cb: 1, type: 'scroll', scroll: st });
  }
}

function onScroll(ev: Event): void {
  const raw = ev.target;
  const t: Target | null = raw === document || raw === window ? window : raw instanceof Element ? raw : null;
  if (!t || (t instanceof Element && isLayer(t))) return;
  // Layout-driven scrolls during and just after a resize are not the user's.
  if (settleTimer || performance.now() - resizedAt < 50) return;
  const a = applied.get(t);
  if (a) {
    const p = pos(t);
    if (performance.now() < a.until || (Math.abs(p.top - a.top) < 1 && Math.abs(p.left - a.left) < 1)) return;
    applied.delete(t);
  }
  localSince = performance.now();
  if (!isWin(t)) innerSeen.add(t);
  pending.add(t);
  flush();
}

/** Apply the other party's scroll state. Returns false when the anchor is not in the page (yet). */
export function applyScroll(s: ScrollState): boolean {
  const t: Target | null = s.target ? elementAt(s.target) : window;
  if (!t) return miss(s);
  let top: number;
  if (!s.anchor) top = -s.offset;
  else {
    const a = elementAt(s.anchor);
    if (!a) return miss(s);
    const r = a.getBoundingClientRect();
    const viewTop = isWin(t) ? 0 : t.getBoundingClientRect().top + t.clientTop;
    const delta = s.ratio !== undefined && r.height > 0 ? s.ratio * r.height : -s.offset;
    top = pos(t).top + (r.top - viewTop) + delta;
  }
  const left = s.x ?? pos(t).left;
  t.scrollTo({ top: Math.max(0, Math.round(top)), left: Math.max(0, Math.round(left)), behavior: 'instant' });
  if (!isWin(t)) innerSeen.add(t);
  const now = pos(t);
  applied.set(t, { top: now.top, left: now.left, until: performance.now() + ECHO_MS });
  lastRemote.set(t, s);
  remoteAt = performance.now();
  missed = null;
  return true;
}

function miss(s: ScrollState): false {
  missed = { s, at: performance.now() };
  return false;
}

export function installScrollSync(): void {
  window.addEventListener('scroll', safe(onScroll), { capture: true, passive: true });
  window.addEventListener('resize', safe(onResize), { passive: true });
  // A remote position that arrived before its anchor existed is retried once the page has loaded,
  // unless the local party scrolled meanwhile.
  window.addEventListener(
    'load',
    safe(() => {
      if (missed && localSince < missed.at) applyScroll(missed.s);
    }),
  );
}
