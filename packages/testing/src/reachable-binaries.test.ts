import { chmod, chown, lstat, mkdir, mkdtemp, readdir, readlink, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binariesIn, locatePostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { canRunPostgresAs, ensurePostgresOsUser, type PostgresOsUser } from './postgres-os-user.js';
import { reachableCopyOf } from './reachable-binaries.js';

// Only root runs PostgreSQL as another OS user; a normal user runs the binaries where they are.
describe.runIf(process.getuid?.() === 0)('reachableCopyOf, as root', () => {
  let user: PostgresOsUser;
  let located: PostgresBinaries;
  /** The binaries seen through a mode-0700 directory, as in a checkout under /root. */
  let unreachable: PostgresBinaries;
  let hidden: string;
  let scratch: string;

  beforeAll(async () => {
    user = await ensurePostgresOsUser();
    located = await locatePostgresBinaries();
    hidden = await mkdtemp(join(tmpdir(), 'tenantry-0700-'));
    expect((await stat(hidden)).mode & 0o777).toBe(0o700);
    await symlink(located.nativeDir, join(hidden, 'native'));
    unreachable = binariesIn(located, join(hidden, 'native'));
    scratch = await mkdtemp(join(tmpdir(), 'tenantry-binaries-cache-'));
    await chmod(scratch, 0o755);
  });
  afterAll(async () => {
    await rm(hidden, { recursive: true, force: true });
    await rm(scratch, { recursive: true, force: true });
  });

  it('the premise: the postgres OS user cannot run the binaries through a mode-0700 directory', async () => {
    // (Whether it can run them where they are installed depends on the checkout: under /root it cannot either.)
    expect(await canRunPostgresAs(user, unreachable.postgres)).toBe(false);
  });

  it('copies them into one 0755 directory named after the package version, from which that user runs them; concurrent copiers agree; later calls reuse it', async () => {
    const root = join(scratch, 'cache');
    const copies = await Promise.all([1, 2, 3].map(() => reachableCopyOf(unreachable, user, root)));
    const copy = copies[0]!;
    expect(new Set(copies.map((c) => c.nativeDir))).toEqual(new Set([join(root, `${basename(located.packageName)}-${located.packageVersion}`, 'native')]));
    expect(copy.postgres).toBe(join(copy.nativeDir, 'bin', 'postgres'));
    expect(await canRunPostgresAs(user, copy.postgres)).toBe(true);
    // Only the winner's copy is left: the others removed their temporary directories.
    expect(await readdir(root)).toEqual([basename(dirname(copy.nativeDir))]);
    for (const dir of [root, dirname(copy.nativeDir), copy.nativeDir, join(copy.nativeDir, 'bin'), join(copy.nativeDir, 'share')]) {
      const info = await lstat(dir);
      expect([dir, info.uid, info.mode & 0o777]).toEqual([dir, 0, 0o755]);
    }
    // Library links stay links, relative, inside the copy (not back into the unreachable source). Some
    // installs hold the libraries as plain files (pnpm's store can hard-link them): then the copy holds files.
    const source = join(located.nativeDir, 'lib', 'libpq.so.5');
    const copied = join(copy.nativeDir, 'lib', 'libpq.so.5');
    expect((await lstat(copied)).isSymbolicLink()).toBe((await lstat(source)).isSymbolicLink());
    if ((await lstat(source)).isSymbolicLink()) expect(await readlink(copied)).toMatch(/^libpq\.so\.5\.\d+$/);

    const before = await stat(dirname(copy.nativeDir));
    const again = await reachableCopyOf(unreachable, user, root);
    expect(again.nativeDir).toBe(copy.nativeDir);
    const after = await stat(dirname(copy.nativeDir));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('refuses a cache directory others can write to, or that belongs to another user, and copies nothing into it', async () => {
    const shared = join(scratch, 'shared');
    await mkdir(shared);
    await chmod(shared, 0o777);
    await expect(reachableCopyOf(unreachable, user, shared)).rejects.toThrow(/Refusing to run PostgreSQL binaries from .*shared: others can write to it \(mode 0777\)\. Remove it/);
    const foreign = join(scratch, 'foreign');
    await mkdir(foreign, { mode: 0o755 });
    await chown(foreign, user.uid, user.gid);
    await expect(reachableCopyOf(unreachable, user, foreign)).rejects.toThrow(new RegExp(`foreign: it belongs to uid ${user.uid}, not to uid 0`));
    expect([await readdir(shared), await readdir(foreign)]).toEqual([[], []]);
  });

  it('refuses a copy planted by another user under the expected name', async () => {
    const root = join(scratch, 'planted');
    const planted = join(root, `${basename(located.packageName)}-${located.packageVersion}`);
    await mkdir(planted, { recursive: true, mode: 0o755 });
    await chmod(root, 0o755);
    await chown(planted, user.uid, user.gid);
    await expect(reachableCopyOf(unreachable, user, root)).rejects.toThrow(/planted\/.*: it belongs to uid/);
  });
});
