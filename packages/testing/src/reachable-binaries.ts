import { chmod, cp, lstat, mkdir, mkdtemp, realpath, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { binariesIn, type PostgresBinaries } from './postgres-binaries.js';
import { canRunPostgresAs, type PostgresOsUser } from './postgres-os-user.js';

/** Where copies of the binaries are kept, one directory per platform package version. */
export function binariesCacheRoot(): string {
  return join(tmpdir(), 'tenantry-postgres');
}

/**
 * `binaries` in a place `user` can reach: a copy of their `native` directory
 * under {@link binariesCacheRoot} (mode 0755, owned by the current user),
 * named after the platform package and its version and reused by later runs.
 *
 * For a checkout the `postgres` OS user cannot reach (under `/root`, mode
 * 0700): PostgreSQL refuses to run as root, so as root the harness runs it as
 * that user, who must be able to execute the binaries. The copy (60 MB, about
 * a second) is made in a fresh temporary directory and renamed into place, so
 * concurrent runs never see half a copy: the first rename wins, the others
 * drop theirs. A directory found there is used only if it is the current
 * user's and no one else can write to it: root must not run binaries others
 * could have put in the shared tmp dir.
 *
 * @param root defaults to {@link binariesCacheRoot}.
 * @throws {Error} if the cache directory is not trustworthy, or the copy still
 * cannot be run by `user`.
 */
export async function reachableCopyOf(binaries: PostgresBinaries, user: PostgresOsUser, root = binariesCacheRoot()): Promise<PostgresBinaries> {
  await mkdir(root, { recursive: true, mode: 0o755 });
  await assertOwnDirectory(root);
  // Under the umask, mkdir may have left it 0700: the postgres user must traverse it.
  await chmod(root, 0o755);
  const target = join(root, `${basename(binaries.packageName)}-${binaries.packageVersion}`);
  if (!(await exists(target))) {
    const staging = await mkdtemp(join(root, '.copying-'));
    try {
      // realpath: nativeDir may be a link; the links inside (libpq.so.5 -> libpq.so.5.18) are relative and kept as they are.
      await cp(await realpath(binaries.nativeDir), join(staging, 'native'), { recursive: true, verbatimSymlinks: true });
      await chmod(staging, 0o755);
      await rename(staging, target);
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      // ENOTEMPTY/EEXIST: another run renamed its copy into place first; use that one.
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    }
  }
  await assertOwnDirectory(target);
  const copy = binariesIn(binaries, join(target, 'native'));
  if (!(await canRunPostgresAs(user, copy.postgres))) {
    throw new Error(
      `The "${user.name}" OS user cannot run ${copy.postgres} either (a copy of ${binaries.packageName}@${binaries.packageVersion}). ` +
        `Check that ${root} and the directories above it are searchable by others, or remove ${target} to have it copied again.`,
    );
  }
  return copy;
}

/** Throws unless `dir` is a real directory (not a link) of the current user that no one else can write to. */
async function assertOwnDirectory(dir: string): Promise<void> {
  const info = await lstat(dir);
  const uid = process.getuid?.();
  const problem = !info.isDirectory()
    ? 'it is not a directory (a symlink is refused)'
    : uid !== undefined && info.uid !== uid
      ? `it belongs to uid ${info.uid}, not to uid ${uid}`
      : (info.mode & 0o022) !== 0
        ? `others can write to it (mode ${(info.mode & 0o777).toString(8).padStart(4, '0')})`
        : undefined;
  if (problem !== undefined) {
    throw new Error(`Refusing to run PostgreSQL binaries from ${dir}: ${problem}. Remove it (it only holds copies of the embedded PostgreSQL binaries) and run again.`);
  }
}

function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}
