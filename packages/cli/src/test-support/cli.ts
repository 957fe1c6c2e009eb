import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, inject } from 'vitest';
import { createScratchDatabase, uniqueName, type ScratchDatabase } from '@tenantry/testing';

export { uniqueName };

/** The built binary: tests run what users run. */
export const BIN = fileURLToPath(new URL('../../dist/bin.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliRunOptions {
  /** Added to a clean environment (no DATABASE_URL, no PG* variables from the test process). */
  env?: Record<string, string | undefined>;
  /** Written to standard input, which is then closed (so it is never a terminal). */
  input?: string;
  cwd?: string;
}

/** Runs `node dist/bin.js <args>` and collects its exit code and output. */
export function tenantry(args: readonly string[], options: CliRunOptions = {}): Promise<CliResult> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && key !== 'DATABASE_URL' && !key.startsWith('PG') && key !== 'NO_COLOR' && key !== 'FORCE_COLOR') env[key] = value;
  }
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
    child.stdin.on('error', () => undefined); // the CLI may exit before reading it
    child.stdin.end(options.input ?? '');
  });
}

/** Parses stdout as the one JSON document `--json` promises. */
export function json<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON document (exit ${result.code}):\n${result.stdout}\n--- stderr:\n${result.stderr}`);
  }
}

export interface CliDatabase {
  database: ScratchDatabase;
  /** The environment that points the CLI at the scratch database. */
  env: Record<string, string>;
  /** A superuser client on the scratch database, for checking the catalog. */
  superuser: pg.Client;
  /** Runs the CLI against the scratch database. */
  run(args: readonly string[], options?: CliRunOptions): Promise<CliResult>;
}

/**
 * A scratch database of this test file's own, prepared through `tenantry
 * init`; afterwards it is dropped with the roles its tenants left (roles are
 * cluster-wide).
 */
export function useCliDatabase(options: { init?: boolean } = {}): () => CliDatabase {
  let fixture: CliDatabase | undefined;
  beforeAll(async () => {
    const database = await createScratchDatabase(inject('tenantryAdminUrl'), 'cli');
    const superuser = new pg.Client({ connectionString: database.url });
    await superuser.connect();
    const env = { DATABASE_URL: database.url };
    fixture = { database, env, superuser, run: (args, runOptions = {}) => tenantry(args, { ...runOptions, env: { ...env, ...runOptions.env } }) };
    if (options.init !== false) {
      const init = await fixture.run(['init']);
      expect(init.code, init.stderr).toBe(0);
    }
  });
  afterAll(async () => {
    if (!fixture) return;
    const { superuser, database } = fixture;
    const { rows } = await superuser.query<{ rolname: string }>(
      `SELECT rolname FROM pg_roles WHERE shobj_description(oid, 'pg_authid') LIKE 'tenantry:%'
         AND (substr(shobj_description(oid, 'pg_authid'), 10)::jsonb ->> 'database') = $1`,
      [database.name],
    );
    for (const { rolname } of rows) {
      const role = pg.escapeIdentifier(rolname);
      await superuser.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`).catch(() => undefined);
    }
    await superuser.end();
    await database.drop();
  });
  return () => {
    if (!fixture) throw new Error('useCliDatabase() used outside a test');
    return fixture;
  };
}

/** Whether a schema / a role exists. */
export async function catalogHas(client: pg.Client, names: { schema?: string; role?: string }): Promise<{ schema: boolean; role: boolean }> {
  const { rows } = await client.query<{ schema: boolean; role: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS schema, EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $2) AS role`,
    [names.schema ?? '', names.role ?? ''],
  );
  return rows[0]!;
}

/**
 * What a tenant operation could change in this database (schemas with their
 * ACLs and comments, default privileges, per-role settings) and on the given
 * roles (attributes, password, comments, memberships): equal snapshots mean
 * nothing changed. Other test files' roles are left out (roles are cluster-wide).
 */
export async function catalogSnapshot(client: pg.Client, roles: readonly string[]): Promise<unknown> {
  const { rows } = await client.query(
    `SELECT
       (SELECT array_agg(nspname::text || ':' || coalesce(nspacl::text, '') || ':' || coalesce(obj_description(oid, 'pg_namespace'), '') ORDER BY nspname) FROM pg_namespace) AS schemas,
       (SELECT array_agg(defaclrole::text || ':' || defaclnamespace::text || ':' || defaclacl::text ORDER BY defaclrole, defaclnamespace, defaclobjtype) FROM pg_default_acl) AS default_acls,
       (SELECT array_agg(setrole::text || ':' || setconfig::text ORDER BY setrole) FROM pg_db_role_setting WHERE setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())) AS role_settings,
       (SELECT array_agg(a.rolname::text || ':' || a.rolcanlogin::text || ':' || coalesce(a.rolpassword, '') || ':' || coalesce(a.rolvaliduntil::text, '') || ':' || a.rolconnlimit::text || ':' || coalesce(shobj_description(a.oid, 'pg_authid'), '') ORDER BY a.rolname)
          FROM pg_authid a WHERE a.rolname = ANY($1::text[])) AS roles,
       (SELECT array_agg(m.roleid::text || '>' || m.member::text ORDER BY m.roleid, m.member) FROM pg_auth_members m JOIN pg_roles r ON r.oid IN (m.roleid, m.member) WHERE r.rolname = ANY($1::text[])) AS memberships`,
    [roles],
  );
  return rows[0];
}

/** Logs in with a connection string and returns who and where it is, as a tenant's application would. */
export async function loginAs(connectionString: string): Promise<{ user: string; schema: string }> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ user: string; schema: string }>('SELECT current_user AS user, current_schema() AS schema');
    return rows[0]!;
  } finally {
    await client.end();
  }
}

/** A connection string for the scratch database as `username` with `password`. */
export function urlFor(databaseUrl: string, username: string, password: string): string {
  const url = new URL(databaseUrl);
  url.username = encodeURIComponent(username);
  url.password = encodeURIComponent(password);
  return url.toString();
}

/** Whether logging in with this password is refused (28P01). */
export async function loginRefused(connectionString: string): Promise<boolean> {
  try {
    await loginAs(connectionString);
    return false;
  } catch (error) {
    return (error as { code?: string }).code === '28P01';
  }
}

/** The tables of a tenant's schema (Kysely's own left out) and who owns each. */
export async function tableOwners(client: pg.Client, schema: string): Promise<Record<string, string>> {
  const { rows } = await client.query<{ table: string; owner: string }>(
    `SELECT tablename AS table, tableowner AS owner FROM pg_tables WHERE schemaname = $1 AND tablename NOT LIKE 'kysely_%' ORDER BY 1`,
    [schema],
  );
  return Object.fromEntries(rows.map((row) => [row.table, row.owner]));
}
