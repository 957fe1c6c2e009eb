import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EmbeddedPostgresClass, EmbeddedPostgresOptions } from './embedded-postgres-package.js';
import type { PostgresBinaries } from './postgres-binaries.js';
import type { PostgresOsUser } from './postgres-os-user.js';

const READY = 'database system is ready to accept connections';

/**
 * An `EmbeddedPostgres` class (of one alias) that runs initdb and postgres
 * from `binaries` rather than from the platform package it resolved itself
 * (embedded-postgres fixes that path when it is imported). Used for a copy of
 * the binaries the `postgres` OS user can reach; see `reachable-binaries.ts`.
 *
 * Only `initialise()` and `start()` are replaced, doing what embedded-postgres
 * does with the options the harness passes; the instance stays one of the
 * alias's class, so its SIGINT hook still stops it, and the postgres child is
 * kept in the same `process` field the harness reads. Messages are in English
 * (`LC_MESSAGES=C`): start-up waits for the "ready" line. The working
 * directory is the data directory, which `user` owns (PostgreSQL 14 and 15
 * look up the current directory at start).
 *
 * @param user the OS user to run as (when running as root), else `undefined`.
 */
export function embeddedPostgresFrom(Base: EmbeddedPostgresClass, binaries: PostgresBinaries, user: PostgresOsUser | undefined): EmbeddedPostgresClass {
  return class EmbeddedPostgresFrom extends Base {
    /** The postgres child: the field embedded-postgres (and the harness) use. */
    process: ChildProcess | undefined;
    readonly #options: EmbeddedPostgresOptions;

    constructor(options: EmbeddedPostgresOptions) {
      super(options);
      this.#options = options;
    }

    override async initialise(): Promise<void> {
      const { databaseDir, authMethod = 'password', user: superuser = 'postgres', password = 'password', initdbFlags = [] } = this.#options;
      if (databaseDir === undefined) throw new Error('embeddedPostgresFrom: databaseDir is required');
      await mkdir(databaseDir, { recursive: true, mode: 0o700 });
      if (user) await chown(databaseDir, user.uid, user.gid);
      // Readable by initdb only: created exclusively with mode 0600, given to the user initdb runs as.
      const passwordFile = join(tmpdir(), `tenantry-pwfile-${randomBytes(9).toString('base64url')}`);
      await writeFile(passwordFile, `${password}\n`, { mode: 0o600, flag: 'wx' });
      try {
        if (user) await chown(passwordFile, user.uid, user.gid);
        const args = [`--pgdata=${databaseDir}`, `--auth=${authMethod}`, `--username=${superuser}`, `--pwfile=${passwordFile}`, '--lc-messages=C', ...initdbFlags];
        await new Promise<void>((resolve, reject) => {
          const child = spawn(binaries.initdb, args, this.#spawnOptions(databaseDir));
          let errors = '';
          child.stdout?.on('data', (chunk: Buffer) => this.#log(chunk.toString('utf8')));
          child.stderr?.on('data', (chunk: Buffer) => {
            errors += chunk.toString('utf8');
            this.#log(`[STDERR] ${chunk.toString('utf8')}`);
          });
          child.once('error', reject);
          child.once('close', (code, signal) => {
            if (code === 0) resolve();
            else reject(new Error(`initdb failed (code: ${String(code)}, signal: ${String(signal)}): ${errors}`));
          });
        });
      } finally {
        await rm(passwordFile, { force: true });
      }
    }

    override start(): Promise<void> {
      const { databaseDir, port = 5432, postgresFlags = [] } = this.#options;
      if (databaseDir === undefined) return Promise.reject(new Error('embeddedPostgresFrom: databaseDir is required'));
      return new Promise<void>((resolve, reject) => {
        const child = spawn(binaries.postgres, ['-D', databaseDir, '-p', String(port), ...postgresFlags], this.#spawnOptions(databaseDir));
        this.process = child;
        let tail = ''; // the line may arrive split across chunks
        child.stdout?.on('data', (chunk: Buffer) => this.#log(chunk.toString('utf8')));
        child.stderr?.on('data', (chunk: Buffer) => {
          const message = chunk.toString('utf8');
          this.#log(message);
          const seen = tail + message;
          if (seen.includes(READY)) resolve();
          tail = seen.slice(-READY.length);
        });
        child.once('error', reject);
        child.once('close', (code, signal) => reject(new Error(`postgres exited (code: ${String(code)}, signal: ${String(signal)})`)));
      });
    }

    #spawnOptions(cwd: string): SpawnOptions {
      return {
        cwd,
        env: { ...process.env, LC_MESSAGES: 'C' },
        stdio: ['ignore', 'pipe', 'pipe'],
        ...(user ? { uid: user.uid, gid: user.gid } : {}),
      };
    }

    #log(message: string): void {
      this.#options.onLog?.(message);
    }
  };
}
