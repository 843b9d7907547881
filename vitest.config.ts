import { defineConfig } from 'vitest/config';

// Three projects: unit (pure code, fast), integration (real gateway on free ports, real sockets),
// e2e (playwright-core driving Debian Chromium). `npm test` runs all three.
export default defineConfig({
  test: {
    setupFiles: ['test/setup.ts'],
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
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
