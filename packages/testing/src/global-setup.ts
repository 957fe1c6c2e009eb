import { acquireShared } from './shared-lane.js';
import type { TestProject } from 'vitest/node';
import { serverChecksPasswords } from './password-check.js';
import { PG_MAJOR_ENV, resolvePostgresMajor, type PostgresMajor } from './postgres-major.js';
import { startTestServer, type TestServer } from './test-server.js';
import type {} from './vitest-context.js';

/**
 * The part of vitest's `TestProject` that {@link setup} reads. `config.env` is
 * the project's `test.env`; the rest tells the root project apart.
 */
export type GlobalSetupProject = Pick<TestProject, 'provide'> & {
  /** The project's name: each project gets a server of its own (see {@link setup}). */
  readonly name?: string;
  readonly config?: { readonly env?: Readonly<Record<string, string | undefined>> };
  isRootProject?(): boolean;
  readonly vitest?: { readonly projects: readonly unknown[] };
};

/**
 * vitest `globalSetup` module: gives every vitest project the PostgreSQL server
 * of the major it asks for (its `test.env.TENANTRY_PG_MAJOR`, else the
 * process's, else 18), provides the server's URL and version to its test files,
 * and stops the server after the last project that uses it.
 *
 * One server per project per run (projects run side by side, and roles are
 * cluster-wide); projects without a name that ask for the same major share one. With
 * `TEST_DATABASE_URL` set, every project uses that one server, which is never
 * stopped. A root project that runs no tests of its own (vitest still calls
 * its globalSetup when `projects` are defined) starts nothing.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({
 *   test: {
 *     globalSetup: ['@tenantry/testing/global-setup'],
 *     projects: [
 *       { extends: true, test: { name: 'pg14', env: { TENANTRY_PG_MAJOR: '14' } } },
 *       { extends: true, test: { name: 'pg18', env: { TENANTRY_PG_MAJOR: '18' } } },
 *     ],
 *   },
 * });
 * // some.test.ts
 * import { inject } from 'vitest';
 * const adminUrl = inject('tenantryAdminUrl');
 * ```
 */
export default async function setup(project: GlobalSetupProject): Promise<() => Promise<void>> {
  if (project.isRootProject?.() && project.vitest && !project.vitest.projects.includes(project)) {
    return async () => undefined;
  }
  const major = resolvePostgresMajor(undefined, { [PG_MAJOR_ENV]: project.config?.env?.[PG_MAJOR_ENV] ?? process.env[PG_MAJOR_ENV] });
  // Vitest runs projects side by side: two projects on one server would see each
  // other's cluster-wide roles in their catalog checks. So a server per project.
  const { shared, release } = await acquireServer(major, project.name);
  project.provide('tenantryAdminUrl', shared.server.adminUrl);
  project.provide('tenantryServerVersion', shared.server.serverVersionNum);
  project.provide('tenantryPasswordsChecked', shared.passwordsChecked);
  return release;
}

interface SharedServer {
  readonly server: TestServer;
  readonly passwordsChecked: boolean;
}

/**
 * Returns the run's server for `major`, starting it for the first user, and the
 * function that gives it back; the last one back stops it. Exported for tests.
 */
export async function acquireServer(major: PostgresMajor, project = ''): Promise<{ shared: SharedServer; release: () => Promise<void> }> {
  const key = process.env['TEST_DATABASE_URL']?.trim() ? 'external' : `pg${major}:${project}`;
  const { value, release } = await acquireShared(`@tenantry/testing/global-setup/${key}`, () => startShared(major), (shared) => shared.server.stop());
  return { shared: value, release };
}

async function startShared(major: PostgresMajor): Promise<SharedServer> {
  const server = await startTestServer({ major });
  try {
    return { server, passwordsChecked: await serverChecksPasswords(server.adminUrl) };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
