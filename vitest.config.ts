import { defineConfig } from 'vitest/config';

// Four projects: unit (pure code, fast), integration (real gateway on free ports, real sockets),
// e2e (playwright-core driving Debian Chromium), cluster (gateway processes on a real redis-server).
// `npm test` runs all four.
export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    // scripts/run-tests.ts runs the cluster project on its own, into its own report.
    reporters: ['default', ['json', { outputFile: process.env.VITEST_JSON ?? 'test-results/vitest.json' }]],
    projects: [
      // Property tests run thousands of cases: generous timeouts so a loaded CI machine is not a failure.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 60_000 } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      // Several gateway processes, a redis-server, hundreds of clients and kill -9: run alone, after the
      // others (scripts/run-tests.ts), so neither they nor the browser tests compete for the 2 cores.
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.test.ts'],
          environment: 'node',
          testTimeout: 180_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
