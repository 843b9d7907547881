// Serves built bundles from memory (they are small and immutable per build). Files are read once at
// start; a missing build gives a clear 503 telling the operator to run the build.
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { join, extname, relative } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.map': 'application/json',
  '.woff2': 'font/woff2',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
};

export interface StaticFile {
  body: Buffer;
  type: string;
}

export function loadStaticDir(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else files.set('/' + relative(dir, p).split('\\').join('/'), { body: readFileSync(p), type: TYPES[extname(p)] ?? 'application/octet-stream' });
    }
  };
  walk(dir);
  return files;
}
