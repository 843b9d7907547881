/** `<a ping>` is a space-separated URL list. Returns null when nothing changed. */
export function rewritePing(value: string, mapOne: (url: string) => string | null): string | null {
  let changed = false;
  const out = value.replace(/[^\t\n\f\r ]+/g, (url) => {
    const mapped = mapOne(url);
    if (mapped === null) return url;
    changed = true;
    return mapped;
  });
  return changed ? out : null;
}
