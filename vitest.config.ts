import { defineConfig } from 'vitest/config';

/**
 * The engine matrix: these files run once more on each engine built by
 * scripts/build-engines.sh (test/support/engine.ts reads RCK_TEST_ENGINE): create,
 * check/fix, a reshard under load, reshard crash-safety, the controller's heals, scale,
 * the seed's failover, the local lifecycle, a few chaos seeds and the pods' scripts. Everything runs on the
 * OS's Redis 7.0.
 */
const MATRIX = [
  'test/integration/create.test.ts',
  'test/integration/check-fix.test.ts',
  'test/integration/reshard-consistency.test.ts',
  'test/integration/reshard-crash.test.ts',
  'test/integration/controller-heal.test.ts',
  'test/e2e/local-scale-masters.test.ts',
  'test/e2e/local-failover.test.ts',
  'test/e2e/local-lifecycle.test.ts',
  'test/e2e/chaos.test.ts',
  'test/integration/pod-scripts.test.ts',
];
const ENGINES = ['redis-7.2.6', 'valkey-8.0.1'];

export default defineConfig({
  test: {
    // Integration tests start real redis-server processes; files run in parallel
    // (each allocates its own free ports), tests inside a file run in order.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'redis-7.0', include: ['test/**/*.test.ts'] } },
      ...ENGINES.map((engine) => ({ extends: true as const, test: { name: engine, include: MATRIX, env: { RCK_TEST_ENGINE: engine } } })),
    ],
  },
});
