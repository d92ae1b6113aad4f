// Read by vite-plugin-svelte and svelte-check alike, so both compile components the same way.
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

export default {
  preprocess: vitePreprocess(),
  compilerOptions: { runes: true },
};
