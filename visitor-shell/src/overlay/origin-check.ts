// The real origin behind another proxy origin of this session, asked of the proxy once per origin
// and cached. A synchronous request, because a message must be re-dispatched (or dropped) before
// the page's own listeners run; it happens once per sending origin and page.
const known = new Map<string, string | null>();

export function realOriginOf(proxyOrigin: string): string | null {
  if (known.has(proxyOrigin)) return known.get(proxyOrigin)!;
  let real: string | null = null;
  try {
    const xhr = new XMLHttpRequest();
    // A relative GET on our own proxy origin: the runtime patches pass it through unchanged.
    XMLHttpRequest.prototype.open.call(xhr, 'GET', `/__cb/origin?o=${encodeURIComponent(proxyOrigin)}`, false);
    xhr.send();
    real = xhr.status === 200 && xhr.responseText ? xhr.responseText : null;
  } catch {
    real = null;
  }
  known.set(proxyOrigin, real);
  return real;
}
