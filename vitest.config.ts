import { defineConfig } from 'vitest/config';

// Three projects so each layer can be run alone (`npm run test:unit` …); `npm test` runs all.
export default defineConfig({
  test: {
    // The JSON report feeds the closing line of .ci/run.
    reporters: ['default', ['json', { outputFile: 'test-results/vitest.json' }]],
    projects: [
      { test: { name: 'unit', include: ['tests/unit/**/*.test.ts'], testTimeout: 20_000 } },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          // After unit and integration (which load both cores with simulators and kill -9 trials):
          // the browser tests then run on a quiet machine.
          sequence: { groupOrder: 1 },
          testTimeout: 60_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
