// Agent console build: Svelte 5 (runes) bundled by Vite, served by the gateway under /agent/.
// `npm run build -- agent` (scripts/build.ts) runs this config; `npx vite` in agent-ui/ serves it
// in dev mode with /api and /ws proxied to a gateway on GATEWAY_URL (default http://127.0.0.1:8080).
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const gateway = process.env.GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root,
  base: '/agent/',
  plugins: [svelte()], // options in svelte.config.js
  build: {
    outDir: '../dist/agent-ui',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // The console is one small app: a single JS and CSS file is fine.
    chunkSizeWarningLimit: 300,
  },
  server: {
    // The console imports the shared client and protocol from outside its root.
    fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] },
    proxy: {
      '/api': { target: gateway, changeOrigin: false },
      '/ws': { target: gateway.replace(/^http/, 'ws'), ws: true, changeOrigin: false },
    },
  },
});
