import { CITUS_PG_BIN_ENV, findCitusBinaries } from './citus-binaries.js';
import { startCitusCluster, type CitusCluster, type CitusClusterOptions } from './citus-cluster.js';

/** What {@link startCitusLane} found: a running cluster, or why the Citus lane cannot run here. */
export type CitusLane =
  | { readonly available: true; readonly cluster: CitusCluster }
  | { readonly available: false; readonly reason: string };

/**
 * Starts the Citus lane's cluster where a PostgreSQL with Citus is installed
 * ({@link findCitusBinaries}); where none is, returns `{ available: false, reason }`
 * instead of throwing: the caller must say so loudly
 * ({@link describeUnavailableCitusLane}), never skip in silence. An
 * installation that is there but fails to start a cluster throws.
 */
export async function startCitusLane(
  env: NodeJS.ProcessEnv = process.env,
  options: Omit<CitusClusterOptions, 'binaries'> = {},
): Promise<CitusLane> {
  const binaries = await findCitusBinaries(env);
  if ('missing' in binaries) return { available: false, reason: binaries.missing };
  return { available: true, cluster: await startCitusCluster({ ...options, binaries: binaries.found }) };
}

/** The loud message for a lane that cannot run: why, and how to make it run. Print it, or throw it where the lane is required. */
export function describeUnavailableCitusLane(lane: { readonly reason: string }): string {
  return [
    '!!! The Citus lane DID NOT RUN on this machine.',
    `!!! ${lane.reason}`,
    `!!! Fix: install Citus for a PostgreSQL under /usr/lib/postgresql/<major> (citus.so in its lib, extension/citus.control under /usr/share/postgresql/<major>), or set ${CITUS_PG_BIN_ENV} to the bin directory of a PostgreSQL with Citus.`,
  ].join('\n');
}
