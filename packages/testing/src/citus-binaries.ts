import { execFile } from 'node:child_process';
import { access, constants, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** A PostgreSQL installation with the Citus extension installed in it. */
export interface CitusBinaries {
  /** The PostgreSQL major of the installation, e.g. `15`. */
  readonly postgresMajor: number;
  /** Directory of `postgres`, `initdb` and `pg_ctl`. */
  readonly binDir: string;
  readonly postgres: string;
  readonly initdb: string;
  readonly pgCtl: string;
  /** Where `citus.so` is (`pg_config --pkglibdir`). */
  readonly pkglibdir: string;
  /** Where `extension/citus.control` is (`pg_config --sharedir`). */
  readonly sharedir: string;
  /** `default_version` of `citus.control`, e.g. `13.2-1`: what `CREATE EXTENSION citus` installs. */
  readonly citusVersion: string;
}

/** Environment variable naming the `bin` directory of a PostgreSQL with Citus, for installs outside /usr/lib/postgresql. */
export const CITUS_PG_BIN_ENV = 'TENANTRY_CITUS_PG_BIN';

/** Debian's layout: one directory per major under each. */
const DEBIAN_LIB_ROOT = '/usr/lib/postgresql';
const DEBIAN_SHARE_ROOT = '/usr/share/postgresql';

/**
 * Finds a PostgreSQL installation where Citus is installed (`<pkglibdir>/citus.so`
 * and `<sharedir>/extension/citus.control`). With `TENANTRY_CITUS_PG_BIN` set,
 * only that `bin` directory, whose `pg_config` names the other two; else
 * Debian's `/usr/lib/postgresql/<major>` and `/usr/share/postgresql/<major>`,
 * newest major first.
 *
 * @returns `{ found }`, or `{ missing }` saying where it looked and what was missing.
 */
export async function findCitusBinaries(env: NodeJS.ProcessEnv = process.env): Promise<{ found: CitusBinaries } | { missing: string }> {
  const explicit = env[CITUS_PG_BIN_ENV]?.trim();
  if (explicit) {
    const result = await inspectBinDir(explicit);
    return typeof result === 'string' ? { missing: `${CITUS_PG_BIN_ENV}=${explicit}: ${result}` } : { found: result };
  }
  const majors = await debianMajors();
  if (majors.length === 0) return { missing: `no PostgreSQL installation under ${DEBIAN_LIB_ROOT} (set ${CITUS_PG_BIN_ENV} to the bin directory of one with Citus)` };
  const problems: string[] = [];
  for (const major of majors) {
    const result = await inspectInstallation(join(DEBIAN_LIB_ROOT, String(major), 'bin'), major, join(DEBIAN_LIB_ROOT, String(major), 'lib'), join(DEBIAN_SHARE_ROOT, String(major)));
    if (typeof result !== 'string') return { found: result };
    problems.push(`PostgreSQL ${major}: ${result}`);
  }
  return { missing: problems.join('; ') };
}

/** The numeric directory names under /usr/lib/postgresql, highest first. */
async function debianMajors(): Promise<number[]> {
  let names: string[];
  try {
    names = await readdir(DEBIAN_LIB_ROOT);
  } catch {
    return [];
  }
  return names
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .sort((a, b) => b - a);
}

/** A bin directory of any layout: its `pg_config` says the major and where libraries and shared files are. */
async function inspectBinDir(binDir: string): Promise<CitusBinaries | string> {
  const pgConfig = join(binDir, 'pg_config');
  if (!(await isExecutable(pgConfig))) return `no executable pg_config in ${binDir}`;
  let lines: string[];
  try {
    lines = (await execFileAsync(pgConfig, ['--version', '--pkglibdir', '--sharedir'])).stdout.trim().split('\n');
  } catch (error) {
    return `${pgConfig} failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  const major = /PostgreSQL (\d+)/.exec(lines[0] ?? '')?.[1];
  if (major === undefined || lines.length < 3) return `unexpected output from ${pgConfig}: ${lines.join(' | ')}`;
  return inspectInstallation(binDir, Number(major), lines[1]!, lines[2]!);
}

async function inspectInstallation(binDir: string, postgresMajor: number, pkglibdir: string, sharedir: string): Promise<CitusBinaries | string> {
  const postgres = join(binDir, 'postgres');
  const initdb = join(binDir, 'initdb');
  const pgCtl = join(binDir, 'pg_ctl');
  for (const binary of [postgres, initdb, pgCtl]) {
    if (!(await isExecutable(binary))) return `no executable ${binary}`;
  }
  const library = join(pkglibdir, 'citus.so');
  if (!(await isReadable(library))) return `Citus is not installed (no ${library})`;
  const control = join(sharedir, 'extension', 'citus.control');
  let controlText: string;
  try {
    controlText = await readFile(control, 'utf8');
  } catch {
    return `${library} exists but ${control} does not`;
  }
  const citusVersion = /^\s*default_version\s*=\s*'([^']+)'/m.exec(controlText)?.[1];
  if (citusVersion === undefined) return `${control} names no default_version`;
  return { postgresMajor, binDir, postgres, initdb, pgCtl, pkglibdir, sharedir, citusVersion };
}

function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

function isReadable(path: string): Promise<boolean> {
  return access(path, constants.R_OK).then(
    () => true,
    () => false,
  );
}
