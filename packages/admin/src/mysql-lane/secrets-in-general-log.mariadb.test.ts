import { mkdtemp, readFile, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { queryRows } from '@tenantry/testing';
import { mysqlNativePasswordHash } from '@tenantry/sql/mysql';
import { useMariadbFixture } from '../test-support/mariadb-fixture.js';

/*
 * MariaDB 10.11 writes statements to its general log verbatim (it rewrites no
 * password; docs/dialects/mysql-facts.md §1). Tenantry sends only hashes:
 * with the log on, create and rotate must leave no plaintext password there.
 * The log is switched on for this test only and restored after.
 */
describe('no plaintext password in the general log (MariaDB)', () => {
  const fx = useMariadbFixture();

  it('create and rotate log hashes only', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'tenantry-general-log-'));
    await chmod(directory, 0o777); // the server writes as its own OS user
    const file = join(directory, 'general.log');
    const saved = await fx.asRoot((c) => queryRows<{ on: number; file: string }>(c, 'SELECT @@GLOBAL.general_log AS `on`, @@GLOBAL.general_log_file AS file'));
    const name = fx.scratch.name('glog');
    let created: { password: string } | undefined;
    let rotated: string | undefined;
    try {
      await fx.asRoot(async (c) => {
        await c.query('SET GLOBAL general_log_file = ?', [file]);
        await c.query('SET GLOBAL general_log = ON');
      });
      created = await fx.createTenant(name, name);
      rotated = await fx.rotatePassword(name, name);
    } finally {
      await fx.asRoot(async (c) => {
        await c.query('SET GLOBAL general_log = ?', [saved[0]?.on ?? 0]);
        await c.query('SET GLOBAL general_log_file = ?', [saved[0]?.file ?? '']);
      });
    }
    const log = await readFile(file, 'utf8');
    await rm(directory, { recursive: true, force: true });
    // The log did capture the statements: the hashes are there.
    expect(log).toContain(mysqlNativePasswordHash(created.password));
    expect(log).toContain(mysqlNativePasswordHash(rotated));
    expect(log).not.toContain(created.password);
    expect(log).not.toContain(rotated);
  });
});
