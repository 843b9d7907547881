// The limit for the gateway's CPU per rewritten page, in its own process: the injector alone on
// the proxy scenario's fixture page, in memory, with what the gateway hands it (its own URL
// mapper over a real OriginRegistry, and a head injection of the same shape), nothing else: no
// HTTP, no upstream, no cookies. CPU time per page from process.cpuUsage(). Two forms, measured
// one after the other in this process: `rewriteHtmlUtf8` on the page's bytes (what the gateway
// calls for a UTF-8 page: bytes in, bytes out) and `rewriteHtml` on the page already decoded to a
// string (the figure this limit was first defined by; no decode, no encode counted).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { rewriteHtml, rewriteHtmlUtf8 } from '../../injector/index.ts';
import { OriginRegistry } from '../../gateway/proxy/origin-registry.ts';
import { createUrlMapper } from '../../gateway/proxy/map-url.ts';
import { serve } from '../lib/rpc.ts';

const require = createRequire(import.meta.url);
const corpus = join(dirname(require.resolve('htmlparser-benchmark/package.json')), 'files');

serve({
  /** CPU ms per rewritten page over about `seconds` of rewriting each way (after `warmup` pages, 300 unless given). */
  run(a: { pageFile: string; pageUrl: string; seconds: number; warmup?: number }) {
    const bytes = readFileSync(join(corpus, a.pageFile));
    const html = bytes.toString('utf8');
    const registry = new OriginRegistry({ scheme: 'http', domain: 'cobrowse.localhost', publicPort: 8081 });
    const inject =
      '<script>window.__cbFrame={"parentOrigin":"http://cobrowse.localhost:8080","realOrigin":"http://127.0.0.1:1","sessionHint":"abcdef","cookies":""}</script>' +
      '<script src="http://static.cobrowse.localhost:8081/__cb/overlay.js?v=0123456789abcdef" crossorigin="anonymous"></script>';
    let sink = 0;
    // Like the gateway: a mapper per page (its per-page origin cache starts empty each time).
    const ctx = () => ({ pageUrl: a.pageUrl, mapUrl: createUrlMapper(() => registry, 'bench-session', 'http://cobrowse.localhost:8080'), injectHead: inject });
    const measure = (once: () => void) => {
      for (let i = 0; i < (a.warmup ?? 300); i++) once();
      const t0 = process.cpuUsage();
      const w0 = performance.now();
      let n = 0;
      while (performance.now() - w0 < a.seconds * 1000) {
        for (let i = 0; i < 50; i++) once();
        n += 50;
      }
      const d = process.cpuUsage(t0);
      return { pages: n, cpuMsPerPage: (d.user + d.system) / 1000 / n, wallMsPerPage: (performance.now() - w0) / n };
    };
    const onBytes = measure(() => void (sink += rewriteHtmlUtf8(bytes, ctx()).length));
    const onString = measure(() => void (sink += rewriteHtml(html, ctx()).length));
    return { bytes: onBytes, string: onString, sink };
  },
});
