import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { findFreePort } from './free-port.js';
import type { MariadbBinaries } from './mariadb-binaries.js';
import type { MariadbTestServer } from './mariadb-test-server.js';
import { formatMysqlUrl } from './mysql-url.js';
import { mysqlNativePasswordHash } from './mysql-native-password.js';
import { openServerLog, type ServerLog } from './server-log.js';
import { withMysqlConnection } from './with-mysql-connection.js';

const execFileAsync = promisify(execFile);

/** Options for {@link startSpawnedMariadb}. */
export interface SpawnedMariadbOptions {
  /** How long to wait for `mariadbd` to accept connections. Default 60 s. */
  readonly startTimeoutMs?: number;
}

/** The OS account `mariadbd` runs as when the harness runs as root (it refuses root, as PostgreSQL does). */
const OS_USER = 'mysql';
const START_ATTEMPTS = 3;

/**
 * Starts a throwaway `mariadbd`: `mariadb-install-db` into a new temporary
 * directory, then the server on a free 127.0.0.1 port with its socket in that
 * directory, and returns it with the URL of `'root'@'127.0.0.1'`, whose random
 * password is sent to the server only as a `mysql_native_password` hash.
 *
 * The grant tables are on (never `--skip-grant-tables`): `root@localhost`
 * keeps the install's `unix_socket` login, and the TCP root account is made
 * during the install (`--extra-file`), so there is no moment when anyone could
 * log in without a password. As root, the server runs as the `mysql` OS user,
 * which owns the directory. `--no-defaults`: nothing from /etc/mysql applies.
 *
 * @throws {Error} with the tail of the server's log when the install or the
 * start fails, or the `mysql` OS user is missing (as root).
 */
export async function startSpawnedMariadb(binaries: MariadbBinaries, options: SpawnedMariadbOptions = {}): Promise<MariadbTestServer> {
  const osUser = process.getuid?.() === 0 ? await lookUpOsUser() : undefined;
  // mkdtemp makes it 0700: only its owner (the server's OS user) and root reach it.
  const dir = await mkdtemp(join(tmpdir(), 'tenantry-mariadb-'));
  let log: ServerLog | undefined;
  try {
    if (osUser) {
      await chown(dir, osUser.uid, osUser.gid);
      await assertReachableBy(osUser, dir);
    }
    // A unix socket path is limited to 107 bytes: keep the names short.
    const socket = join(dir, 'mysqld.sock');
    if (Buffer.byteLength(socket) > 107) throw new Error(`The temporary directory ${dir} is too long for a unix socket path: set TMPDIR to a shorter directory.`);
    log = openServerLog(join(dir, 'server.log'));
    const password = randomBytes(24).toString('base64url');
    await install(binaries, dir, osUser, mysqlNativePasswordHash(password), log);
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      try {
        return await run(binaries, dir, socket, port, password, osUser, log, options.startTimeoutMs ?? 60_000);
      } catch (error) {
        // Another process may have taken the port between findFreePort and the bind.
        if (!(error instanceof PortTakenError) || attempt === START_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    const tail = log?.tail() ?? '';
    log?.close();
    await rm(dir, { recursive: true, force: true });
    if (error instanceof Error && tail !== '') error.message += `\n--- mariadbd log (tail) ---\n${tail}`;
    throw error;
  }
}

interface OsUser {
  readonly uid: number;
  readonly gid: number;
}

async function lookUpOsUser(): Promise<OsUser> {
  try {
    const [uid, gid] = await Promise.all([execFileAsync('id', ['-u', OS_USER]), execFileAsync('id', ['-g', OS_USER])]);
    return { uid: Number.parseInt(uid.stdout, 10), gid: Number.parseInt(gid.stdout, 10) };
  } catch (cause) {
    throw new Error(`mariadbd refuses to run as root, and there is no "${OS_USER}" OS user to run it as: install MariaDB from the distribution's package (it creates the user), or run the tests as a non-root user.`, { cause });
  }
}

/** A real check (ACLs and every directory on the way count): `cd` into `dir` as that user. */
async function assertReachableBy(user: OsUser, dir: string): Promise<void> {
  const ok = await new Promise<boolean>((resolve) => {
    const child = spawn('/bin/sh', ['-c', 'cd "$1"', 'sh', dir], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
  if (!ok) {
    throw new Error(`The "${OS_USER}" OS user that mariadbd runs as cannot reach ${dir}: set TMPDIR to a directory every user can traverse (e.g. /tmp).`);
  }
}

/** Common server options: the machine's server's character set, no binary log, a small buffer pool. */
function serverOptions(dir: string): string[] {
  return [
    `--datadir=${join(dir, 'data')}`,
    '--skip-name-resolve',
    '--character-set-server=utf8mb4',
    '--collation-server=utf8mb4_general_ci',
    '--innodb-buffer-pool-size=32M',
    '--innodb-log-file-size=8M',
  ];
}

async function install(binaries: MariadbBinaries, dir: string, osUser: OsUser | undefined, rootHash: string, log: ServerLog): Promise<void> {
  const extraFile = join(dir, 'init.sql');
  // The bootstrap runs with the grant tables off; FLUSH PRIVILEGES loads them
  // so that CREATE USER works. The hash only: no plaintext password on disk.
  await writeFile(
    extraFile,
    [
      'FLUSH PRIVILEGES;',
      `CREATE USER 'root'@'127.0.0.1' IDENTIFIED BY PASSWORD '${rootHash}';`,
      "GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;",
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const args = [
    // --no-defaults must come first.
    '--no-defaults',
    `--basedir=${dirname(dirname(binaries.mariadbd))}`,
    ...serverOptions(dir),
    '--skip-test-db',
    '--auth-root-authentication-method=socket',
    `--extra-file=${extraFile}`,
    ...(osUser ? [`--user=${OS_USER}`] : []),
  ];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(binaries.installDb, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (chunk) => log.write(chunk));
    child.stderr.on('data', (chunk) => log.write(chunk));
    child.once('error', reject);
    child.once('close', resolve);
  });
  await rm(extraFile, { force: true });
  if (code !== 0) throw new Error(`${binaries.installDb} exited with ${code} while creating a data directory in ${dir}.`);
}

class PortTakenError extends Error {}

async function run(binaries: MariadbBinaries, dir: string, socket: string, port: number, password: string, osUser: OsUser | undefined, log: ServerLog, timeoutMs: number): Promise<MariadbTestServer> {
  const args = [
    '--no-defaults',
    `--basedir=${dirname(dirname(binaries.mariadbd))}`,
    ...serverOptions(dir),
    `--port=${port}`,
    '--bind-address=127.0.0.1',
    `--socket=${socket}`,
    `--pid-file=${join(dir, 'mysqld.pid')}`,
    ...(osUser ? [`--user=${OS_USER}`] : []),
  ];
  const child = spawn(binaries.mariadbd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const capture = (chunk: Buffer): void => {
    log.write(chunk);
    output += chunk.toString();
  };
  child.stdout!.on('data', capture);
  child.stderr!.on('data', capture);
  const exited = new Promise<string>((resolve) => {
    child.once('error', (error) => resolve(error.message));
    child.once('exit', (code, signal) => resolve(`exited with ${signal ?? code}`));
  });
  const unregister = stopOnExit(child);
  const adminUrl = formatMysqlUrl({ host: '127.0.0.1', port, user: 'root', password, database: undefined });
  const deadline = Date.now() + timeoutMs;
  let version: string | undefined;
  let lastError: unknown;
  while (version === undefined) {
    const early = await Promise.race([exited, new Promise<undefined>((resolve) => setTimeout(resolve, 100, undefined))]);
    if (early !== undefined) {
      unregister();
      if (/Address already in use|errno: 98/.test(output)) throw new PortTakenError(`port ${port} was taken`);
      throw new Error(`mariadbd ${early} before accepting connections.`);
    }
    try {
      version = await withMysqlConnection(adminUrl, async (c) => String(((await c.query('SELECT VERSION() AS v'))[0] as Array<{ v: string }>)[0]!.v), { connectTimeoutMs: 2_000 });
    } catch (error) {
      lastError = error;
      if (Date.now() > deadline) {
        await terminate(child, exited);
        unregister();
        throw new Error(`mariadbd did not accept connections within ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
      }
    }
  }
  let stopping: Promise<void> | undefined;
  return {
    kind: 'spawned',
    adminUrl,
    version,
    flavor: 'mariadb',
    logFile: log.path,
    stop: () =>
      (stopping ??= (async () => {
        await terminate(child, exited);
        unregister();
        log.close();
        await rm(dir, { recursive: true, force: true });
      })()),
  };
}

/** SIGTERM is mariadbd's normal shutdown; SIGKILL if it has not exited after 60 s. */
async function terminate(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
}

/** Servers still running, signalled if this process exits without stopping them. Process-wide: vitest may load this module more than once. */
const LIVE_KEY = Symbol.for('@tenantry/testing/spawned-mariadb');

function stopOnExit(child: ChildProcess): () => void {
  const holder = globalThis as { [LIVE_KEY]?: Set<ChildProcess> };
  let live = holder[LIVE_KEY];
  if (live === undefined) {
    const created = new Set<ChildProcess>();
    live = created;
    holder[LIVE_KEY] = created;
    // Only synchronous work is possible in 'exit': ask each for its normal shutdown.
    process.on('exit', () => {
      for (const server of created) server.kill('SIGTERM');
    });
  }
  const set = live;
  set.add(child);
  return () => {
    set.delete(child);
  };
}
