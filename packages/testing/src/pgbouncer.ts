import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findFreePort } from './free-port.js';
import { acceptsTcpConnections } from './tcp-listening.js';
import { ensurePostgresOsUser } from './postgres-os-user.js';
import { laneRequired } from './shared-lane.js';

/** Environment variable: the pgbouncer binary to run; default Debian's `/usr/sbin/pgbouncer`. */
export const PGBOUNCER_BIN_ENV = 'TENANTRY_PGBOUNCER';
/** Environment variable: `1` makes a PgBouncer lane that cannot run fail the run; `0` only prints. Default: `1` when `CI=true`. */
export const PGBOUNCER_REQUIRED_ENV = 'TENANTRY_PGBOUNCER_REQUIRED';

const DEFAULT_BINARY = '/usr/sbin/pgbouncer';
const START_DEADLINE_MS = 15_000;

/** Where the PgBouncer lane stands: the binary, or why it cannot run here. */
export type PgbouncerLane = { readonly available: true; readonly binary: string } | { readonly available: false; readonly reason: string };

/** Finds the pgbouncer binary (`TENANTRY_PGBOUNCER`, else `/usr/sbin/pgbouncer`, Debian's `pgbouncer` package). */
export function findPgbouncer(env: NodeJS.ProcessEnv = process.env): PgbouncerLane {
  const binary = env[PGBOUNCER_BIN_ENV]?.trim() || DEFAULT_BINARY;
  try {
    accessSync(binary, constants.X_OK);
    return { available: true, binary };
  } catch {
    return { available: false, reason: `No executable pgbouncer at ${binary}.` };
  }
}

/** Whether a PgBouncer lane that cannot run fails the run: `TENANTRY_PGBOUNCER_REQUIRED`, else `CI=true`. */
export function pgbouncerLaneRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return laneRequired(PGBOUNCER_REQUIRED_ENV, env);
}

/** The loud message for a PgBouncer lane that cannot run: print it, or throw it where the lane is required. */
export function describeUnavailablePgbouncerLane(lane: { readonly reason: string }): string {
  return [
    '!!! The PgBouncer lane DID NOT RUN on this machine: its tests were skipped.',
    `!!! ${lane.reason}`,
    `!!! Fix: apt-get install pgbouncer (Debian), or set ${PGBOUNCER_BIN_ENV} to a pgbouncer binary. Under CI=true (or ${PGBOUNCER_REQUIRED_ENV}=1) a missing pgbouncer fails the run.`,
  ].join('\n');
}

/**
 * The lane for a test file, decided when the file loads: available, or (where
 * pgbouncer is missing) a loud message on stderr, or, where the lane is
 * required, a thrown error that fails the file.
 */
export function pgbouncerLaneForTests(env: NodeJS.ProcessEnv = process.env): PgbouncerLane {
  const lane = findPgbouncer(env);
  if (lane.available) return lane;
  const message = describeUnavailablePgbouncerLane(lane);
  if (pgbouncerLaneRequired(env)) throw new Error(`${message}\n!!! ${PGBOUNCER_REQUIRED_ENV}=1 (the default under CI=true): failing the run.`);
  process.stderr.write(`\n${message}\n\n`);
  return lane;
}

export interface PgbouncerOptions {
  readonly binary: string;
  /** The PostgreSQL server behind it. */
  readonly serverHost: string;
  readonly serverPort: number;
  /** The one database it serves (under the same name). */
  readonly database: string;
  /** The role PgBouncer runs `authQuery` as, and its password (written to the auth_file, mode 0600, in a temp directory). */
  readonly authUser: string;
  readonly authPassword: string;
  /** e.g. `SELECT usename, passwd FROM tenantry_pooler.tenant_login($1)`. */
  readonly authQuery: string;
  /** Server connections per user and database (`default_pool_size`). Default 2. */
  readonly poolSize?: number;
  /** More `[pgbouncer]` settings, e.g. `{ server_check_delay: '0' }`. */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface RunningPgbouncer {
  readonly host: string;
  readonly port: number;
  /** The ini it runs with, for tests that state what they rely on. */
  readonly ini: string;
  /** Its log so far. */
  log(): string;
  /** Stops it and deletes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts PgBouncer in transaction-pooling mode in front of one database:
 * clients log in with SCRAM, their password verifiers looked up with
 * `auth_query` as `auth_user` (the only user in its auth_file). It listens on
 * a free port of 127.0.0.1 and no Unix socket. As root it runs as the
 * `postgres` OS user (PgBouncer refuses to run as root).
 */
export async function startPgbouncer(options: PgbouncerOptions): Promise<RunningPgbouncer> {
  const directory = mkdtempSync(join(tmpdir(), 'tenantry-pgbouncer-'));
  const port = await findFreePort();
  const quoted = (value: string) => `"${value.replace(/"/g, '""')}"`;
  writeFileSync(join(directory, 'userlist.txt'), `${quoted(options.authUser)} ${quoted(options.authPassword)}\n`, { mode: 0o600 });
  const ini = [
    '[databases]',
    `${options.database} = host=${options.serverHost} port=${options.serverPort} dbname=${options.database}`,
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'pool_mode = transaction',
    'auth_type = scram-sha-256',
    `auth_file = ${join(directory, 'userlist.txt')}`,
    `auth_user = ${options.authUser}`,
    `auth_query = ${options.authQuery}`,
    `default_pool_size = ${options.poolSize ?? 2}`,
    'max_client_conn = 200',
    'ignore_startup_parameters = extra_float_digits',
    `logfile = ${join(directory, 'pgbouncer.log')}`,
    `pidfile = ${join(directory, 'pgbouncer.pid')}`,
    ...Object.entries(options.settings ?? {}).map(([name, value]) => `${name} = ${value}`),
    '',
  ].join('\n');
  writeFileSync(join(directory, 'pgbouncer.ini'), ini);
  let uid: number | undefined;
  let gid: number | undefined;
  if (process.getuid?.() === 0) {
    const user = await ensurePostgresOsUser();
    ({ uid, gid } = user);
    chownSync(directory, uid, gid);
    for (const file of ['userlist.txt', 'pgbouncer.ini']) chownSync(join(directory, file), uid, gid);
  }
  chmodSync(directory, 0o700);
  const child = spawn(options.binary, [join(directory, 'pgbouncer.ini')], { stdio: ['ignore', 'ignore', 'pipe'], ...(uid === undefined ? {} : { uid, gid }) });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const log = () => {
    try {
      return readFileSync(join(directory, 'pgbouncer.log'), 'utf8');
    } catch {
      return '';
    }
  };
  try {
    await waitUntilListening(child, port, () => `${stderr}${log()}`);
  } catch (error) {
    await stopChild(child);
    rmSync(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    host: '127.0.0.1',
    port,
    ini,
    log,
    stop: async () => {
      await stopChild(child);
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

async function waitUntilListening(child: ChildProcess, port: number, output: () => string): Promise<void> {
  const deadline = Date.now() + START_DEADLINE_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`pgbouncer exited at start (${child.exitCode ?? child.signalCode}):\n${output()}`);
    if (await acceptsTcpConnections(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`pgbouncer did not listen on port ${port} within ${START_DEADLINE_MS} ms:\n${output()}`);
}


async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await exited;
}
