import { defineConfig } from 'vitest/config';

/**
 * The CLI suite runs the built binary (dist/bin.js, built by the test script)
 * against one real server: PostgreSQL 18, as superuser. The admin suite covers
 * every major and admin lane; this one proves the command line on top of it.
 * Each test file works in a scratch database of its own, so files run side
 * by side.
 */
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['@tenantry/testing/global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: {
          name: process.env['TEST_DATABASE_URL'] ? 'external-superuser' : 'pg18-superuser',
          env: { TENANTRY_PG_MAJOR: '18', TENANTRY_ADMIN_LANE: 'superuser' },
        },
      },
    ],
  },
});
