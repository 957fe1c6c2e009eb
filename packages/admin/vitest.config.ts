import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The suite runs once per PostgreSQL major and per admin lane: as superuser,
 * and as a least-privilege admin (CREATEROLE, owner of the database) as managed
 * clouds give. TENANTRY_PG_MAJORS narrows the majors (e.g. "18" while
 * developing); with TEST_DATABASE_URL there is one server, so one major.
 */
const majors = process.env['TEST_DATABASE_URL']
  ? [undefined]
  : (process.env['TENANTRY_PG_MAJORS'] ?? '14,15,16,17,18').split(',').map((major) => major.trim());
const lanes = (process.env['TENANTRY_ADMIN_LANES'] ?? 'superuser,least-privilege').split(',').map((lane) => lane.trim());

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The MariaDB and Citus lanes have their own configs (vitest.mariadb.config.ts, vitest.citus.config.ts).
    exclude: [...configDefaults.exclude, 'src/**/*.mariadb.test.ts', 'src/**/*.citus.test.ts'],
    globalSetup: ['@tenantry/testing/global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Roles are cluster-wide: files running side by side would see each other's roles in catalog snapshots.
    fileParallelism: false,
    projects: majors.flatMap((major) =>
      lanes.map((lane) => ({
        extends: true,
        test: {
          name: `${major ? `pg${major}` : 'external'}-${lane}`,
          env: { ...(major ? { TENANTRY_PG_MAJOR: major } : {}), TENANTRY_ADMIN_LANE: lane },
        },
      })),
    ),
  },
});
