import type { UrlKind } from '../types.ts';

/**
 * Plain single-URL attributes, by element. Elements not listed here keep their attributes
 * as they are (e.g. `cite`, `longdesc`: never fetched by the browser).
 */
export const URL_ATTRS: ReadonlyMap<string, ReadonlyMap<string, UrlKind>> = new Map(
  Object.entries({
    a: { href: 'navigation' },
    area: { href: 'navigation' },
    form: { action: 'form' },
    button: { formaction: 'form' },
    input: { formaction: 'form', src: 'resource' }, // src: <input type=image>
    img: { src: 'resource' },
    image: { src: 'resource' }, // the HTML parser turns <image> into <img>
    source: { src: 'resource' },
    track: { src: 'resource' },
    video: { src: 'resource', poster: 'resource' },
    audio: { src: 'resource' },
    script: { src: 'script' },
    iframe: { src: 'frame' },
    frame: { src: 'frame' },
    // Both can host a nested document (HTML, SVG, PDF), so they get the frame treatment.
    object: { data: 'frame' },
    embed: { src: 'frame' },
    body: { background: 'resource' },
    table: { background: 'resource' },
    td: { background: 'resource' },
    th: { background: 'resource' },
    html: { manifest: 'resource' },
  }).map(([tag, attrs]) => [tag, new Map(Object.entries(attrs) as [string, UrlKind][])]),
);

/** Attributes holding a srcset (candidate list), by element. */
export const SRCSET_ATTRS: ReadonlyMap<string, string> = new Map([
  ['img', 'srcset'],
  ['source', 'srcset'],
  ['link', 'imagesrcset'],
]);

/**
 * Every attribute name the rewriter needs to look at; the tokenizer callbacks drop all others
 * immediately, which keeps the per-attribute cost on the hot path to one map lookup.
 */
export const INTERESTING_ATTRS: ReadonlySet<string> = new Set([
  'href',
  'src',
  'srcset',
  'imagesrcset',
  'action',
  'formaction',
  'poster',
  'data',
  'background',
  'manifest',
  'ping',
  'style',
  'integrity',
  'srcdoc',
  'xlink:href',
  'rel',
  'as',
  'http-equiv',
  'content',
]);

const LINK_RESOURCE_RELS = ['icon', 'apple-touch-icon', 'apple-touch-icon-precomposed', 'mask-icon', 'manifest'];

/** The kind of fetch a <link href> triggers, from its rel and as attributes. */
export function linkKind(rel: string, as: string): UrlKind {
  const rels = rel.toLowerCase().split(/[\t\n\f\r ]+/);
  if (rels.includes('stylesheet')) return 'style';
  if (rels.includes('modulepreload')) return 'script';
  if (rels.includes('preload') || rels.includes('prefetch')) {
    const a = as.trim().toLowerCase();
    if (a === 'script' || a === 'worker' || a === 'sharedworker' || a === 'serviceworker') return 'script';
    if (a === 'style') return 'style';
    if (a === 'document' || a === 'iframe') return 'frame';
    return 'resource';
  }
  if (rels.includes('preconnect') || rels.includes('dns-prefetch')) return 'resource';
  if (rels.some((r) => LINK_RESOURCE_RELS.includes(r))) return 'resource';
  // canonical, alternate, next, prev, author, ...: places a user may navigate to.
  return 'navigation';
}
