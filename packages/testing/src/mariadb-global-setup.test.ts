import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GlobalSetupProject } from './global-setup.js';
import setup, { acquireMariadbLane, mariadbLaneRequired } from './mariadb-global-setup.js';
import { createMariadbScratch } from './mariadb-scratch.js';
import { queryRows, withMysqlConnection } from './with-mysql-connection.js';

type Provided = Record<string, unknown>;

function fakeProject(): { project: GlobalSetupProject; provided: Provided } {
  const provided: Provided = {};
  const project = { name: 'mariadb', provide: (key: string, value: unknown) => void (provided[key] = value) } as unknown as GlobalSetupProject;
  return { project, provided };
}

const ping = (url: string) => withMysqlConnection(url, async (c) => (await queryRows<{ one: number }>(c, 'SELECT 1 AS one'))[0]);
const missingMariadbd = { TEST_MYSQL_URL: '', TENANTRY_MARIADB: 'spawn', TENANTRY_MARIADBD: '/nonexistent/mariadbd' };

function stubEnv(values: Record<string, string>): void {
  for (const [key, value] of Object.entries(values)) vi.stubEnv(key, value);
}

describe('mariadb-global-setup', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("provides the lane's URL, version and run prefix, and its teardown drops what the run left under the prefix", async () => {
    stubEnv({ TEST_MYSQL_URL: '', TENANTRY_MARIADB: '' });
    const { project, provided } = fakeProject();
    const teardown = await setup(project);
    expect(provided).toEqual({
      tenantryMysqlUrl: expect.stringMatching(/^mysql:\/\//),
      tenantryMysqlVersion: expect.stringMatching(/\d+\.\d+\.\d+/),
      tenantryMysqlUnavailable: '',
      tenantryMysqlRunPrefix: expect.stringMatching(/^tr[0-9a-z]{6}$/),
    });
    const rootUrl = provided['tenantryMysqlUrl'] as string;
    const scratch = await createMariadbScratch(rootUrl, { runPrefix: provided['tenantryMysqlRunPrefix'] as string });
    await withMysqlConnection(scratch.adminUrl, (c) => c.query(`CREATE DATABASE \`${scratch.name('leftover')}\``));
    await teardown();
    const left = await withMysqlConnection(rootUrl, async (c) => ({
      users: await queryRows(c, 'SELECT User FROM mysql.user WHERE User = ?', [scratch.adminUser]),
      databases: await queryRows(c, 'SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [scratch.name('leftover')]),
    }));
    expect(left).toEqual({ users: [], databases: [] });
  });

  it('shares one lane between projects and stops a spawned server after the last one', async () => {
    stubEnv({ TEST_MYSQL_URL: '', TENANTRY_MARIADB: 'spawn' });
    const [first, second] = await Promise.all([acquireMariadbLane(), acquireMariadbLane()]);
    expect(second.lane).toBe(first.lane);
    expect(second.runPrefix).toBe(first.runPrefix);
    if (!first.lane.available) throw new Error(first.lane.reason);
    expect(first.lane.server.kind).toBe('spawned');
    await first.release();
    await first.release(); // idempotent: must not count twice
    expect(await ping(first.lane.server.adminUrl)).toEqual({ one: 1 });
    await second.release();
    await expect(ping(first.lane.server.adminUrl)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('says loudly on stderr that the lane did not run, and provides why', async () => {
    stubEnv({ ...missingMariadbd, TENANTRY_MARIADB_REQUIRED: '0' });
    const written: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => written.push(String(chunk)) > 0);
    const { project, provided } = fakeProject();
    await (await setup(project))();
    expect(provided).toMatchObject({ tenantryMysqlUrl: '', tenantryMysqlVersion: '', tenantryMysqlUnavailable: expect.stringContaining('TENANTRY_MARIADBD=/nonexistent/mariadbd is not an executable file') });
    expect(written.join('')).toContain('!!! The MariaDB/MySQL lane DID NOT RUN on this machine.');
  });

  it('fails the run instead where the lane is required (TENANTRY_MARIADB_REQUIRED=1, or CI=true)', async () => {
    stubEnv({ ...missingMariadbd, TENANTRY_MARIADB_REQUIRED: '1' });
    await expect(setup(fakeProject().project)).rejects.toThrow(/DID NOT RUN[\s\S]*TENANTRY_MARIADB_REQUIRED=1/);
    expect(mariadbLaneRequired({ CI: 'true' })).toBe(true);
    expect(mariadbLaneRequired({ CI: 'true', TENANTRY_MARIADB_REQUIRED: '0' })).toBe(false);
    expect(mariadbLaneRequired({})).toBe(false);
  });
});
