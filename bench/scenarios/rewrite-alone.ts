// The limit for the gateway's CPU per rewritten page, in its own process: `rewriteHtml` alone on
// the proxy scenario's fixture page, already decoded, with what the gateway hands it (its own URL
// mapper over a real OriginRegistry, and a head injection of the same shape), nothing else: no
// HTTP, no upstream, no decoding, no cookies. CPU time per page from process.cpuUsage().
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { rewriteHtml } from '../../injector/index.ts';
import { OriginRegistry } from '../../gateway/proxy/origin-registry.ts';
import { createUrlMapper } from '../../gateway/proxy/map-url.ts';
import { serve } from '../lib/rpc.ts';

const require = createRequire(import.meta.url);
const corpus = join(dirname(require.resolve('htmlparser-benchmark/package.json')), 'files');

serve({
  /** CPU ms per rewritten page over about `seconds` of rewriting (after a warm-up). */
  run(a: { pageFile: string; pageUrl: string; seconds: number }) {
    const html = readFileSync(join(corpus, a.pageFile), 'utf8');
    const registry = new OriginRegistry({ scheme: 'http', domain: 'cobrowse.localhost', publicPort: 8081 });
    const inject =
      '<script>window.__cbFrame={"parentOrigin":"http://cobrowse.localhost:8080","realOrigin":"http://127.0.0.1:1","sessionHint":"abcdef","cookies":""}</script>' +
      '<script src="http://static.cobrowse.localhost:8081/__cb/overlay.js?v=0123456789abcdef" crossorigin="anonymous"></script>';
    let sink = 0;
    // Like the gateway: a mapper per page (its per-page origin cache starts empty each time).
    const once = () => (sink += rewriteHtml(html, { pageUrl: a.pageUrl, mapUrl: createUrlMapper(() => registry, 'bench-session', 'http://cobrowse.localhost:8080'), injectHead: inject }).length);
    for (let i = 0; i < 300; i++) once();
    const t0 = process.cpuUsage();
    const w0 = performance.now();
    let n = 0;
    while (performance.now() - w0 < a.seconds * 1000) {
      for (let i = 0; i < 50; i++) once();
      n += 50;
    }
    const d = process.cpuUsage(t0);
    return { pages: n, cpuMsPerPage: (d.user + d.system) / 1000 / n, wallMsPerPage: (performance.now() - w0) / n, sink };
  },
});
