// Stable element paths: the same element on both parties' copies of a page gets the same path,
// whatever their viewport. Format: segments joined by '>', the first is 'body' or '#id', the rest
// 'tag:nth-of-type(n)'. Written against a minimal structural interface so it runs without a DOM.
import { MAX_PATH_CHARS } from '../../../protocol/limits.ts';

export interface PathElement {
  readonly localName: string;
  readonly id: string;
  readonly parentElement: PathElement | null;
  readonly previousElementSibling: PathElement | null;
  readonly children: ArrayLike<PathElement>;
}

export interface PathRoot {
  readonly body: PathElement | null;
  getElementById(id: string): PathElement | null;
}

/** Longest chain of nth-of-type segments; deeper elements are represented by their ancestor. */
export const MAX_PATH_SEGMENTS = 32;
const ID_RE = /^[A-Za-z][\w-]{0,79}$/;
const SEG_RE = /^([A-Za-z][\w.-]{0,63}):nth-of-type\((\d{1,5})\)$/;

/** An id usable as an anchor: plain characters and unique in the document. */
export function isStableId(el: PathElement, root: PathRoot): boolean {
  return ID_RE.test(el.id) && root.getElementById(el.id) === el;
}

function nthOfType(el: PathElement): number {
  let n = 1;
  for (let s = el.previousElementSibling; s; s = s.previousElementSibling) if (s.localName === el.localName) n++;
  return n;
}

/**
 * Stable path of `el`, or null when it is not inside <body> (head, detached, shadow DOM).
 * When the chain would exceed the caps, the path of the deepest ancestor that fits is returned.
 */
export function stablePath(el: PathElement, root: PathRoot): string | null {
  const segs: string[] = [];
  let cur: PathElement | null = el;
  for (let guard = 0; cur && guard < 512; guard++) {
    if (cur === root.body) {
      segs.push('body');
      break;
    }
    if (cur.id && isStableId(cur, root)) {
      segs.push(`#${cur.id}`);
      break;
    }
    const parent: PathElement | null = cur.parentElement;
    if (!parent) return null;
    segs.push(`${cur.localName}:nth-of-type(${nthOfType(cur)})`);
    cur = parent;
  }
  if (!cur) return null;
  segs.reverse(); // root first
  let len = segs.length;
  while (len > 1 && (len - 1 > MAX_PATH_SEGMENTS || segs.slice(0, len).join('>').length > MAX_PATH_CHARS)) len--;
  return segs.slice(0, len).join('>');
}

/**
 * The element at `path`. Exact by default: null if any segment is missing. With `loose`, the deepest
 * element that resolved (useful for cursors, never for form values).
 */
export function resolvePath(path: string, root: PathRoot, loose = false): PathElement | null {
  if (!path || path.length > MAX_PATH_CHARS) return null;
  const segs = path.split('>');
  const first = segs[0];
  let cur: PathElement | null;
  if (first === 'body') cur = root.body;
  else if (first.startsWith('#') && ID_RE.test(first.slice(1))) cur = root.getElementById(first.slice(1));
  else return null;
  for (let i = 1; cur && i < segs.length; i++) {
    const m = SEG_RE.exec(segs[i]);
    if (!m) return loose ? cur : null;
    const tag = m[1];
    let want = Number(m[2]);
    let found: PathElement | null = null;
    const kids = cur.children;
    for (let k = 0; k < kids.length; k++) {
      if (kids[k].localName === tag && --want === 0) {
        found = kids[k];
        break;
      }
    }
    if (!found) return loose ? cur : null;
    cur = found;
  }
  return cur;
}
