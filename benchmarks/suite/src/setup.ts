import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DatabaseAdmin } from '@tenantry/admin';
import { startEmbeddedServer, withClient, type EmbeddedServer } from '@tenantry/testing';
import { onDatabase } from './pg-env.js';

export const BENCH_DATABASE = 'bench';

export interface BenchServer {
  server: EmbeddedServer;
  /** Superuser URL of the bench database. Contains the password: never print it. */
  url: string;
  version: string;
  stop(): Promise<void>;
}

/** A fresh embedded cluster with a `bench` database, prepared by Tenantry (PUBLIC loses schema public). */
export async function startBenchServer(): Promise<BenchServer> {
  const server = await startEmbeddedServer({ keepLogFile: false });
  try {
    await withClient(server.adminUrl, (client) => client.query(`CREATE DATABASE ${BENCH_DATABASE}`));
    const url = onDatabase(server.adminUrl, BENCH_DATABASE);
    const admin = new DatabaseAdmin(url);
    await admin.prepare();
    await admin.close();
    const version = await withClient(url, async (client) => (await client.query<{ v: string }>('SELECT version() AS v')).rows[0]!.v);
    return { server, url, version, stop: () => server.stop() };
  } catch (error) {
    await server.stop();
    throw error;
  }
}

export interface ExternalBench {
  /** Superuser URL of a fresh database on the external server. */
  url: string;
  database: string;
  label: string;
  version: string;
  /** Drops the database. */
  drop(): Promise<void>;
}

/**
 * A fresh database, prepared by Tenantry, on a server the suite did not start
 * (this machine's PostgreSQL 15, with fsync on), or undefined when nothing
 * answers there.
 */
export async function openExternalBench(serverUrl: string): Promise<ExternalBench | undefined> {
  const database = `bench_${process.pid}`;
  try {
    await withClient(serverUrl, (client) => client.query(`CREATE DATABASE ${database}`));
  } catch (error) {
    if (/ECONNREFUSED|ENOENT|does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
  const url = onDatabase(serverUrl, database);
  const admin = new DatabaseAdmin(url);
  await admin.prepare();
  await admin.close();
  const { version, fsync } = await withClient(url, async (client) => (await client.query<{ version: string; fsync: string }>("SELECT version(), current_setting('fsync') AS fsync")).rows[0]!);
  const major = version.match(/PostgreSQL (\d+)/)?.[1] ?? '?';
  return {
    url,
    database,
    label: `this machine's PostgreSQL ${major}, fsync ${fsync}`,
    version,
    drop: () => withClient(serverUrl, async (client) => void (await client.query(`DROP DATABASE ${database} WITH (FORCE)`))),
  };
}

// The harness's helper, re-exported for the suite's other files.
export { withClient };

export async function connectedClient(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  client.on('error', () => undefined);
  return client;
}

/** Counts schemas whose name starts with `prefix` (a check that a contender really created its tenants). */
export async function countSchemas(url: string, prefix: string): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ n: string }>(
      `SELECT count(*) AS n FROM pg_catalog.pg_namespace WHERE starts_with(nspname, $1)`,
      [prefix],
    );
    return Number(rows[0]!.n);
  });
}

export interface DelayRelayProcess {
  port: number;
  pid: number;
  close(): Promise<void>;
}

/** Starts the delay relay in its own Node process (see relay-main.ts). */
export async function startDelayRelay(targetPort: number, delayMs: number): Promise<DelayRelayProcess> {
  const entry = fileURLToPath(new URL('./relay-main.js', import.meta.url));
  const child = spawn(process.execPath, [entry, String(targetPort), String(delayMs)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`delay relay exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (line) => resolve((JSON.parse(line) as { port: number }).port));
  });
  return {
    port,
    pid: child.pid!,
    close: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.stdin!.end();
      await exited;
    },
  };
}

/** Tenant names of equal length for every contender: `t_<phase>_<code>_<n>` / `u_<phase>_<code>_<n>`. */
export function tenantName(phase: string, code: string, n: number): { schemaName: string; username: string } {
  const suffix = `${phase}_${code}_${String(n).padStart(6, '0')}`;
  return { schemaName: `t_${suffix}`, username: `u_${suffix}` };
}
