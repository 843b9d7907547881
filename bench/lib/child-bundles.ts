// --quick only: the harness's own child processes (load clients, peers, fixtures) start from esbuild
// bundles with plain `node` instead of `node --import tsx`. tsx's loader costs each of them about
// 0.4 s of CPU to start (0.7 s against 0.3 s bundled), and a quick run starts some 25 of them beside
// 9 gateways on 2 cores, so it was most of the run's CPU. The code they run is the same. The gateway
// always starts the way an operator starts it (`node --import tsx gateway/main.ts`), and the full run
// forks every child through tsx as before (a peer's RSS there includes tsx's loader thread).
import { build } from 'esbuild';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * The children that are bundled (paths under bench/). Not scenarios/injector-process.ts: it loads
 * bench/injector/injector.bench.ts, which runs its command line when it is the entry file, and a
 * bundle would be.
 */
const BUNDLED = [
  'clients/visitor-client.ts',
  'clients/agent-client.ts',
  'clients/pair-client.ts',
  'clients/http-load.ts',
  'peers/ws-relay.ts',
  'peers/uws-relay.ts',
  'peers/http-proxy-server.ts',
  'fixtures/origin-server.ts',
  'scenarios/rewrite-alone.ts',
  'apps/server.ts',
];

export interface ChildBundles {
  /** The bundle of bench/<rel>, or null to fork it through tsx. */
  fileFor(rel: string): string | null;
}

/** Bundles the children into a temporary directory (removed at exit); about 0.2 s. */
export async function bundleChildren(): Promise<ChildBundles> {
  // Inside the repository, so the bundles' package imports resolve to its node_modules.
  mkdirSync(join(BENCH_DIR, '..', '.tmp'), { recursive: true });
  const dir = mkdtempSync(join(BENCH_DIR, '..', '.tmp', 'bench-children-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  await build({
    entryPoints: Object.fromEntries(BUNDLED.map((rel) => [rel.replace(/\.ts$/, ''), join(BENCH_DIR, rel)])),
    outdir: dir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  return { fileFor: (rel) => (BUNDLED.includes(rel) ? join(dir, rel.replace(/\.ts$/, '.mjs')) : null) };
}
