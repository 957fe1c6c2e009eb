import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, sql, type RawBuilder } from 'kysely';
import { advisoryLockKey } from '../advisory-lock-key.js';
import { runStep, type PlanStep } from '../executable-plan.js';
import { Statement } from '../statement.js';
import { encodeMarker, MARKER_PREFIX, MARKER_VERSION } from '../tenant-marker.js';
import {
  NOT_PREPARED_SQLSTATE,
  PRIVILEGED_SETTING_SQLSTATE,
  SCHEMA_SHADOWS_ROLE_SQLSTATE,
  UNSAFE_ROLE_GRANT_SQLSTATE,
} from '../dialect/postgres/postgres-plan-specs.js';
import { pinSearchPathStatement, REDACTED_VERIFIER, type FullCreateTenantSpec } from '../dialect/postgres/postgres-tenant-statements.js';

/*
 * The create plan's steps (and the statements createTenant with migrations
 * adds: the role marker patch's settings, the role switch; the lock timeout
 * every admin transaction starts with) as they were
 * built before they became plain text:
 * every statement compiled by Kysely, with the string-literal quoting the
 * compiler had then, copied here so the reference shares no quoting code with
 * what it checks. Only the property test that compares the two uses it
 * (postgres-create-plan-text.test.ts). `SET LOCAL search_path` was a constant
 * string then too, and is taken as it is.
 */

/** The compiler as it was: Kysely's PostgreSQL compiler, `E'...'` for a value with a backslash. */
class ReferenceQueryCompiler extends PostgresQueryCompiler {
  protected override appendStringLiteral(value: string): void {
    const quoted = value.replace(/'/g, "''");
    if (value.includes('\\')) {
      this.append(`E'${quoted.replace(/\\/g, '\\\\')}'`);
    } else {
      this.append(`'${quoted}'`);
    }
  }
}

const compiler = new Kysely<Record<string, never>>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new ReferenceQueryCompiler(),
  },
});

/** Compiles as the create plan's statements were compiled. */
export function referenceCompileDdl(statement: RawBuilder<unknown>): string {
  const compiled = statement.compile(compiler);
  if (compiled.parameters.length > 0) {
    throw new Error('DDL must not carry bind parameters; use sql.id or sql.lit.');
  }
  return compiled.sql;
}

const ROLE_ATTRIBUTES = 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS';
const DEFAULT_PRIVILEGE_KINDS = ['TABLES', 'SEQUENCES', 'FUNCTIONS', 'TYPES'] as const;

function lockStatement(schemaName: string, username: string): Statement {
  return lockNamesStatement([schemaName], [username]);
}

function lockNamesStatement(schemaNames: readonly string[], usernames: readonly string[]): Statement {
  const keys = [...new Set([...schemaNames.map((name) => advisoryLockKey('schema', name)), ...usernames.map((name) => advisoryLockKey('role', name))])].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const locks = sql.join(keys.map((key) => sql`pg_advisory_xact_lock(${sql.lit(key)})`));
  return new Statement('lock the tenant names until commit', referenceCompileDdl(sql`SELECT ${locks}`));
}

export function referenceCreateTenantSteps(spec: FullCreateTenantSpec): PlanStep[] {
  // No `SET LOCAL standard_conforming_strings`: the server parses the whole
  // plan before running any of it. The compiler writes literals that mean the
  // same under either setting instead (see SettingProofQueryCompiler).
  return [runStep([pinSearchPathStatement(), lockStatement(spec.schemaName, spec.username)]), runStep(createTenantStatements(spec))];
}

function defaultPrivilegeStatements(schemaName: string, username: string): Statement[] {
  return DEFAULT_PRIVILEGE_KINDS.map(
    (kind) =>
      new Statement(
        `give the tenant all rights on ${kind.toLowerCase()} the admin creates in its schema`,
        referenceCompileDdl(sql`ALTER DEFAULT PRIVILEGES IN SCHEMA ${sql.id(schemaName)} GRANT ALL ON ${sql.raw(kind)} TO ${sql.id(username)}`),
      ),
  );
}

function schemaMarkerStatement(spec: Pick<FullCreateTenantSpec, 'schemaName' | 'username' | 'createdAt' | 'labels' | 'memberOf'>): Statement {
  const schema = sql.id(spec.schemaName);
  return new Statement(
      'mark the schema as a Tenantry tenant',
      referenceCompileDdl(
        sql`COMMENT ON SCHEMA ${schema} IS ${sql.lit(
          encodeMarker({
            v: MARKER_VERSION,
            role: spec.username,
            createdAt: spec.createdAt.toISOString(),
            ...(Object.keys(spec.labels).length > 0 ? { labels: spec.labels } : {}),
            ...(spec.memberOf.length > 0 ? { memberOf: [...spec.memberOf] } : {}),
          }),
        )}`,
      ),
    );
}

function createTenantStatements(spec: FullCreateTenantSpec): Statement[] {
  const schema = sql.id(spec.schemaName);
  const role = sql.id(spec.username);
  const statements = [
    ...guardStatements(spec),
    ...(Object.keys(spec.settings).length > 0 ? userSettableSettingsGuard(Object.keys(spec.settings)) : []),
    ...(spec.memberOf.length > 0 || spec.grantTo.length > 0 ? safeRoleGrantsGuard(spec.memberOf, spec.grantTo) : []),
  ];
  const validUntil = spec.validUntil ? sql` VALID UNTIL ${sql.lit(spec.validUntil.toISOString())}` : sql``;
  const createRole = (verifier: string) =>
    referenceCompileDdl(
      sql`CREATE ROLE ${role} WITH ${sql.raw(ROLE_ATTRIBUTES)} CONNECTION LIMIT ${sql.lit(spec.connectionLimit)}${validUntil} PASSWORD ${sql.lit(verifier)}`,
    );
  statements.push(
    new Statement('create the login role, password as a SCRAM verifier', createRole(spec.passwordVerifier), createRole(REDACTED_VERIFIER)),
    new Statement("create the schema, owned by the admin so the tenant cannot drop it or change its marker", referenceCompileDdl(sql`CREATE SCHEMA ${schema}`)),
    // No GRANT CONNECT ON DATABASE: each such grant rewrites the database's single
    // pg_database row, so concurrent creates fail with "tuple concurrently updated".
    // Tenants connect through PUBLIC's CONNECT, as every role does by default.
    new Statement('let the tenant use and create objects in its schema', referenceCompileDdl(sql`GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${role}`)),
    ...defaultPrivilegeStatements(spec.schemaName, spec.username),
    new Statement(
      "resolve the tenant's unqualified names in its own schema only",
      referenceCompileDdl(sql`ALTER ROLE ${role} IN DATABASE ${sql.id(spec.database)} SET search_path = ${schema}`),
    ),
    ...Object.entries(spec.settings).map(
      ([name, value]) =>
        new Statement(
          `set ${name} for the tenant in this database`,
          referenceCompileDdl(sql`ALTER ROLE ${role} IN DATABASE ${sql.id(spec.database)} SET ${sql.raw(name)} = ${sql.lit(value)}`),
        ),
    ),
    ...spec.memberOf.map(
      (other) => new Statement(`make the tenant a member of ${other}`, referenceCompileDdl(sql`GRANT ${sql.id(other)} TO ${role}`)),
    ),
    ...spec.grantTo.map(
      (other) => new Statement(`give ${other} the tenant's rights`, referenceCompileDdl(sql`GRANT ${role} TO ${sql.id(other)}`)),
    ),
    schemaMarkerStatement(spec),
    roleMarkerStatement(spec),
  );
  return statements;
}

function roleMarkerStatement(spec: { username: string; schemaName: string; database: string }): Statement {
  const marker = encodeMarker({ v: MARKER_VERSION, schema: spec.schemaName, database: spec.database });
  return new Statement(
    'mark the role as a Tenantry tenant',
    referenceCompileDdl(sql`COMMENT ON ROLE ${sql.id(spec.username)} IS ${sql.lit(marker)}`),
  );
}

function guardStatements(spec: FullCreateTenantSpec): Statement[] {
  const names = new Statement(
    'hand the tenant names to the checks below',
    referenceCompileDdl(
      sql`SELECT pg_catalog.set_config('tenantry.schema_name', ${sql.lit(spec.schemaName)}, true), pg_catalog.set_config('tenantry.username', ${sql.lit(spec.username)}, true)`,
    ),
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

function userSettableSettingsGuard(settingNames: readonly string[]): Statement[] {
  const body =
    `DECLARE refused text; BEGIN ` +
    `SELECT pg_catalog.string_agg(pg_catalog.format('"%s" (%s)', s.name, s.context), ', ' ORDER BY s.name) INTO refused ` +
    `FROM pg_catalog.pg_settings s ` +
    `WHERE s.name IN (SELECT pg_catalog.lower(t.v) FROM pg_catalog.jsonb_array_elements_text(pg_catalog.current_setting('tenantry.settings')::pg_catalog.jsonb) AS t(v)) ` +
    `AND s.context <> 'user'; ` +
    `IF refused IS NOT NULL THEN RAISE EXCEPTION 'Settings a tenant may not be given (only a superuser or the server configuration may set them): %', refused ` +
    `USING ERRCODE = '${PRIVILEGED_SETTING_SQLSTATE}', DETAIL = 'settings'; END IF; END`;
  return [
    new Statement(
      'hand the setting names to the check below',
      referenceCompileDdl(sql`SELECT pg_catalog.set_config('tenantry.settings', ${sql.lit(JSON.stringify(settingNames))}, true)`),
    ),
    new Statement('refuse settings a plain user could not set itself', `DO $tenantry$ ${body} $tenantry$`),
  ];
}

function safeRoleGrantsGuard(memberOf: readonly string[], grantTo: readonly string[]): Statement[] {
  const named = (setting: string, field: string) =>
    `SELECT r.rolname::text, '${field}', r.oid FROM pg_catalog.jsonb_array_elements_text(pg_catalog.current_setting('${setting}')::pg_catalog.jsonb) AS g(name) ` +
    `JOIN pg_catalog.pg_roles r ON r.rolname = g.name`;
  const body =
    `DECLARE hit record; BEGIN ` +
    `WITH RECURSIVE reach(asked, field, oid) AS (` +
    `${named('tenantry.member_of', 'memberOf')} UNION ${named('tenantry.grant_to', 'grantTo')} ` +
    `UNION SELECT reach.asked, reach.field, m.roleid FROM reach JOIN pg_catalog.pg_auth_members m ON m.member = reach.oid), ` +
    `judged AS (SELECT reach.asked, reach.field, r.rolname::text AS role, CASE ` +
    `WHEN r.rolname = current_user THEN 'is the admin role' ` +
    `WHEN r.rolsuper THEN 'has SUPERUSER' WHEN r.rolcreaterole THEN 'has CREATEROLE' WHEN r.rolcreatedb THEN 'has CREATEDB' ` +
    `WHEN r.rolreplication THEN 'has REPLICATION' WHEN r.rolbypassrls THEN 'has BYPASSRLS' ` +
    `WHEN pg_catalog.left(r.rolname, 3) = 'pg_' THEN 'is a predefined role' ` +
    `WHEN pg_catalog.left(pg_catalog.shobj_description(r.oid, 'pg_authid'), ${MARKER_PREFIX.length}) = '${MARKER_PREFIX}' THEN 'is a role Tenantry made for another tenant' ` +
    `END AS reason FROM reach JOIN pg_catalog.pg_roles r ON r.oid = reach.oid) ` +
    `SELECT * INTO hit FROM judged WHERE reason IS NOT NULL ORDER BY field DESC, asked, role LIMIT 1; ` +
    `IF FOUND THEN RAISE EXCEPTION '%', CASE WHEN hit.role = hit.asked ` +
    `THEN pg_catalog.format('%s "%s" is refused: it %s.', hit.field, hit.asked, hit.reason) ` +
    `ELSE pg_catalog.format('%s "%s" is refused: it is a member of "%s", which %s.', hit.field, hit.asked, hit.role, hit.reason) END ` +
    `USING ERRCODE = '${UNSAFE_ROLE_GRANT_SQLSTATE}', DETAIL = hit.field; END IF; END`;
  return [
    new Statement(
      'hand the roles to grant to the check below',
      referenceCompileDdl(
        sql`SELECT pg_catalog.set_config('tenantry.member_of', ${sql.lit(JSON.stringify(memberOf))}, true), pg_catalog.set_config('tenantry.grant_to', ${sql.lit(JSON.stringify(grantTo))}, true)`,
      ),
    ),
    new Statement(
      'refuse memberships that would give the tenant, or hand its rights to, the admin, a privileged, predefined or Tenantry role',
      `DO $tenantry$ ${body} $tenantry$`,
    ),
  ];
}

/** The first statement of `patchRoleMarkerStatements` (the migration ledger, a suspension mark), compiled as it was. */
export function referencePatchRoleMarkerSettings(username: string, patch: Readonly<Record<string, unknown>>): string {
  return referenceCompileDdl(
    sql`SELECT pg_catalog.set_config('tenantry.marker_role', ${sql.lit(username)}, true), pg_catalog.set_config('tenantry.marker_patch', ${sql.lit(JSON.stringify(patch))}, true)`,
  );
}

/** `grantSetRoleStatement`, `revokeSetRoleStatement` and `enterTenantStatements` (the migrations' role switch), compiled as they were. */
export function referenceRoleSwitchStatements(role: string, member: string, schemaName: string, options: { roleGrantOptions: boolean; ownGrant: boolean }): string[] {
  const withOptions = !options.roleGrantOptions ? sql`` : options.ownGrant ? sql` WITH SET TRUE` : sql` WITH SET TRUE, INHERIT FALSE`;
  const what = options.roleGrantOptions && options.ownGrant ? sql`SET OPTION FOR ${sql.id(role)}` : sql.id(role);
  return [
    referenceCompileDdl(sql`GRANT ${sql.id(role)} TO ${sql.id(member)}${withOptions}`),
    referenceCompileDdl(sql`REVOKE ${what} FROM ${sql.id(member)}`),
    referenceCompileDdl(sql`SET LOCAL search_path = ${sql.id(schemaName)}`),
    referenceCompileDdl(sql`SET LOCAL ROLE ${sql.id(role)}`),
  ];
}

/** The lock timeout statement every admin transaction starts with, compiled as it was. */
export function referenceLockTimeoutStatement(millis: number): string {
  return referenceCompileDdl(sql`SET LOCAL lock_timeout = ${sql.lit(millis)}`);
}
