import type { GlobalSetupProject } from './global-setup.js';
import { acquireShared, laneRequired } from './shared-lane.js';
import { describeUnavailableCitusLane, startCitusLane, type CitusLane } from './citus-lane.js';
import type {} from './citus-vitest-context.js';

/** Environment variable: `1` makes a Citus lane that cannot run fail the run; `0` only prints. Default: `1` when `CI=true`. */
export const CITUS_REQUIRED_ENV = 'TENANTRY_CITUS_REQUIRED';

/**
 * vitest `globalSetup` module for the Citus lane: starts one Citus cluster
 * (a coordinator and two workers, {@link startCitusLane}) per run, provides
 * `tenantryCitusUrl`, `tenantryCitusWorkerUrls` and `tenantryCitusUnavailable`,
 * and stops the cluster after the last project.
 *
 * Where Citus is not installed it prints on stderr that the lane did not run
 * and why, and provides the reason in `tenantryCitusUnavailable`; with
 * `TENANTRY_CITUS_REQUIRED=1` (the default under `CI=true`) it throws
 * instead, failing the run.
 *
 * @example
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { globalSetup: ['@tenantry/testing/citus-global-setup'] } });
 * // some.test.ts
 * import { inject } from 'vitest';
 * const coordinatorUrl = inject('tenantryCitusUrl');
 * const workerUrls: string[] = JSON.parse(inject('tenantryCitusWorkerUrls'));
 * ```
 */
export default async function setup(project: GlobalSetupProject): Promise<() => Promise<void>> {
  if (project.isRootProject?.() && project.vitest && !project.vitest.projects.includes(project)) {
    return async () => undefined;
  }
  const { lane, release } = await acquireCitusLane();
  if (!lane.available) {
    const message = describeUnavailableCitusLane(lane);
    if (citusLaneRequired()) {
      await release();
      throw new Error(`${message}\n!!! ${CITUS_REQUIRED_ENV}=1 (the default under CI=true): failing the run.`);
    }
    process.stderr.write(`\n${message}\n\n`);
  }
  project.provide('tenantryCitusUrl', lane.available ? lane.cluster.coordinatorUrl : '');
  project.provide('tenantryCitusWorkerUrls', JSON.stringify(lane.available ? lane.cluster.workers.map((worker) => worker.url) : []));
  project.provide('tenantryCitusUnavailable', lane.available ? '' : lane.reason);
  return release;
}

/** Whether a Citus lane that cannot run fails the run: `TENANTRY_CITUS_REQUIRED`, else `CI=true`. */
export function citusLaneRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return laneRequired(CITUS_REQUIRED_ENV, env);
}

/**
 * Returns the run's lane, starting it for the first user, and the function
 * that gives it back: the last one back stops the cluster. Exported for tests.
 */
export async function acquireCitusLane(): Promise<{ lane: CitusLane; release: () => Promise<void> }> {
  const { value: lane, release } = await acquireShared('@tenantry/testing/citus-global-setup/lane', () => startCitusLane(), async (started) => {
    if (started.available) await started.cluster.stop();
  });
  return { lane, release };
}
