import type { TestProject } from 'vitest/node';
import { serverChecksPasswords } from './password-check.js';
import { startTestServer } from './test-server.js';
import type {} from './vitest-context.js';

/**
 * vitest `globalSetup` module: starts one PostgreSQL server per test run
 * (embedded, or `TEST_DATABASE_URL`), provides its URL and version to the test
 * files, and stops it when the run ends.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['@tenantry/testing/global-setup'] } });
 * // some.test.ts
 * import { inject } from 'vitest';
 * const adminUrl = inject('tenantryAdminUrl');
 * ```
 */
export default async function setup({ provide }: Pick<TestProject, 'provide'>): Promise<() => Promise<void>> {
  const server = await startTestServer();
  provide('tenantryAdminUrl', server.adminUrl);
  provide('tenantryServerVersion', server.serverVersionNum);
  provide('tenantryPasswordsChecked', await serverChecksPasswords(server.adminUrl));
  return () => server.stop();
}
