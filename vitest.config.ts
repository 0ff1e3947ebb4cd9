import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Worker tests build the bundle once; see test/worker/setup.ts.
    reporters: ['default'],
  },
});
