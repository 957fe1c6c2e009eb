import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFile, chown, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import type { CitusBinaries } from './citus-binaries.js';
import { findFreePort } from './free-port.js';
import type { PostgresOsUser } from './postgres-os-user.js';
import type { ServerLog } from './server-log.js';

/** Where one node of a Citus test cluster lives and who runs it. */
export interface CitusNodeSettings {
  /** `coordinator`, `worker1`, ...: names its directory and log. */
  readonly name: string;
  readonly binaries: CitusBinaries;
  /** The data directory, made by {@link CitusNodeProcess.init}. */
  readonly dataDir: string;
  /** Where the server puts its unix socket: private to the cluster. */
  readonly socketDir: string;
  /** `HOME` of the server's processes, so libpq in them reads no one's ~/.pgpass or ~/.postgresql. */
  readonly homeDir: string;
  /** The OS account the server runs as when the harness runs as root; `undefined` runs it as the current user. */
  readonly osUser: PostgresOsUser | undefined;
  /** Receives everything initdb, postgres and pg_ctl print. */
  readonly log: ServerLog;
}

/** The superuser that initdb creates in every node. */
export const CITUS_SUPERUSER = 'postgres';

const PORT_ATTEMPTS = 3;
const STOP_TIMEOUT_SECONDS = 60;

/**
 * One PostgreSQL server of a Citus test cluster, spawned as a child of this
 * process (so a Ctrl-C in the terminal reaches it too) and stopped with
 * `pg_ctl stop -m fast`.
 */
export class CitusNodeProcess {
  readonly settings: CitusNodeSettings;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #port = 0;

  constructor(settings: CitusNodeSettings) {
    this.settings = settings;
  }

  /** The TCP port on 127.0.0.1; `0` before {@link start}. */
  get port(): number {
    return this.#port;
  }

  /** Process id of the postmaster while it runs. */
  get pid(): number | undefined {
    const child = this.#child;
    return child && !hasExited(child) ? child.pid : undefined;
  }

  /**
   * Runs initdb (the superuser's password read from `passwordFile`), then
   * replaces pg_hba.conf with `hba` and appends `configuration` to
   * postgresql.conf.
   */
  async init(passwordFile: string, hba: string, configuration: Readonly<Record<string, string>>): Promise<void> {
    const { binaries, dataDir, log, osUser } = this.settings;
    log.write(`[tenantry] initdb (PostgreSQL ${binaries.postgresMajor} in ${binaries.binDir}) into ${dataDir}\n`);
    await this.#run(binaries.initdb, [
      '-D', dataDir,
      '-U', CITUS_SUPERUSER,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    // Both files belong to the server's OS user; written here as the current user, so handed over again.
    const hbaFile = join(dataDir, 'pg_hba.conf');
    await writeFile(hbaFile, hba, { mode: 0o600 });
    const configFile = join(dataDir, 'postgresql.conf');
    await appendFile(configFile, `\n# Added by @tenantry/testing (citus-node.ts).\n${configurationText(configuration)}`);
    if (osUser) {
      await chown(hbaFile, osUser.uid, osUser.gid);
      await chown(configFile, osUser.uid, osUser.gid);
    }
  }

  /**
   * Starts postgres on a free port and resolves once `superuserPassword` logs
   * in over TCP. Tries another port when the chosen one was taken meanwhile.
   *
   * @throws {Error} when postgres exits or does not accept connections within `timeoutMs`.
   */
  async start(superuserPassword: string, timeoutMs: number): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const port = await findFreePort();
      const output = await this.#spawnServer(port);
      try {
        await this.#waitUntilReady(superuserUrl(superuserPassword, port), timeoutMs);
        this.#port = port;
        return;
      } catch (error) {
        await this.stop();
        if (attempt < PORT_ATTEMPTS && /address already in use/i.test(output.text)) continue;
        throw error;
      }
    }
  }

  /** Fast shutdown (`pg_ctl stop -m fast`), then SIGQUIT if that failed; resolves when the postmaster is gone. Idempotent. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || hasExited(child)) return;
    const { binaries, dataDir, log } = this.settings;
    try {
      await this.#run(binaries.pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', String(STOP_TIMEOUT_SECONDS)]);
    } catch (error) {
      log.write(error instanceof Error ? error : `${String(error)}\n`);
      // Immediate shutdown: the postmaster still ends its children before it exits.
      if (!hasExited(child)) child.kill('SIGQUIT');
    }
    await this.#exited;
  }

  /**
   * {@link stop} for a process that is exiting: synchronous, so it can run in
   * an `exit` listener, where nothing asynchronous runs any more.
   */
  stopSync(): void {
    const child = this.#child;
    if (child === undefined || hasExited(child)) return;
    const { binaries, dataDir } = this.settings;
    spawnSync(binaries.pgCtl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', String(STOP_TIMEOUT_SECONDS)], {
      ...this.#processOptions(),
      stdio: 'ignore',
      timeout: (STOP_TIMEOUT_SECONDS + 5) * 1000,
    });
  }

  async #spawnServer(port: number): Promise<{ text: string }> {
    const { binaries, dataDir, log } = this.settings;
    log.write(`[tenantry] starting postgres on 127.0.0.1:${port}\n`);
    const child = spawn(binaries.postgres, ['-D', dataDir, '-p', String(port)], { ...this.#processOptions(), stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { text: '' };
    const capture = (chunk: Buffer): void => {
      output.text += chunk.toString();
      log.write(chunk);
    };
    child.stdout!.on('data', capture);
    child.stderr!.on('data', capture);
    this.#exited = new Promise((resolve) => {
      child.once('error', (error) => {
        log.write(error);
        resolve();
      });
      child.once('exit', () => resolve());
    });
    this.#child = child;
    return output;
  }

  async #waitUntilReady(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let lastError: unknown;
    for (;;) {
      const child = this.#child!;
      if (hasExited(child)) throw new Error(`postgres (${this.settings.name}) exited with ${child.signalCode ?? child.exitCode} during start-up`);
      try {
        await logIn(url);
        return;
      } catch (error) {
        lastError = error;
      }
      if (Date.now() > deadline) {
        throw new Error(`postgres (${this.settings.name}) did not accept connections within ${timeoutMs} ms: ${lastError instanceof Error ? lastError.message : String(lastError)}`);
      }
      await Promise.race([this.#exited, new Promise((resolve) => setTimeout(resolve, 100))]);
    }
  }

  /** Runs a PostgreSQL program as the server's OS user, its output into the log. @throws {Error} unless it exits 0. */
  async #run(program: string, args: readonly string[]): Promise<void> {
    const { log } = this.settings;
    const child = spawn(program, args, { ...this.#processOptions(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => log.write(chunk));
    child.stderr!.on('data', (chunk: Buffer) => log.write(chunk));
    const result = await new Promise<string>((resolve) => {
      child.once('error', (error) => resolve(error.message));
      child.once('close', (code, signal) => resolve(code === 0 ? '' : `exited with ${signal ?? code}`));
    });
    if (result !== '') throw new Error(`${program} ${args[0]} (${this.settings.name}) ${result}`);
  }

  #processOptions(): { uid?: number; gid?: number; env: NodeJS.ProcessEnv } {
    const { osUser, homeDir } = this.settings;
    const env = serverEnvironment(homeDir);
    return osUser ? { uid: osUser.uid, gid: osUser.gid, env } : { env };
  }
}

/** The superuser's URL for a node on `port`. The password is percent-encoded. */
export function superuserUrl(password: string, port: number): string {
  return `postgresql://${CITUS_SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
}

/**
 * The environment of the server's processes: this process's, without any
 * `PG*` variable (libpq in the servers, which Citus uses between nodes, would
 * read PGPASSWORD, PGSSLMODE, PGSERVICE, ...), and with its own `HOME`.
 */
function serverEnvironment(homeDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('PG')) env[key] = value;
  }
  env['HOME'] = homeDir;
  return env;
}

/** `name = 'value'` lines for postgresql.conf. */
function configurationText(configuration: Readonly<Record<string, string>>): string {
  return Object.entries(configuration)
    .map(([name, value]) => `${name} = '${value.replace(/'/g, "''")}'\n`)
    .join('');
}

async function logIn(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => undefined);
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}
