// Dynamic `import('https://other/mod.js')` and static imports of absolute URLs inside modules,
// without rewriting JavaScript: an import map maps URL prefixes, and the keys `http://` and
// `https://` prefix-match every absolute module URL. Each is sent to this proxy origin's
// `/__cb/im/<scheme>/<host>/<path>`, which serves it through the session (gateway/proxy/escape-routes.ts);
// this origin's own URLs map to themselves (the longer key wins), so same-origin modules load as
// they are. The map is scoped to modules and scripts of this origin: a module the HTML rewriter
// pointed at another proxy origin resolves plainly there (its `host:port/…` would read as a URL
// scheme after the `http://` prefix, which import maps refuse as backtracking). For the same reason
// an absolute module URL with an explicit port and a host starting with a letter fails to resolve.
// Chromium 133+ merges several import maps, so a page's own map still applies (its bare-specifier
// targets on other sites resolve directly: the escape detector reports those).
// Module workers do not get the document's import map (see gateway/proxy/worker-runtime.ts).

export function installImportMap(): void {
  const S = HTMLScriptElement as unknown as { supports?: (t: string) => boolean };
  if (!S.supports?.('importmap')) return;
  const o = location.origin;
  const map = { scopes: { [`${o}/`]: { 'http://': `${o}/__cb/im/http/`, 'https://': `${o}/__cb/im/https/`, [`${o}/`]: `${o}/` } } };
  const s = document.createElement('script');
  s.type = 'importmap';
  s.textContent = JSON.stringify(map);
  const me = document.currentScript;
  if (me?.parentNode) me.after(s);
  else (document.head ?? document.documentElement).prepend(s);
}
