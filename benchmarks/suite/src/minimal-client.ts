/**
 * Baseline 1, the "minimal secure client": what a careful engineer would write
 * with raw `pg` and `node:crypto`, no Tenantry. It computes the SCRAM verifier
 * itself and sends the very statements of `@tenantry/sql`'s create plan as one
 * query (one round trip, one implicit transaction). The script builder is a
 * plain template; `checkTemplateMatchesPlan` proves it yields the plan's exact
 * text, so the baseline does the same server work without Tenantry's planning.
 */
import { createHash, createHmac, pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import type pg from 'pg';

const pbkdf2Async = promisify(pbkdf2);

/** SCRAM-SHA-256 verifier as PostgreSQL stores it (RFC 5802/7677); PBKDF2 on libuv's thread pool. */
export async function scramVerifier(password: string, iterations = 4096): Promise<string> {
  const salt = randomBytes(16);
  const salted = await pbkdf2Async(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const b64 = (bytes: Buffer) => bytes.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
// As Tenantry writes literals: an escape string when there is a backslash, so the meaning is the same whatever standard_conforming_strings says.
const literal = (text: string) => (text.includes('\\') ? `E'${text.replace(/'/g, "''").replace(/\\/g, '\\\\')}'` : `'${text.replace(/'/g, "''")}'`);
const lockKey = (kind: string, name: string) => createHash('sha256').update(`tenantry:${kind}:${name}`).digest().readBigInt64BE(0);

const GUARD =
  `DO $tenantry$ BEGIN IF pg_catalog.has_schema_privilege('public', pg_catalog.to_regnamespace('public'), 'USAGE, CREATE') ` +
  `THEN RAISE EXCEPTION 'schema public is open to PUBLIC; run prepare first' USING ERRCODE = 'TRY01'; END IF; ` +
  `IF pg_catalog.to_regrole(pg_catalog.quote_ident(pg_catalog.current_setting('tenantry.schema_name'))) IS NOT NULL AND pg_catalog.current_setting('tenantry.schema_name') <> pg_catalog.current_setting('tenantry.username') ` +
  `THEN RAISE EXCEPTION 'a role has the schema''s name' USING ERRCODE = 'TRY02'; END IF; END $tenantry$`;

export interface TenantNames {
  schemaName: string;
  username: string;
}

/**
 * The statements of the create plan, in order. `passwordLiteral` is the SCRAM
 * verifier (this client) or the plaintext (the psql and pgbench baselines).
 */
export function createStatements(tenant: TenantNames, database: string, passwordLiteral: string, createdAt: Date): string[] {
  const s = ident(tenant.schemaName);
  const u = ident(tenant.username);
  const [k1, k2] = [lockKey('schema', tenant.schemaName), lockKey('role', tenant.username)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    'SET LOCAL search_path = pg_catalog, pg_temp',
    `SELECT pg_advisory_xact_lock(${k1}), pg_advisory_xact_lock(${k2})`,
    `SELECT pg_catalog.set_config('tenantry.schema_name', ${literal(tenant.schemaName)}, true), pg_catalog.set_config('tenantry.username', ${literal(tenant.username)}, true)`,
    GUARD,
    `CREATE ROLE ${u} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD ${literal(passwordLiteral)}`,
    `CREATE SCHEMA ${s}`,
    `GRANT USAGE, CREATE ON SCHEMA ${s} TO ${u}`,
    ...['TABLES', 'SEQUENCES', 'FUNCTIONS', 'TYPES'].map((kind) => `ALTER DEFAULT PRIVILEGES IN SCHEMA ${s} GRANT ALL ON ${kind} TO ${u}`),
    `ALTER ROLE ${u} IN DATABASE ${ident(database)} SET search_path = ${s}`,
    `COMMENT ON SCHEMA ${s} IS ${literal(`tenantry:${JSON.stringify({ v: 1, role: tenant.username, createdAt: createdAt.toISOString() })}`)}`,
    `COMMENT ON ROLE ${u} IS ${literal(`tenantry:${JSON.stringify({ v: 1, schema: tenant.schemaName, database })}`)}`,
  ];
}

/** The script the minimal client sends: the same text as `planToScript(planCreateTenant(...))`. */
export function createScript(tenant: TenantNames, database: string, verifier: string, createdAt: Date): string {
  return createStatements(tenant, database, verifier, createdAt).join(';\n') + ';';
}

/** One tenant: verifier on the client, then the whole script in one query. */
export async function minimalCreateTenant(client: pg.ClientBase, database: string, tenant: TenantNames & { password: string }, iterations = 4096): Promise<void> {
  const verifier = await scramVerifier(tenant.password, iterations);
  await client.query(createScript(tenant, database, verifier, new Date()));
}

/** The minimal client's removal: the statements of Tenantry's remove plan, without its managed-tenant checks. */
export async function minimalRemoveTenant(client: pg.ClientBase, tenant: TenantNames): Promise<void> {
  await client.query(`DROP SCHEMA ${ident(tenant.schemaName)} CASCADE; DROP OWNED BY ${ident(tenant.username)}; DROP ROLE ${ident(tenant.username)}`);
}

export function randomPassword(): string {
  // 32 characters from A-Z a-z 0-9 (the bias of `% 62` does not matter for a benchmark input).
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(32), (byte) => alphabet[byte % 62]).join('');
}
