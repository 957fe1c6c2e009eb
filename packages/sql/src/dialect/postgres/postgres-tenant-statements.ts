import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { quoteIdentifier, quoteLiteral } from '../../sql-quoting.js';
import { Statement } from '../../statement.js';
import { advisoryLockKey } from '../../advisory-lock-key.js';
import { encodeMarker, MARKER_VERSION } from '../../tenant-marker.js';
import { SESSION_EXIT_WAIT_MILLIS, terminateRoleSessionsStatement } from './postgres-session-statements.js';
import { tenantCredentialsStatements } from './postgres-tenant-credentials-block.js';
import { safeRoleGrantsGuard, userSettableSettingsGuard } from './postgres-grant-guards.js';
import { runStep, type PlanStep } from '../../executable-plan.js';
import { removalCheckStep } from './postgres-removal-check.js';
import {
  NOT_PREPARED_SQLSTATE,
  SCHEMA_SHADOWS_ROLE_SQLSTATE,
  type CreateTenantSpec,
  type RemoveTenantSpec,
} from './postgres-plan-specs.js';

/** What a dry run shows in place of a password verifier. */
export const REDACTED_VERIFIER = '[redacted SCRAM-SHA-256 verifier]';

/** Every attribute spelled out, so no server default or future default can widen the role. */
const ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS';

/** A create spec with every optional field filled in. */
export type FullCreateTenantSpec = Required<Omit<CreateTenantSpec, 'validUntil'>> & Pick<CreateTenantSpec, 'validUntil'>;

/** Object kinds whose default privileges give the tenant everything the admin creates in its schema. */
const DEFAULT_PRIVILEGE_KINDS = ['TABLES', 'SEQUENCES', 'FUNCTIONS', 'TYPES'] as const;

/**
 * Resolves every name the admin's statements use in pg_catalog only. Without
 * it, a schema named like the admin role would be on the admin's default
 * search_path ("$user"), and a tenant could plant a function there that wins
 * overload resolution over a built-in the admin calls.
 */
export function pinSearchPathStatement(): Statement {
  return new Statement("resolve names in pg_catalog only, never in a tenant's schema", 'SET LOCAL search_path = pg_catalog, pg_temp');
}

/** Serialises plans that touch the same names; keys in ascending order so two plans never deadlock. */
export function lockStatement(schemaName: string, username: string): Statement {
  return lockNamesStatement([schemaName], [username]);
}

/** `lockStatement` for several names at once (a rename locks the old and the new ones), each key once, ascending. */
export function lockNamesStatement(schemaNames: readonly string[], usernames: readonly string[]): Statement {
  const keys = [...new Set([...schemaNames.map((name) => advisoryLockKey('schema', name)), ...usernames.map((name) => advisoryLockKey('role', name))])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const locks = keys.map((key) => `pg_advisory_xact_lock(${key})`).join(', ');
  return new Statement('lock the tenant names until commit', `SELECT ${locks}`);
}

/*
 * The create plan's statements are built as plain text with `quoteIdentifier`
 * and `quoteLiteral`, not compiled: it is built on every createTenant, and a
 * compilation per statement cost more client CPU than the rest of the call.
 * The text is the same, byte for byte, as the compiler writes
 * (postgres-create-plan-text.test.ts).
 */

/**
 * The steps that create one tenant, sent in one round trip: the first takes
 * the tenant's locks (with names resolved in pg_catalog only), the second
 * makes it. A variant of the dialect (Citus) checks the cluster between them,
 * under the locks, before anything is made.
 */
export function createTenantSteps(spec: FullCreateTenantSpec): PlanStep[] {
  // No `SET LOCAL standard_conforming_strings`: the server parses the whole
  // plan before running any of it. The compiler writes literals that mean the
  // same under either setting instead (see SettingProofQueryCompiler).
  return [runStep([pinSearchPathStatement(), lockStatement(spec.schemaName, spec.username)]), runStep(createTenantStatements(spec))];
}

/** Default privileges: the tenant gets all rights on what the admin creates in its schema. */
export function defaultPrivilegeStatements(schemaName: string, username: string): Statement[] {
  return DEFAULT_PRIVILEGE_KINDS.map(
    (kind) =>
      new Statement(
        `give the tenant all rights on ${kind.toLowerCase()} the admin creates in its schema`,
        `ALTER DEFAULT PRIVILEGES IN SCHEMA ${quoteIdentifier(schemaName)} GRANT ALL ON ${kind} TO ${quoteIdentifier(username)}`,
      ),
  );
}

/** The schema's marker: Tenantry's, naming the role (and the labels and memberships asked for). */
export function schemaMarkerStatement(spec: Pick<FullCreateTenantSpec, 'schemaName' | 'username' | 'createdAt' | 'labels' | 'memberOf'>): Statement {
  const marker = encodeMarker({
    v: MARKER_VERSION,
    role: spec.username,
    createdAt: spec.createdAt.toISOString(),
    ...(Object.keys(spec.labels).length > 0 ? { labels: spec.labels } : {}),
    ...(spec.memberOf.length > 0 ? { memberOf: [...spec.memberOf] } : {}),
  });
  return new Statement('mark the schema as a Tenantry tenant', `COMMENT ON SCHEMA ${quoteIdentifier(spec.schemaName)} IS ${quoteLiteral(marker)}`);
}

/** The statements that make one tenant, under its locks, in order. */
function createTenantStatements(spec: FullCreateTenantSpec): Statement[] {
  const schema = quoteIdentifier(spec.schemaName);
  const role = quoteIdentifier(spec.username);
  const database = quoteIdentifier(spec.database);
  const statements = [
    ...guardStatements(spec),
    ...(Object.keys(spec.settings).length > 0 ? userSettableSettingsGuard(Object.keys(spec.settings)) : []),
    ...(spec.memberOf.length > 0 || spec.grantTo.length > 0 ? safeRoleGrantsGuard(spec.memberOf, spec.grantTo) : []),
  ];
  const validUntil = spec.validUntil ? ` VALID UNTIL ${quoteLiteral(spec.validUntil.toISOString())}` : '';
  const createRole = (verifier: string) =>
    `CREATE ROLE ${role} WITH ${ROLE_ATTRIBUTES} CONNECTION LIMIT ${spec.connectionLimit}${validUntil} PASSWORD ${quoteLiteral(verifier)}`;
  statements.push(
    new Statement('create the login role, password as a SCRAM verifier', createRole(spec.passwordVerifier), createRole(REDACTED_VERIFIER)),
    new Statement("create the schema, owned by the admin so the tenant cannot drop it or change its marker", `CREATE SCHEMA ${schema}`),
    // No GRANT CONNECT ON DATABASE: each such grant rewrites the database's single
    // pg_database row, so concurrent creates fail with "tuple concurrently updated".
    // Tenants connect through PUBLIC's CONNECT, as every role does by default.
    new Statement('let the tenant use and create objects in its schema', `GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${role}`),
    ...defaultPrivilegeStatements(spec.schemaName, spec.username),
    new Statement(
      "resolve the tenant's unqualified names in its own schema only",
      `ALTER ROLE ${role} IN DATABASE ${database} SET search_path = ${schema}`,
    ),
    ...Object.entries(spec.settings).map(
      ([name, value]) =>
        new Statement(
          `set ${name} for the tenant in this database`,
          `ALTER ROLE ${role} IN DATABASE ${database} SET ${name} = ${quoteLiteral(value)}`,
        ),
    ),
    ...spec.memberOf.map(
      (other) => new Statement(`make the tenant a member of ${other}`, `GRANT ${quoteIdentifier(other)} TO ${role}`),
    ),
    ...spec.grantTo.map(
      (other) => new Statement(`give ${other} the tenant's rights`, `GRANT ${role} TO ${quoteIdentifier(other)}`),
    ),
    schemaMarkerStatement(spec),
    roleMarkerStatement(spec),
  );
  return statements;
}

/** The role's marker, pointing back at its schema; later facts (migrations, a suspension) are patched in (`patchRoleMarkerStatements`). */
export function roleMarkerStatement(spec: { username: string; schemaName: string; database: string }): Statement {
  const marker = encodeMarker({ v: MARKER_VERSION, schema: spec.schemaName, database: spec.database });
  return new Statement('mark the role as a Tenantry tenant', `COMMENT ON ROLE ${quoteIdentifier(spec.username)} IS ${quoteLiteral(marker)}`);
}

/**
 * Checks the server must make inside the transaction, where no race can slip
 * between check and change. The DO body is a constant: the names reach it as
 * transaction-local settings, so no name is ever spliced into dollar quotes.
 * Both checks are function calls, not catalog queries: PL/pgSQL evaluates
 * such an expression without planning a query, which a DO block (compiled
 * anew each time) would otherwise do on every create. PUBLIC may use schema
 * public when it holds USAGE or CREATE there (`has_schema_privilege` is NULL,
 * so false, when there is no schema public); a role is named like the schema
 * when `to_regrole` finds one, unless it is the tenant's own.
 */
function guardStatements(spec: FullCreateTenantSpec): Statement[] {
  const names = new Statement(
    'hand the tenant names to the checks below',
    `SELECT pg_catalog.set_config('tenantry.schema_name', ${quoteLiteral(spec.schemaName)}, true), pg_catalog.set_config('tenantry.username', ${quoteLiteral(spec.username)}, true)`,
  );
  const notPrepared = spec.requirePreparedDatabase
    ? `IF pg_catalog.has_schema_privilege('public', pg_catalog.to_regnamespace('public'), 'USAGE, CREATE') ` +
      `THEN RAISE EXCEPTION 'schema public is open to PUBLIC; run prepare first' USING ERRCODE = '${NOT_PREPARED_SQLSTATE}'; END IF; `
    : '';
  const shadowsRole =
    `IF pg_catalog.to_regrole(pg_catalog.quote_ident(pg_catalog.current_setting('tenantry.schema_name'))) IS NOT NULL ` +
    `AND pg_catalog.current_setting('tenantry.schema_name') <> pg_catalog.current_setting('tenantry.username') ` +
    `THEN RAISE EXCEPTION 'a role has the schema''s name' USING ERRCODE = '${SCHEMA_SHADOWS_ROLE_SQLSTATE}'; END IF; `;
  return [
    names,
    new Statement(
      spec.requirePreparedDatabase
        ? 'refuse a database where every role may use schema public, and a schema named like another role'
        : 'refuse a schema named like another role',
      `DO $tenantry$ BEGIN ${notPrepared}${shadowsRole}END $tenantry$`,
    ),
  ];
}

/**
 * Gives a non-superuser admin the privileges of `role` for the rest of the
 * transaction: DROP OWNED BY and ending another role's sessions need them.
 * PostgreSQL 16+ gives a CREATEROLE admin only ADMIN OPTION on the roles it
 * creates, hence INHERIT TRUE there (older versions have no WITH options).
 */
export function borrowRolePrivilegesStatement(role: string, admin: string, roleGrantOptions: boolean, purpose: string): Statement {
  const options = roleGrantOptions ? sql` WITH INHERIT TRUE, SET FALSE` : sql``;
  return new Statement(purpose, compileDdl(sql`GRANT ${sql.id(role)} TO ${sql.id(admin)}${options}`));
}

/**
 * Ends the open sessions of a tenant's role: a non-superuser admin takes on
 * the role's privileges for it (`borrowRolePrivilegesStatement`) and gives
 * them back after.
 */
export function endTenantRoleSessionsStatements(
  username: string,
  admin: { nonSuperuserAdmin: string | undefined; roleGrantOptions: boolean },
  purpose: string,
  waitMillis = 0,
): Statement[] {
  const terminate = terminateRoleSessionsStatement(username, purpose, waitMillis);
  if (admin.nonSuperuserAdmin === undefined) return [terminate];
  return [
    borrowRolePrivilegesStatement(username, admin.nonSuperuserAdmin, admin.roleGrantOptions, "take on the tenant role's privileges, which ending its sessions needs"),
    terminate,
    new Statement("give the tenant role's privileges back", compileDdl(sql`REVOKE ${sql.id(username)} FROM ${sql.id(admin.nonSuperuserAdmin)}`)),
  ];
}

/**
 * The statements that remove one tenant, in order: the end of its open
 * sessions in every database (a dropped role's sessions would go on), the
 * schema with everything in it (whoever created it), then whatever the role
 * still owns or holds in this database (large objects, grants others gave it),
 * then the role. What it has in other databases is dropped before, in each of
 * them (`dropOwnedElsewhereStatements`). The checks, under the tenant's locks,
 * are one catalog read sent with the locks (`removalCheckStep`).
 */
export function removeTenantSteps(spec: RemoveTenantSpec, roleGrantOptions: boolean): PlanStep[] {
  const role = sql.id(spec.username);
  const statements: Statement[] = [];
  if (spec.nonSuperuserAdmin !== undefined) {
    // Given up by DROP ROLE below, in this same transaction.
    statements.push(
      borrowRolePrivilegesStatement(spec.username, spec.nonSuperuserAdmin, roleGrantOptions, "take on the tenant role's privileges, which ending its sessions and DROP OWNED BY need"),
    );
  }
  statements.push(
    terminateRoleSessionsStatement(
      spec.username,
      "end the tenant's open sessions in every database, and wait for them to exit, so none holds a lock or temporary object the drops would wait for",
      SESSION_EXIT_WAIT_MILLIS,
    ),
    // Before the tenant's role goes: each credential is a member of it, and would outlive it otherwise.
    ...tenantCredentialsStatements(spec, 'drop', { nonSuperuserAdmin: spec.nonSuperuserAdmin, roleGrantOptions }, "drop every credential of the tenant, its sessions ended first"),
    new Statement('drop the schema and every object in it', compileDdl(sql`DROP SCHEMA ${sql.id(spec.schemaName)} CASCADE`)),
    new Statement("drop the role's remaining objects and privileges in this database", compileDdl(sql`DROP OWNED BY ${role}`)),
    // A login while this transaction runs still sees the role: end it too, just before the role goes.
    terminateRoleSessionsStatement(spec.username, 'end any session the tenant opened since'),
    new Statement('drop the role', compileDdl(sql`DROP ROLE ${role}`)),
  );
  // The checks go to the server with the locks, in one round trip; the drops and the commit in a second.
  const check = removalCheckStep(
    { schemaName: spec.schemaName, username: spec.username, database: spec.database, adminRole: spec.adminRole ?? spec.nonSuperuserAdmin ?? 'the admin' },
    { stageWhenLarge: spec.stageWhenLarge ?? false, nothingElsewhere: !spec.dropOwnedInOtherDatabases, roleGrantOptions },
  );
  return [runStep([pinSearchPathStatement(), lockStatement(spec.schemaName, spec.username)]), check, runStep(statements)];
}

/** The purpose of the remove plan's check, which dry runs and fault tests name. */
export { REMOVABLE_TENANT_CHECK } from './postgres-removal-check.js';
/** The purpose of the check that the role has nothing in another database (absent with `dropOwnedInOtherDatabases`). */
export const NOTHING_ELSEWHERE_CHECK = 'the role owns and holds nothing in other databases';
