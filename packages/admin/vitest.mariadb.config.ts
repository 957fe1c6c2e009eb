import { defineConfig } from 'vitest/config';

/**
 * The MariaDB/MySQL lane: `*.mariadb.test.ts` against the server that
 * `@tenantry/testing/mariadb-global-setup` finds (TEST_MYSQL_URL, the
 * machine's 127.0.0.1:3306, or a spawned mariadbd), once per admin lane.
 * Run: `npx vitest run -c vitest.mariadb.config.ts`.
 */
const lanes = (process.env['TENANTRY_ADMIN_LANES'] ?? 'superuser,least-privilege').split(',').map((lane) => lane.trim());

export default defineConfig({
  test: {
    include: ['src/**/*.mariadb.test.ts'],
    globalSetup: ['@tenantry/testing/mariadb-global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Accounts are server-wide: files side by side would see each other's in snapshots.
    fileParallelism: false,
    projects: lanes.map((lane) => ({
      extends: true,
      test: { name: `mariadb-${lane}`, env: { TENANTRY_ADMIN_LANE: lane } },
    })),
  },
});
