import { mkdtemp, readlink, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedServer } from './embedded-server.js';
import { binariesIn, locatePostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { ensurePostgresOsUser } from './postgres-os-user.js';
import { binariesCacheRoot } from './reachable-binaries.js';
import { withClient } from './with-client.js';

// As root, in a checkout under /root (mode 0700), the postgres OS user could not reach node_modules.
describe.runIf(process.getuid?.() === 0)('startEmbeddedServer, as root, with binaries in a mode-0700 directory', () => {
  let hidden: string;
  let unreachable: PostgresBinaries;

  beforeAll(async () => {
    const located = await locatePostgresBinaries();
    hidden = await mkdtemp(join(tmpdir(), 'tenantry-0700-'));
    expect((await stat(hidden)).mode & 0o777).toBe(0o700);
    await symlink(located.nativeDir, join(hidden, 'native'));
    unreachable = binariesIn(located, join(hidden, 'native'));
  });
  afterAll(() => rm(hidden, { recursive: true, force: true }));

  it('runs the server as the postgres user from a copy under the tmp dir, through start, crash, restart and stop', async () => {
    const server = await startEmbeddedServer({ binaries: unreachable });
    try {
      const copy = join(binariesCacheRoot(), `${basename(unreachable.packageName)}-${unreachable.packageVersion}`, 'native', 'bin', 'postgres');
      const postgresUser = await ensurePostgresOsUser();
      const check = async () => {
        expect(await readlink(`/proc/${server.pid}/exe`)).toBe(copy);
        expect((await stat(`/proc/${server.pid}`)).uid).toBe(postgresUser.uid);
        expect(await withClient(server.adminUrl, async (c) => (await c.query<{ u: string }>('SELECT current_user AS u')).rows[0]?.u)).toBe('postgres');
      };
      await check();
      await server.crash();
      await server.restart();
      await check();
    } finally {
      await server.stop();
    }
  });
});
