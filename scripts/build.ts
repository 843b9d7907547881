// Builds every browser bundle the gateway serves: the visitor shell, the overlay injected into
// proxied pages, the site-owner embed snippet (esbuild), and the agent console (Vite + Svelte 5).
// Everything is self-hosted: no CDN at run time.
import { build as esbuild } from 'esbuild';
import { build as viteBuild } from 'vite';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';

const root = fileURLToPath(new URL('..', import.meta.url));
const only = process.argv[2]; // optional: shell | agent

async function buildShell() {
  const entries: Record<string, string> = {};
  for (const name of ['shell', 'overlay', 'embed']) {
    const file = `${root}visitor-shell/src/${name}.ts`;
    if (existsSync(file)) entries[name] = file;
  }
  const css = `${root}visitor-shell/src/shell.css`;
  if (existsSync(css)) entries['shell-style'] = css;
  await esbuild({
    entryPoints: entries,
    outdir: `${root}dist/visitor-shell`,
    bundle: true,
    minify: true,
    sourcemap: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    logLevel: 'warning',
  });
}

async function buildAgent() {
  if (!existsSync(`${root}agent-ui/vite.config.ts`)) return;
  await viteBuild({ root: `${root}agent-ui`, configFile: `${root}agent-ui/vite.config.ts`, logLevel: 'warn' });
}

const t0 = performance.now();
if (!only || only === 'shell') await buildShell();
if (!only || only === 'agent') await buildAgent();
console.log(`build: done in ${Math.round(performance.now() - t0)} ms`);
