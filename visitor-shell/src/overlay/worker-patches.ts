// `new Worker('https://site/worker.js')` with the real origin's absolute URL throws SecurityError on
// a proxy origin: the constructors map it to the same path here (the proxy prepends the worker
// runtime to the script, gateway/proxy/worker-runtime.ts, so the worker's own fetch, XHR,
// importScripts and sockets stay in the proxy too). A URL on another site is left alone: the real
// site's page would get the same SecurityError. A blob: worker's source was built by the page and
// never passes the proxy: it is wrapped so that the runtime runs first. data: workers have an opaque
// origin and cannot load the runtime: reported as an escape.
import { reportEscape } from './escapes.ts';

type Proxify = (url: string) => string;

function mapWorkerUrl(url: string, type: string | undefined, p: Proxify): string {
  if (/^blob:/i.test(url)) {
    const rt = `${location.origin}/__cb/worker-runtime.js`;
    const src = type === 'module' ? `import ${JSON.stringify(rt)};\nimport ${JSON.stringify(url)};\n` : `importScripts(${JSON.stringify(rt)});\nimportScripts(${JSON.stringify(url)});\n`;
    return URL.createObjectURL(new Blob([src], { type: 'text/javascript' }));
  }
  if (/^data:/i.test(url)) {
    reportEscape('worker', url.slice(0, 64));
    return url;
  }
  const m = p(url);
  return m.startsWith(`${location.origin}/__cb/go?`) ? url : m;
}

export function installWorkerPatches(p: Proxify): void {
  for (const name of ['Worker', 'SharedWorker'] as const) {
    const Orig = (window as unknown as Record<string, (new (u: string | URL, o?: unknown) => object) | undefined>)[name];
    if (!Orig) continue;
    const Patched = class extends Orig {
      constructor(url: string | URL, opts?: unknown) {
        let u = String(url);
        try {
          const type = typeof opts === 'object' && opts ? (opts as { type?: string }).type : undefined;
          u = mapWorkerUrl(u, type, p);
        } catch {
          /* as given */
        }
        super(u, opts);
      }
    };
    Object.defineProperty(Patched, 'name', { value: name });
    (window as unknown as Record<string, unknown>)[name] = Patched;
  }
}
