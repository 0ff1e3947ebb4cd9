import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    // Vitest runs one file at a time on a 2-CPU machine by default (CPUs - 1). Most files wait
    // on Redis, Postgres or workerd rather than the CPU, so three at once roughly halves the
    // suite; more starts to starve the timing-sensitive flow-control and lease tests.
    maxWorkers: 3,
    minWorkers: 1,
    hookTimeout: 60_000,
    // test/worker builds the Worker with wrangler once, in its beforeAll.
    reporters: ['default'],
  },
});
