import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    globalSetup: ['@tenantry/testing/global-setup'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Roles are cluster-wide: files running side by side would see each other's roles in catalog snapshots.
    fileParallelism: false,
  },
});
