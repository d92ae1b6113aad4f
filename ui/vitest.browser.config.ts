/**
 * Browser tests: node-side tests that serve the built harness (`dist-test/`) and drive it in headless
 * Debian Chromium through playwright-core. Run by `npm run test:browser`, which builds the harness first.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['tests/browser/**/*.test.ts'],
    // One Chromium at a time on two cores.
    fileParallelism: false,
    // Every wait is for a state; these are only caps so a broken test fails instead of hanging, set
    // far above anything a loaded machine needs.
    testTimeout: 300_000,
    hookTimeout: 120_000,
    expect: { poll: { timeout: 120_000, interval: 50 } },
  },
});
