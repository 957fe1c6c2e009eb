import { sql, type CompiledQuery } from 'kysely';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../page-size.js';
import type { MysqlFlavor } from './mysql-dialect-config.js';
import { accountsTable, globalPrivilegeExpression, lockedExpression, pluginExpression } from './mysql-accounts.js';
import { escapeGrantDatabase } from './mysql-identifiers.js';
import { mysqlCompiler } from './mysql-query-compiler.js';
import { registryTable, type MysqlTenantState } from './mysql-registry.js';
import { MYSQL_REGISTRY_TABLE } from './mysql-dialect-config.js';

/** What the dialect needs to write catalog queries. */
export interface MysqlCatalogContext {
  readonly flavor: MysqlFlavor;
  readonly registryDatabase: string;
  readonly tenantHost: string;
}

/** Before a create, under its locks: what already holds either name. */
export interface MysqlCreateStateRow {
  /** Accounts named `username`, on any host. */
  accounts_with_name: number;
  /** Of those, the one on the tenant host. */
  account_exists: number;
  /** 1 when that account is locked. */
  account_locked: number | null;
  /** Databases named `schemaName` the admin can see. */
  database_exists: number;
  /** The registry row of exactly these two names, if any. */
  own_state: MysqlTenantState | null;
  own_host: string | null;
  /** Registry rows holding one of the names with another partner. */
  schema_taken: number;
  user_taken: number;
}

/**
 * The create check: one row.
 *
 * The generated SQL (MariaDB):
 * ```sql
 * SELECT (SELECT COUNT(*) FROM `mysql`.`global_priv` a WHERE a.User = ?) AS accounts_with_name, ...
 * ```
 */
export function createStateQuery(context: MysqlCatalogContext, schemaName: string, username: string): CompiledQuery<MysqlCreateStateRow> {
  const registry = registryTable(context.registryDatabase);
  const accounts = accountsTable(context.flavor);
  return sql<MysqlCreateStateRow>`SELECT
  (SELECT COUNT(*) FROM ${accounts} a WHERE a.User = ${username}) AS accounts_with_name,
  (SELECT COUNT(*) FROM ${accounts} a WHERE a.User = ${username} AND a.Host = ${context.tenantHost}) AS account_exists,
  (SELECT MAX(${lockedExpression(context.flavor, 'a')}) FROM ${accounts} a WHERE a.User = ${username} AND a.Host = ${context.tenantHost}) AS account_locked,
  (SELECT COUNT(*) FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME = ${schemaName}) AS database_exists,
  (SELECT r.state FROM ${registry} r WHERE r.schema_name = ${schemaName} AND r.username = ${username}) AS own_state,
  (SELECT r.host FROM ${registry} r WHERE r.schema_name = ${schemaName} AND r.username = ${username}) AS own_host,
  (SELECT COUNT(*) FROM ${registry} r WHERE r.schema_name = ${schemaName} AND r.username <> ${username}) AS schema_taken,
  (SELECT COUNT(*) FROM ${registry} r WHERE r.username = ${username} AND r.schema_name <> ${schemaName}) AS user_taken`.compile(mysqlCompiler);
}

/** One registry row with the state of its objects. */
export interface MysqlTenantRow {
  schema_name: string;
  username: string;
  host: string;
  state: MysqlTenantState;
  created_at: Date;
  /** 1 when the account exists and is locked, 0 when unlocked, null when missing. */
  account_locked: number | null;
  database_exists: number;
}

/** A registry row counts as a tenant (see {@link MysqlTenantState}). */
function listedCondition(context: MysqlCatalogContext) {
  const accounts = accountsTable(context.flavor);
  return sql`(r.state = 'active' OR (r.state = 'unlocking' AND EXISTS (SELECT 1 FROM ${accounts} a WHERE a.User = r.username AND a.Host = r.host AND NOT ${lockedExpression(context.flavor, 'a')})))`;
}

function tenantColumns(context: MysqlCatalogContext) {
  const accounts = accountsTable(context.flavor);
  return sql`r.schema_name, r.username, r.host, r.state, r.created_at,
  (SELECT MAX(${lockedExpression(context.flavor, 'a')}) FROM ${accounts} a WHERE a.User = r.username AND a.Host = r.host) AS account_locked,
  (SELECT COUNT(*) FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME = r.schema_name) AS database_exists`;
}

/** Default and maximum page sizes of {@link listTenantsQuery}. */

/**
 * One page of tenants, keyset-paginated on the database name (byte order).
 * Half-made and half-removed tenants are never listed.
 */
export function listTenantsQuery(context: MysqlCatalogContext, spec: { limit?: number; after?: string | undefined } = {}): CompiledQuery<MysqlTenantRow> {
  const limit = spec.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) throw new RangeError(`limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  const after = spec.after === undefined ? sql`` : sql` AND r.schema_name > ${spec.after}`;
  // LIMIT inlined: a validated integer (mysql2 sends JS numbers as DOUBLE, which LIMIT ? refuses on MySQL 8).
  return sql<MysqlTenantRow>`SELECT ${tenantColumns(context)}
FROM ${registryTable(context.registryDatabase)} r
WHERE ${listedCondition(context)}${after}
ORDER BY r.schema_name
LIMIT ${sql.lit(limit)}`.compile(mysqlCompiler);
}

/** The registry row of `schemaName` (any state): for `getTenant`, `tenantExists` and remove's check. */
export function tenantRowQuery(context: MysqlCatalogContext, schemaName: string): CompiledQuery<MysqlTenantRow & { listed: number }> {
  return sql<MysqlTenantRow & { listed: number }>`SELECT ${tenantColumns(context)}, ${listedCondition(context)} AS listed
FROM ${registryTable(context.registryDatabase)} r
WHERE r.schema_name = ${schemaName}`.compile(mysqlCompiler);
}

/** Before remove or rotate: the registry row, and what exists of the two names. */
export interface MysqlManagedStateRow {
  state: MysqlTenantState | null;
  registered_username: string | null;
  registered_host: string | null;
  username_registered_for: string | null;
  account_exists: number;
  database_exists: number;
}

export function managedStateQuery(context: MysqlCatalogContext, schemaName: string, username: string): CompiledQuery<MysqlManagedStateRow> {
  const registry = registryTable(context.registryDatabase);
  return sql<MysqlManagedStateRow>`SELECT
  (SELECT r.state FROM ${registry} r WHERE r.schema_name = ${schemaName}) AS state,
  (SELECT r.username FROM ${registry} r WHERE r.schema_name = ${schemaName}) AS registered_username,
  (SELECT r.host FROM ${registry} r WHERE r.schema_name = ${schemaName}) AS registered_host,
  (SELECT r.schema_name FROM ${registry} r WHERE r.username = ${username}) AS username_registered_for,
  (SELECT COUNT(*) FROM ${accountsTable(context.flavor)} a WHERE a.User = ${username}) AS account_exists,
  (SELECT COUNT(*) FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME = ${schemaName}) AS database_exists`.compile(mysqlCompiler);
}

/** Sessions of the tenant's user that are still alive (not already marked `Killed`). */
export interface MysqlSessionsRow {
  sessions: number;
}

export function liveSessionsQuery(username: string): CompiledQuery<MysqlSessionsRow> {
  return sql<MysqlSessionsRow>`SELECT COUNT(*) AS sessions FROM information_schema.PROCESSLIST p WHERE p.USER = ${username} AND p.COMMAND <> 'Killed'`.compile(mysqlCompiler);
}

/** Ids of a user's sessions (MySQL 8 has no `KILL ... USER`: kill each id). */
export function sessionIdsQuery(username: string): CompiledQuery<{ id: number }> {
  return sql<{ id: number }>`SELECT p.ID AS id FROM information_schema.PROCESSLIST p WHERE p.USER = ${username} AND p.COMMAND <> 'Killed'`.compile(mysqlCompiler);
}

/** What `verifyTenant` reads: one row. */
export interface MysqlVerificationRow {
  state: MysqlTenantState | null;
  registered_host: string | null;
  database_exists: number;
  account_exists: number;
  account_locked: number | null;
  global_privilege: number | null;
  plugin: string | null;
  /** mysql.db rows of the account on other databases (or patterns). */
  other_database_grants: number;
  /** 1 when the account holds every database privilege on its own database. */
  full_own_grant: number;
  /** mysql.db rows of the account WITH GRANT OPTION. */
  grant_option: number;
  /** Rows in tables_priv, columns_priv, procs_priv, proxies_priv, roles_mapping. */
  object_grants: number;
  /** Other accounts with a grant naming the tenant's database exactly. */
  other_accounts_on_database: number;
}

const DB_PRIVILEGE_COLUMNS = [
  'Select_priv', 'Insert_priv', 'Update_priv', 'Delete_priv', 'Create_priv', 'Drop_priv', 'References_priv', 'Index_priv',
  'Alter_priv', 'Create_tmp_table_priv', 'Lock_tables_priv', 'Create_view_priv', 'Show_view_priv', 'Create_routine_priv',
  'Alter_routine_priv', 'Execute_priv', 'Event_priv', 'Trigger_priv',
];

/**
 * The catalog facts a tenant's isolation rests on, read from `mysql.*` and
 * information_schema only (never a tenant object).
 */
export function verificationQuery(context: MysqlCatalogContext, schemaName: string, username: string): CompiledQuery<MysqlVerificationRow> {
  const registry = registryTable(context.registryDatabase);
  const accounts = accountsTable(context.flavor);
  const host = context.tenantHost;
  const escaped = escapeGrantDatabase(schemaName);
  const mysqlTable = (name: string) => sql`${sql.id('mysql')}.${sql.id(name)}`;
  const objectGrantTables = context.flavor === 'mariadb'
    ? sql`(SELECT COUNT(*) FROM ${mysqlTable('tables_priv')} t WHERE t.User = ${username})
    + (SELECT COUNT(*) FROM ${mysqlTable('columns_priv')} t WHERE t.User = ${username})
    + (SELECT COUNT(*) FROM ${mysqlTable('procs_priv')} t WHERE t.User = ${username})
    + (SELECT COUNT(*) FROM ${mysqlTable('proxies_priv')} t WHERE t.User = ${username})
    + (SELECT COUNT(*) FROM ${mysqlTable('roles_mapping')} t WHERE t.User = ${username})`
    : sql`(SELECT COUNT(*) FROM ${mysqlTable('tables_priv')} t WHERE t.User = ${username})
    + (SELECT COUNT(*) FROM ${mysqlTable('columns_priv')} t WHERE t.User = ${username})
    + (SELECT COUNT(*) FROM ${mysqlTable('procs_priv')} t WHERE t.User = ${username})
    + (SELECT COUNT(*) FROM ${mysqlTable('proxies_priv')} t WHERE t.User = ${username})
    + (SELECT COUNT(*) FROM ${mysqlTable('role_edges')} t WHERE t.TO_USER = ${username})`;
  return sql<MysqlVerificationRow>`SELECT
  (SELECT r.state FROM ${registry} r WHERE r.schema_name = ${schemaName} AND r.username = ${username}) AS state,
  (SELECT r.host FROM ${registry} r WHERE r.schema_name = ${schemaName} AND r.username = ${username}) AS registered_host,
  (SELECT COUNT(*) FROM information_schema.SCHEMATA s WHERE s.SCHEMA_NAME = ${schemaName}) AS database_exists,
  (SELECT COUNT(*) FROM ${accounts} a WHERE a.User = ${username} AND a.Host = ${host}) AS account_exists,
  (SELECT MAX(${lockedExpression(context.flavor, 'a')}) FROM ${accounts} a WHERE a.User = ${username} AND a.Host = ${host}) AS account_locked,
  (SELECT MAX(${globalPrivilegeExpression(context.flavor, 'a')}) FROM ${accounts} a WHERE a.User = ${username}) AS global_privilege,
  (SELECT MAX(${pluginExpression(context.flavor, 'a')}) FROM ${accounts} a WHERE a.User = ${username} AND a.Host = ${host}) AS plugin,
  (SELECT COUNT(*) FROM ${mysqlTable('db')} d WHERE d.User = ${username} AND NOT (d.Db = ${escaped} AND d.Host = ${host})) AS other_database_grants,
  (SELECT COUNT(*) FROM ${mysqlTable('db')} d WHERE d.User = ${username} AND d.Host = ${host} AND d.Db = ${escaped} AND ${sql.join(DB_PRIVILEGE_COLUMNS.map((c) => sql`${sql.ref(`d.${c}`)} = 'Y'`), sql` AND `)}) AS full_own_grant,
  (SELECT COUNT(*) FROM ${mysqlTable('db')} d WHERE d.User = ${username} AND d.Grant_priv = 'Y') AS grant_option,
  (${objectGrantTables}) AS object_grants,
  (SELECT COUNT(*) FROM ${mysqlTable('db')} d WHERE d.Db = ${escaped} AND d.User <> ${username}) AS other_accounts_on_database`.compile(mysqlCompiler);
}

/**
 * What is wrong with a tenant, in words; empty when its isolation holds.
 * `expectedPlugin`: `mysql_native_password` (MariaDB) or `caching_sha2_password`.
 */
export function readVerification(row: MysqlVerificationRow | undefined, expectedPlugin: string): string[] {
  if (row === undefined) return ['the verification query returned no row'];
  const problems: string[] = [];
  const n = (v: unknown) => Number(v ?? 0);
  if (row.state !== 'active') problems.push(row.state === null ? 'no registry row for this database and user' : `registry state is ${row.state}, not active`);
  if (n(row.database_exists) !== 1) problems.push('the database does not exist');
  if (n(row.account_exists) !== 1) problems.push('the account does not exist on the tenant host');
  if (n(row.account_locked) === 1) problems.push('the account is locked');
  if (n(row.global_privilege) !== 0) problems.push('the user holds a global privilege');
  if (row.plugin !== null && row.plugin !== expectedPlugin) problems.push(`the account authenticates with ${row.plugin}, not ${expectedPlugin}`);
  if (n(row.other_database_grants) !== 0) problems.push('the user holds grants on other databases or other hosts');
  if (n(row.full_own_grant) !== 1) problems.push('the user lacks some privilege on its own database');
  if (n(row.grant_option) !== 0) problems.push('the user holds GRANT OPTION');
  if (n(row.object_grants) !== 0) problems.push('the user holds table, column, routine, proxy or role grants');
  if (n(row.other_accounts_on_database) !== 0) problems.push('another account holds a grant on the tenant database');
  return problems;
}

/** Server facts: one row. */
export interface MysqlServerFactsRow {
  version: string;
  database: string | null;
  admin: string;
  is_super: number;
}

export function serverFactsQuery(): CompiledQuery<MysqlServerFactsRow> {
  return sql<MysqlServerFactsRow>`SELECT VERSION() AS version, DATABASE() AS ${sql.id('database')}, CURRENT_USER() AS admin,
  (SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES p WHERE p.PRIVILEGE_TYPE = 'SUPER'
    AND p.GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')) AS is_super`.compile(mysqlCompiler);
}

/** Whether `prepare` already made the registry (its table exists): 1 or 0. */
export function registryExistsQuery(context: MysqlCatalogContext): CompiledQuery<{ prepared: number }> {
  return sql<{ prepared: number }>`SELECT COUNT(*) AS prepared FROM information_schema.TABLES
WHERE TABLE_SCHEMA = ${context.registryDatabase} AND TABLE_NAME = ${MYSQL_REGISTRY_TABLE}`.compile(mysqlCompiler);
}
