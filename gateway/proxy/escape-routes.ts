// URL forms the overlay's escape closers point at (visitor-shell/src/overlay/import-map.ts):
// `/__cb/im/<http|https>/<host[:port]>/<path>?<query>` stands for `<scheme>://<host>/<path>?<query>`.
// It is the path-shaped twin of `/__cb/go?u=`, because an import map can only map URL prefixes:
// the document's import map sends every absolute `http://` and `https://` module specifier here.
// The proxy serves the module under that path (fetched through the session, after the same target
// checks as any proxied URL) instead of redirecting, so the module's URL stays on this proxy origin
// and its relative imports resolve under /__cb/im/ again: one proxy origin for the whole graph.

const IM_PREFIX = '/__cb/im/';

/** The real URL a `/__cb/im/…` path stands for, or null when it is not one. */
export function importMapTarget(path: string, query: string): string | null {
  if (!path.startsWith(IM_PREFIX)) return null;
  const rest = path.slice(IM_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return null;
  const scheme = rest.slice(0, slash);
  if (scheme !== 'http' && scheme !== 'https') return null;
  const tail = rest.slice(slash + 1);
  if (!tail || tail.startsWith('/')) return null;
  try {
    const u = new URL(`${scheme}://${tail}${query ? `?${query}` : ''}`);
    return u.href;
  } catch {
    return null;
  }
}
