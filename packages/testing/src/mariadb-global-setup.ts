import type { GlobalSetupProject } from './global-setup.js';
import { acquireShared, laneRequired } from './shared-lane.js';
import { dropMariadbObjectsWithPrefix } from './mariadb-cleanup.js';
import { newMariadbRunPrefix } from './mariadb-scratch.js';
import { describeUnavailableMariadbLane, startMariadbTestServer, type MariadbLane } from './mariadb-test-server.js';
import type {} from './mariadb-vitest-context.js';

/** Environment variable: `1` makes a lane that cannot run fail the run; `0` only prints. Default: `1` when `CI=true`. */
export const MARIADB_REQUIRED_ENV = 'TENANTRY_MARIADB_REQUIRED';

/**
 * vitest `globalSetup` module for the MariaDB/MySQL lane: finds the server
 * once per run ({@link startMariadbTestServer}: `TEST_MYSQL_URL`, the machine's
 * 127.0.0.1:3306, or a spawned `mariadbd`), provides `tenantryMysqlUrl`,
 * `tenantryMysqlVersion`, `tenantryMysqlUnavailable` and
 * `tenantryMysqlRunPrefix`, and after the last project drops every account and
 * database under the run prefix and stops a spawned server.
 *
 * Where no server can be had it prints a loud message on stderr and provides
 * `tenantryMysqlUnavailable`; with `TENANTRY_MARIADB_REQUIRED=1` (the default
 * under `CI=true`) it throws instead, failing the run.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['@tenantry/testing/mariadb-global-setup'] } });
 * // some.test.ts
 * import { inject } from 'vitest';
 * const rootUrl = inject('tenantryMysqlUrl');
 * ```
 */
export default async function setup(project: GlobalSetupProject): Promise<() => Promise<void>> {
  if (project.isRootProject?.() && project.vitest && !project.vitest.projects.includes(project)) {
    return async () => undefined;
  }
  const { lane, runPrefix, release } = await acquireMariadbLane();
  if (!lane.available) {
    const message = describeUnavailableMariadbLane(lane);
    if (mariadbLaneRequired()) {
      await release();
      throw new Error(`${message}\n!!! ${MARIADB_REQUIRED_ENV}=1 (the default under CI=true): failing the run.`);
    }
    process.stderr.write(`\n${message}\n\n`);
  }
  project.provide('tenantryMysqlUrl', lane.available ? lane.server.adminUrl : '');
  project.provide('tenantryMysqlVersion', lane.available ? lane.server.version : '');
  project.provide('tenantryMysqlUnavailable', lane.available ? '' : lane.reason);
  project.provide('tenantryMysqlRunPrefix', runPrefix);
  return release;
}

/** Whether a lane that cannot run fails the run: `TENANTRY_MARIADB_REQUIRED`, else `CI=true`. */
export function mariadbLaneRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return laneRequired(MARIADB_REQUIRED_ENV, env);
}

/**
 * Returns the run's lane, finding it for the first user, and the function
 * that gives it back: the last one back drops the run's leftovers and stops a
 * spawned server. Exported for tests.
 */
export async function acquireMariadbLane(): Promise<{ lane: MariadbLane; runPrefix: string; release: () => Promise<void> }> {
  const start = async () => ({ lane: await startMariadbTestServer(), runPrefix: newMariadbRunPrefix() });
  const { value, release } = await acquireShared('@tenantry/testing/mariadb-global-setup/lane', start, async ({ lane, runPrefix }) => {
    if (!lane.available) return;
    try {
      await dropMariadbObjectsWithPrefix(lane.server.adminUrl, runPrefix);
    } finally {
      await lane.server.stop();
    }
  });
  return { ...value, release };
}
