import { findMariadbBinaries } from './mariadb-binaries.js';
import { isMysqlUrl } from './mysql-url.js';
import { startSpawnedMariadb } from './spawned-mariadb.js';
import { withMysqlConnection } from './with-mysql-connection.js';

/** Where the MariaDB lane's server came from. */
export type MariadbServerKind =
  /** `TEST_MYSQL_URL`: someone else's server, never stopped. */
  | 'external'
  /** The machine's own server at 127.0.0.1:3306 (root, empty password), never stopped. */
  | 'machine'
  /** A `mariadbd` this process started in a temporary directory. */
  | 'spawned';

/** A MariaDB (or MySQL) server the tests can use. */
export interface MariadbTestServer {
  readonly kind: MariadbServerKind;
  /** `mysql://` URL of an account with ALL PRIVILEGES ON *.* WITH GRANT OPTION. Contains the password. */
  readonly adminUrl: string;
  /** `SELECT VERSION()`, e.g. `10.11.19-MariaDB-0+deb12u1`. */
  readonly version: string;
  /** `'mariadb'` when the version says so, else `'mysql'`. */
  readonly flavor: 'mariadb' | 'mysql';
  /** The spawned server's log (install and server output); `undefined` otherwise. */
  readonly logFile: string | undefined;
  /** Stops a spawned server and deletes its directory; a no-op for the others. Idempotent. */
  stop(): Promise<void>;
}

/** Environment variable: a `mysql://` or `mariadb://` URL of a server to test against (never stopped). */
export const TEST_MYSQL_URL_ENV = 'TEST_MYSQL_URL';
/** Environment variable choosing where the lane's server comes from: see {@link MariadbSource}. */
export const MARIADB_SOURCE_ENV = 'TENANTRY_MARIADB';

/**
 * `auto` (the default): `TEST_MYSQL_URL`, else the machine's server, else a
 * spawned `mariadbd`. The others force one source: `url`, `machine`, `spawn`.
 */
export type MariadbSource = 'auto' | 'url' | 'machine' | 'spawn';

/** The machine's own server, as the node-svc machines and CI have it. */
export const MACHINE_MARIADB_URL = 'mysql://root@127.0.0.1:3306/';

/**
 * What {@link startMariadbTestServer} found: a server, or why the MariaDB lane
 * cannot run here. `attempts` says what was tried, in order, for the record.
 */
export type MariadbLane =
  | { readonly available: true; readonly server: MariadbTestServer; readonly attempts: readonly string[] }
  | { readonly available: false; readonly reason: string; readonly attempts: readonly string[] };

/** Options for {@link startMariadbTestServer}; the defaults read the process's environment. */
export interface StartMariadbTestServerOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** The machine's server to probe. Default {@link MACHINE_MARIADB_URL}. */
  readonly machineUrl?: string;
  /** Passed to the spawned server. */
  readonly startTimeoutMs?: number;
}

/**
 * Finds the server the MariaDB lane runs on, in this order (`TENANTRY_MARIADB`
 * can force one): the server at `TEST_MYSQL_URL`; else the machine's server at
 * 127.0.0.1:3306 as root with an empty password, when it answers; else a
 * `mariadbd` started in a temporary directory, where one is installed.
 *
 * Where none is there, it returns `{ available: false, reason }` instead of
 * throwing: the caller must say so loudly ({@link describeUnavailableMariadbLane}),
 * never skip in silence. A server that exists but fails (a `TEST_MYSQL_URL`
 * that refuses the connection, a `mariadbd` that does not start) throws.
 *
 * @example
 * ```ts
 * const lane = await startMariadbTestServer();
 * if (!lane.available) throw new Error(describeUnavailableMariadbLane(lane));
 * console.log(lane.server.kind, lane.server.version);
 * await lane.server.stop();
 * ```
 */
export async function startMariadbTestServer(options: StartMariadbTestServerOptions = {}): Promise<MariadbLane> {
  const env = options.env ?? process.env;
  const source = mariadbSource(env);
  const attempts: string[] = [];
  const url = env[TEST_MYSQL_URL_ENV]?.trim();
  if (source === 'auto' || source === 'url') {
    if (url) return { available: true, server: await externalServer(url), attempts: [...attempts, `${TEST_MYSQL_URL_ENV}: used`] };
    attempts.push(`${TEST_MYSQL_URL_ENV}: not set`);
  }
  if (source === 'auto' || source === 'machine') {
    const machineUrl = options.machineUrl ?? MACHINE_MARIADB_URL;
    const probe = await probeMachineServer(machineUrl);
    if (typeof probe !== 'string') return { available: true, server: probe, attempts: [...attempts, `machine server: used`] };
    attempts.push(`machine server: ${probe}`);
  }
  if (source === 'auto' || source === 'spawn') {
    const binaries = await findMariadbBinaries(env);
    if ('found' in binaries) {
      const server = await startSpawnedMariadb(binaries.found, options.startTimeoutMs === undefined ? {} : { startTimeoutMs: options.startTimeoutMs });
      return { available: true, server, attempts: [...attempts, `spawned ${binaries.found.mariadbd}: used`] };
    }
    attempts.push(`spawned mariadbd: ${binaries.missing}`);
  }
  return { available: false, reason: `no MariaDB/MySQL server (${MARIADB_SOURCE_ENV}=${source}): ${attempts.join('; ')}`, attempts };
}

/**
 * The loud message for a lane that cannot run: what was tried and how to make
 * it run. Print it, or throw it where the lane is required.
 */
export function describeUnavailableMariadbLane(lane: { readonly reason: string }): string {
  return [
    '!!! The MariaDB/MySQL lane DID NOT RUN on this machine.',
    `!!! ${lane.reason}`,
    `!!! Fix: set ${TEST_MYSQL_URL_ENV}=mysql://user:password@host:port/, start a server on 127.0.0.1:3306 (root, empty password), or install MariaDB (mariadbd and mariadb-install-db).`,
  ].join('\n');
}

/** Reads `TENANTRY_MARIADB`. @throws {RangeError} for a value it does not know. */
export function mariadbSource(env: NodeJS.ProcessEnv = process.env): MariadbSource {
  const value = env[MARIADB_SOURCE_ENV]?.trim() || 'auto';
  if (value === 'auto' || value === 'url' || value === 'machine' || value === 'spawn') return value;
  throw new RangeError(`${MARIADB_SOURCE_ENV} must be auto, url, machine or spawn, got ${JSON.stringify(value)}`);
}

async function serverVersion(url: string, connectTimeoutMs?: number): Promise<string> {
  return withMysqlConnection(
    url,
    async (c) => {
      const [rows] = await c.query('SELECT VERSION() AS v');
      return String((rows as Array<{ v: unknown }>)[0]?.v);
    },
    connectTimeoutMs === undefined ? {} : { connectTimeoutMs },
  );
}

function notStopped(kind: 'external' | 'machine', adminUrl: string, version: string): MariadbTestServer {
  return { kind, adminUrl, version, flavor: /mariadb/i.test(version) ? 'mariadb' : 'mysql', logFile: undefined, stop: async () => undefined };
}

async function externalServer(url: string): Promise<MariadbTestServer> {
  if (!isMysqlUrl(url)) throw new Error(`${TEST_MYSQL_URL_ENV} must be a mysql:// or mariadb:// URL (value not shown: it may hold a password).`);
  try {
    return notStopped('external', url, await serverVersion(url));
  } catch (cause) {
    // Name the variable, never its value: it holds a password.
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`Cannot use the server at ${TEST_MYSQL_URL_ENV}: ${reason}`, { cause });
  }
}

/** The server at `url`, or why it cannot be used (nothing listens, root is refused, ...). */
async function probeMachineServer(url: string): Promise<MariadbTestServer | string> {
  try {
    return notStopped('machine', url, await serverVersion(url, 2_000));
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code === 'ECONNREFUSED') return `nothing answers at ${new URL(url).host}`;
    if (code === 'ER_ACCESS_DENIED_ERROR') return `${new URL(url).host} answers but refuses root with an empty password`;
    return `${new URL(url).host}: ${code ?? message ?? String(error)}`;
  }
}
