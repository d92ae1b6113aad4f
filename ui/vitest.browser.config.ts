/**
 * Browser tests: node-side tests that serve the built harness (`dist-test/`) and drive it in headless
 * Debian Chromium through playwright-core. Run by `npm run test:browser`, which builds the harness first.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['tests/browser/**/*.test.ts'],
    // Two cores: one Chromium at a time keeps timings honest.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
