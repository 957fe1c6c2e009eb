import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * A run with vitest projects, as packages/admin defines them: two lanes per
 * major. global-setup.test.ts runs it in a child vitest and reads the report.
 */
export default defineConfig({
  // Not node_modules/.vite next to this file: that would litter the source tree.
  ...(process.env['FIXTURE_CACHE_DIR'] ? { cacheDir: process.env['FIXTURE_CACHE_DIR'] } : {}),
  test: {
    include: ['*.fixture.ts'],
    globalSetup: [fileURLToPath(new URL('../../global-setup.ts', import.meta.url))],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: 'pg14-superuser', env: { TENANTRY_PG_MAJOR: '14', TENANTRY_ADMIN_LANE: 'superuser' } } },
      { extends: true, test: { name: 'pg14-least-privilege', env: { TENANTRY_PG_MAJOR: '14', TENANTRY_ADMIN_LANE: 'least-privilege' } } },
      { extends: true, test: { name: 'pg15-superuser', env: { TENANTRY_PG_MAJOR: '15', TENANTRY_ADMIN_LANE: 'superuser' } } },
    ],
  },
});
