import type { UrlKind } from '../types.ts';

/**
 * SVG (and xlink:href anywhere) reference kinds. `href="#icon"` stays untouched like any
 * fragment; only external absolute references are mapped.
 */
export function svgHrefKind(tag: string): UrlKind {
  if (tag === 'a') return 'navigation';
  if (tag === 'script') return 'script';
  return 'resource'; // use, image, feImage, pattern, gradients, textPath, mpath, ...
}
