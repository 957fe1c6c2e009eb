import { execFile } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from './free-port.js';
import { describeUnavailableMariadbLane, mariadbSource, startMariadbTestServer, type MariadbTestServer } from './mariadb-test-server.js';
import { formatMysqlUrl, parseMysqlUrl, withMysqlCredentials } from './mysql-url.js';
import { queryRows, withMysqlConnection } from './with-mysql-connection.js';

/** The lane as the suites get it; a test of the harness needs a server, so no server is a failure here. */
async function laneServer(env: NodeJS.ProcessEnv): Promise<MariadbTestServer> {
  const lane = await startMariadbTestServer({ env });
  if (!lane.available) throw new Error(describeUnavailableMariadbLane(lane));
  return lane.server;
}

async function deadUrl(): Promise<string> {
  return formatMysqlUrl({ host: '127.0.0.1', port: await findFreePort(), user: 'root', password: '', database: undefined });
}

const version = (url: string) => withMysqlConnection(url, async (c) => (await queryRows<{ v: string }>(c, 'SELECT VERSION() AS v'))[0]!.v);
const execFileAsync = promisify(execFile);
const noUrl = { ...process.env, TEST_MYSQL_URL: '', TENANTRY_MARIADB: '' };

describe('startMariadbTestServer: a spawned mariadbd (TENANTRY_MARIADB=spawn)', () => {
  let server: MariadbTestServer;
  beforeAll(async () => {
    server = await laneServer({ ...noUrl, TENANTRY_MARIADB: 'spawn' });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('starts a MariaDB of its own on a free port, reachable with the root URL', async () => {
    expect(server).toMatchObject({ kind: 'spawned', flavor: 'mariadb' });
    const { port, user } = parseMysqlUrl(server.adminUrl);
    expect(port).not.toBe(3306);
    expect(user).toBe('root');
    expect(await version(server.adminUrl)).toBe(server.version);
    const [grants] = await withMysqlConnection(server.adminUrl, (c) => queryRows<Record<string, string>>(c, 'SHOW GRANTS'));
    expect(Object.values(grants!)[0]).toMatch(/^GRANT ALL PRIVILEGES ON \*\.\* TO `root`@`127\.0\.0\.1`.* WITH GRANT OPTION$/);
  });

  it('checks passwords (the grant tables are on): a wrong root password is refused with 1045', async () => {
    const wrong = withMysqlCredentials(server.adminUrl, 'root', 'wrong-password');
    await expect(version(wrong)).rejects.toMatchObject({ errno: 1045, sqlState: '28000' });
    const [row] = await withMysqlConnection(server.adminUrl, (c) => queryRows<{ plugin: string; hashed: number }>(c, "SELECT plugin, authentication_string LIKE '*%' AS hashed FROM mysql.user WHERE User = 'root' AND Host = '127.0.0.1'"));
    expect(row).toEqual({ plugin: 'mysql_native_password', hashed: 1 });
  });

  it('keeps its data directory and socket in a temporary directory of the OS user it runs as (mysql, as root)', async () => {
    const [row] = await withMysqlConnection(server.adminUrl, (c) => queryRows<{ datadir: string; socket: string; pidFile: string }>(c, 'SELECT @@datadir AS datadir, @@socket AS socket, @@pid_file AS pidFile'));
    const dir = dirname(row!.socket);
    expect(row!.datadir.replace(/\/$/, '')).toBe(`${dir}/data`);
    expect(dir).toMatch(/\/tenantry-mariadb-[^/]+$/);
    expect(server.logFile).toBe(`${dir}/server.log`);
    // /proc/<pid> belongs to the process's effective uid.
    const serverUid = (await stat(`/proc/${(await readFile(row!.pidFile, 'utf8')).trim()}`)).uid;
    expect((await stat(dir)).uid).toBe(serverUid);
    expect(serverUid).toBe(process.getuid?.() === 0 ? Number((await execFileAsync('id', ['-u', 'mysql'])).stdout) : process.getuid?.());
  });

  it('stop() ends the server and removes its directory; a second stop() is a no-op', async () => {
    const other = await laneServer({ ...noUrl, TENANTRY_MARIADB: 'spawn' });
    const [row] = await withMysqlConnection(other.adminUrl, (c) => queryRows<{ socket: string }>(c, 'SELECT @@socket AS socket'));
    expect(other.adminUrl).not.toBe(server.adminUrl);
    await other.stop();
    await other.stop();
    await expect(version(other.adminUrl)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await expect(stat(dirname(row!.socket))).rejects.toMatchObject({ code: 'ENOENT' });
    // The first server is untouched.
    expect(await version(server.adminUrl)).toBe(server.version);
  });
});

describe('startMariadbTestServer: the order of sources', () => {
  it('uses TEST_MYSQL_URL first, and never stops that server', async () => {
    const lane = await startMariadbTestServer({ env: { ...noUrl, TENANTRY_MARIADB: 'spawn' } });
    if (!lane.available) throw new Error(describeUnavailableMariadbLane(lane));
    try {
      const external = await laneServer({ ...noUrl, TEST_MYSQL_URL: lane.server.adminUrl.replace(/^mysql:/, 'mariadb:') });
      expect(external).toMatchObject({ kind: 'external', version: lane.server.version, logFile: undefined });
      await external.stop();
      expect(await version(lane.server.adminUrl)).toBe(lane.server.version);
    } finally {
      await lane.server.stop();
    }
  });

  it('falls back from a machine server that does not answer to a spawned one', async () => {
    const lane = await startMariadbTestServer({ env: noUrl, machineUrl: await deadUrl() });
    if (!lane.available) throw new Error(describeUnavailableMariadbLane(lane));
    try {
      expect(lane.server.kind).toBe('spawned');
      expect(lane.attempts).toEqual(['TEST_MYSQL_URL: not set', expect.stringMatching(/^machine server: nothing answers at 127\.0\.0\.1:\d+$/), expect.stringMatching(/^spawned .*mariadbd: used$/)]);
    } finally {
      await lane.server.stop();
    }
  });

  it('uses the machine server when it answers as root with an empty password', async () => {
    // A spawned server stands in for 127.0.0.1:3306, reached with and without root's password.
    const spawned = await laneServer({ ...noUrl, TENANTRY_MARIADB: 'spawn' });
    try {
      const lane = await startMariadbTestServer({ env: { ...noUrl, TENANTRY_MARIADB: 'machine' }, machineUrl: spawned.adminUrl });
      expect(lane).toMatchObject({ available: true, server: { kind: 'machine', adminUrl: spawned.adminUrl } });
      const refused = await startMariadbTestServer({ env: { ...noUrl, TENANTRY_MARIADB: 'machine' }, machineUrl: withMysqlCredentials(spawned.adminUrl, 'root', '') });
      expect(refused).toMatchObject({ available: false, attempts: [expect.stringMatching(/answers but refuses root with an empty password$/)] });
    } finally {
      await spawned.stop();
    }
  });

  it('reports plainly, with a typed result, when nothing can run', async () => {
    const lane = await startMariadbTestServer({ env: { ...noUrl, TENANTRY_MARIADBD: '/nonexistent/mariadbd' }, machineUrl: await deadUrl() });
    expect(lane.available).toBe(false);
    if (lane.available) return;
    expect(lane.attempts).toEqual(['TEST_MYSQL_URL: not set', expect.stringMatching(/^machine server: nothing answers/), 'spawned mariadbd: TENANTRY_MARIADBD=/nonexistent/mariadbd is not an executable file']);
    expect(describeUnavailableMariadbLane(lane)).toMatch(/^!!! The MariaDB\/MySQL lane DID NOT RUN on this machine\.\n!!! no MariaDB\/MySQL server \(TENANTRY_MARIADB=auto\): TEST_MYSQL_URL: not set; machine server: nothing answers/);
  });

  it('refuses a TEST_MYSQL_URL it cannot use, naming the variable and never its password', async () => {
    const url = formatMysqlUrl({ ...parseMysqlUrl(await deadUrl()), password: 'sekrit-pw' });
    await expect(startMariadbTestServer({ env: { ...noUrl, TEST_MYSQL_URL: url } })).rejects.toThrow(/^Cannot use the server at TEST_MYSQL_URL: /);
    await expect(startMariadbTestServer({ env: { ...noUrl, TEST_MYSQL_URL: url } })).rejects.not.toThrow(/sekrit/);
    await expect(startMariadbTestServer({ env: { ...noUrl, TEST_MYSQL_URL: 'postgres://u:sekrit-pw@h/d' } })).rejects.toThrow(/must be a mysql:\/\/ or mariadb:\/\/ URL \(value not shown/);
  });

  it('reads TENANTRY_MARIADB and refuses values it does not know', () => {
    expect(mariadbSource({})).toBe('auto');
    expect(mariadbSource({ TENANTRY_MARIADB: 'spawn' })).toBe('spawn');
    expect(() => mariadbSource({ TENANTRY_MARIADB: 'docker' })).toThrow(/must be auto, url, machine or spawn/);
  });
});
