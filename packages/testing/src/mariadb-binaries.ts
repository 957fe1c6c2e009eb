import { access, constants } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';

/** An installed MariaDB server: the daemon and the script that makes a data directory. */
export interface MariadbBinaries {
  /** Absolute path of `mariadbd`. */
  readonly mariadbd: string;
  /** Absolute path of `mariadb-install-db`. */
  readonly installDb: string;
}

/** Environment variable naming the `mariadbd` binary to spawn, for installs outside the usual places. */
export const MARIADBD_ENV = 'TENANTRY_MARIADBD';

const DAEMON_DIRS = ['/usr/sbin', '/usr/local/sbin', '/usr/local/mysql/bin', '/usr/local/bin', '/usr/bin'];

/**
 * Finds `mariadbd` (`TENANTRY_MARIADBD`, else the usual install directories,
 * else `PATH`) and the `mariadb-install-db` that belongs to it (beside it, in
 * `../bin` or `../scripts`, else on `PATH`).
 *
 * @returns `{ found }`, or `{ missing }` saying what is missing and where it looked.
 */
export async function findMariadbBinaries(env: NodeJS.ProcessEnv = process.env): Promise<{ found: MariadbBinaries } | { missing: string }> {
  const pathDirs = (env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  const explicit = env[MARIADBD_ENV]?.trim();
  const daemonCandidates = explicit ? [explicit] : [...DAEMON_DIRS, ...pathDirs].map((dir) => join(dir, 'mariadbd'));
  const mariadbd = await firstExecutable(daemonCandidates);
  if (mariadbd === undefined) {
    return { missing: explicit ? `${MARIADBD_ENV}=${explicit} is not an executable file` : `no mariadbd in ${[...new Set(daemonCandidates.map(dirname))].join(', ')}` };
  }
  const home = dirname(mariadbd);
  const installCandidates = [home, join(home, '..', 'bin'), join(home, '..', 'scripts'), '/usr/bin', ...pathDirs].map((dir) => join(dir, 'mariadb-install-db'));
  const installDb = await firstExecutable(installCandidates);
  if (installDb === undefined) return { missing: `${mariadbd} is installed but no mariadb-install-db was found beside it or on PATH` };
  return { found: { mariadbd, installDb } };
}

async function firstExecutable(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
