// Read by @sveltejs/vite-plugin-svelte. Runes mode everywhere (Svelte 5).
export default {
  compilerOptions: { runes: true },
};
