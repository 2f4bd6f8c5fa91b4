import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Two cores here and in CI: more workers only make Redis- and socket-bound tests flakier.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // expect.poll waits for what real processes (workers, the simulator, the fake Bot API) make
    // true; the deadline only turns a hang into a readable failure, it is not a timing assertion.
    expect: { poll: { timeout: 15_000, interval: 25 } },
    // The JSON report is what .ci/run reads for its `N passed, M failed` line.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});
