/**
 * Builds the page Tauri embeds (`dist/`), or with `--mode harness` the same app behind an in-memory
 * fake backend (`dist-test/`) for the browser tests. The harness has its own root so nothing of it
 * can end up in `dist/`.
 */
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => resolve(fileURLToPath(new URL('.', import.meta.url)), path);

export default defineConfig(({ mode }) => {
  const harness = mode === 'harness';
  return {
    root: harness ? here('./test-harness') : here('.'),
    plugins: [svelte()],
    clearScreen: false,
    // Tauri serves the page from its own origin; relative asset URLs work there and in the harness.
    base: './',
    build: {
      outDir: harness ? here('./dist-test') : here('./dist'),
      emptyOutDir: true,
      // One small app: a single chunk loads fastest from the local custom protocol.
      chunkSizeWarningLimit: 400,
    },
  };
});
