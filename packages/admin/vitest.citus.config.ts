import { defineConfig } from 'vitest/config';

/**
 * The Citus lane: `*.citus.test.ts` against the coordinator and two workers
 * that `@tenantry/testing/citus-global-setup` starts where the Citus extension
 * is installed for an available PostgreSQL (workers trust the coordinator by
 * its certificate; clients use scram), once per admin lane. Where it is not
 * installed the lane says so plainly; under CI=true that fails the run.
 * Run: `npx vitest run -c vitest.citus.config.ts`.
 */
const lanes = (process.env['TENANTRY_ADMIN_LANES'] ?? 'superuser,least-privilege').split(',').map((lane) => lane.trim());

export default defineConfig({
  test: {
    include: ['src/**/*.citus.test.ts'],
    globalSetup: ['@tenantry/testing/citus-global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One cluster for the run: roles and schemas are cluster-wide.
    fileParallelism: false,
    projects: lanes.map((lane) => ({
      extends: true,
      test: { name: `citus-${lane}`, env: { TENANTRY_ADMIN_LANE: lane } },
    })),
  },
});
