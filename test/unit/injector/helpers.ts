import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { UrlKind } from '../../../injector/index.ts';

export const PROXY_SUFFIX = '.proxy.test';

/** Deterministic stand-in for the gateway's mapper: one proxy origin per real host, path kept. */
export function testMapUrl(u: string, _kind?: UrlKind): string {
  const x = new URL(u);
  return 'http://p-' + x.host.replace(/[^a-z0-9]/g, '-') + PROXY_SUFFIX + x.pathname + x.search + x.hash;
}

/** True for URLs our test mapper produced. */
export function isProxyUrl(u: string): boolean {
  return /^http:\/\/p-[a-z0-9-]*\.proxy\.test(?:[/?#]|$)/.test(u);
}

export function corpusFiles(): { name: string; html: string }[] {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('htmlparser-benchmark/package.json')), 'files');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.html'))
    .sort()
    .map((name) => ({ name, html: readFileSync(join(dir, name), 'utf8') }));
}
