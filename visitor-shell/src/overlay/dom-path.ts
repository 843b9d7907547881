// element-path.ts bound to the live document.
import { resolvePath, stablePath, type PathRoot } from './element-path.ts';

const root = document as unknown as PathRoot;

export function pathOf(el: Element): string | null {
  return stablePath(el, root);
}

export function elementAt(path: string, loose = false): Element | null {
  return resolvePath(path, root, loose) as Element | null;
}
