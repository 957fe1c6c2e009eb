import { sql, type CompiledQuery } from 'kysely';
import { compileDdl, compiler } from '../../compile-sql.js';
import { quoteIdentifier } from '../../sql-quoting.js';
import { Statement } from '../../statement.js';
import { borrowRolePrivilegesStatement, lockStatement, pinSearchPathStatement, REDACTED_VERIFIER } from './postgres-tenant-statements.js';
import { MARKER_PREFIX, MARKER_VERSION } from '../../tenant-marker.js';

/**
 * Takes the advisory locks of one tenant's names until the transaction ends:
 * the same locks, in the same order, as creating and removing it, so any two
 * Tenantry operations on one tenant run one after the other.
 *
 * ```ts
 * lockTenantStatement('tenant_acme', 'acme_user').sql;
 * ```
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * SELECT pg_advisory_xact_lock(<key>), pg_advisory_xact_lock(<key>) -- the schema's and the role's keys, ascending
 * ```
 */
export function lockTenantStatement(schemaName: string, username: string): Statement {
  return lockStatement(schemaName, username);
}

/** What `canSetRoleQuery` reads. */
export interface RoleSwitchStateRow {
  /** The current user may already `SET ROLE` to the tenant (superuser, or member with SET). */
  can_set_role: boolean;
  /**
   * The current user already holds a membership grant in the tenant role that
   * it made itself (PostgreSQL 16+, e.g. from `createrole_self_grant =
   * 'inherit'`): it must be changed and restored, not created and revoked.
   */
  has_own_grant: boolean;
}

/**
 * Whether the current user can switch to `role` with `SET ROLE`, and whether
 * it holds a membership grant of its own in it. Before PostgreSQL 16 any
 * membership allows SET ROLE; from 16 on only one with the SET option does.
 *
 * ```ts
 * canSetRoleQuery('acme_user', true);
 * ```
 *
 * The generated SQL (PostgreSQL 16+):
 *
 * ```sql
 * SELECT pg_catalog.pg_has_role(current_user, $1, 'SET') AS can_set_role, EXISTS (...) AS has_own_grant
 * ```
 */
export function canSetRoleQuery(role: string, roleGrantOptions: boolean): CompiledQuery<RoleSwitchStateRow> {
  const privilege = roleGrantOptions ? 'SET' : 'MEMBER';
  const ownGrant = roleGrantOptions
    ? sql`EXISTS (SELECT 1 FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.roleid
                  WHERE r.rolname = ${role} AND m.member = me.oid AND m.grantor = me.oid)`
    : sql`false`;
  return sql<RoleSwitchStateRow>`
    SELECT pg_catalog.pg_has_role(current_user, ${role}::name, ${privilege}::text) AS can_set_role,
           ${ownGrant} AS has_own_grant
    FROM pg_catalog.pg_roles me WHERE me.rolname = current_user`.compile(compiler);
}

/**
 * Lets `member` switch to `role` with `SET ROLE`, without inheriting its
 * privileges. With `ownGrant`, the member already holds a grant of its own
 * (PostgreSQL 16+): only its SET option is turned on, and
 * `revokeSetRoleStatement` turns it off again.
 *
 * ```ts
 * grantSetRoleStatement('acme_user', 'app_admin', { roleGrantOptions: true, ownGrant: false });
 * ```
 *
 * The generated SQL (PostgreSQL 16+; older versions have no WITH options):
 *
 * ```sql
 * GRANT "acme_user" TO "app_admin" WITH SET TRUE, INHERIT FALSE
 * ```
 */
export function grantSetRoleStatement(role: string, member: string, options: { roleGrantOptions: boolean; ownGrant: boolean }): Statement {
  // Plain text, not compiled (as the create plan's): createTenant with migrations builds it on every call.
  const withOptions = !options.roleGrantOptions ? '' : options.ownGrant ? ' WITH SET TRUE' : ' WITH SET TRUE, INHERIT FALSE';
  return new Statement(`let ${member} switch to the tenant role for this transaction`, `GRANT ${quoteIdentifier(role)} TO ${quoteIdentifier(member)}${withOptions}`);
}

/**
 * Undoes `grantSetRoleStatement` with the same options: revokes the grant, or
 * only its SET option when the member held a grant of its own before.
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * REVOKE "acme_user" FROM "app_admin"
 * ```
 */
export function revokeSetRoleStatement(role: string, member: string, options: { roleGrantOptions: boolean; ownGrant: boolean }): Statement {
  const what = options.roleGrantOptions && options.ownGrant ? `SET OPTION FOR ${quoteIdentifier(role)}` : quoteIdentifier(role);
  return new Statement(`take back ${member}'s switch to the tenant role`, `REVOKE ${what} FROM ${quoteIdentifier(member)}`);
}

/**
 * Until `leaveTenantStatements` (or the end of the transaction), act as the
 * tenant: objects created belong to its role, and unqualified names resolve in
 * its schema only.
 *
 * WARNING: `SET ROLE` is not a security boundary: code that runs afterwards in
 * the same session can `RESET ROLE`. Run only trusted code under it.
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * SET LOCAL search_path = "tenant_acme";
 * SET LOCAL ROLE "acme_user"
 * ```
 */
export function enterTenantStatements(schemaName: string, username: string): Statement[] {
  return [
    new Statement("resolve unqualified names in the tenant's schema", `SET LOCAL search_path = ${quoteIdentifier(schemaName)}`),
    new Statement('act as the tenant role, so what is created belongs to it', `SET LOCAL ROLE ${quoteIdentifier(username)}`),
  ];
}

/**
 * Back to the admin after `enterTenantStatements`: its own role, names
 * resolved in pg_catalog only.
 *
 * The generated SQL (PostgreSQL):
 *
 * ```sql
 * RESET ROLE;
 * SET LOCAL search_path = pg_catalog, pg_temp
 * ```
 */
export function leaveTenantStatements(): Statement[] {
  return [new Statement('act as the admin again', 'RESET ROLE'), pinSearchPathStatement()];
}

/**
 * A short-lived login role through which an existing tenant's migrations run.
 * It can switch to the tenant's role (SET) but inherits nothing, so code of the
 * tenant's that runs during a migration and does `RESET ROLE` lands in a role
 * with no more rights than the tenant: never in the admin's session.
 *
 * The generated SQL (PostgreSQL 16+):
 *
 * ```sql
 * CREATE ROLE "tenantry_migrator_x" WITH LOGIN NOINHERIT ... CONNECTION LIMIT 1 VALID UNTIL '...' PASSWORD '[redacted SCRAM-SHA-256 verifier]';
 * GRANT "acme_user" TO "tenantry_migrator_x" WITH SET TRUE, INHERIT FALSE;
 * COMMENT ON ROLE "tenantry_migrator_x" IS 'tenantry:{"v":1,"migratorFor":"acme_user"}'
 * ```
 */
export function createMigratorRoleStatements(spec: {
  migrator: string;
  tenantRole: string;
  passwordVerifier: string;
  validUntil: Date;
  roleGrantOptions: boolean;
}): Statement[] {
  const migrator = sql.id(spec.migrator);
  const createRole = (verifier: string) =>
    compileDdl(
      sql`CREATE ROLE ${migrator} WITH LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 1 VALID UNTIL ${sql.lit(spec.validUntil.toISOString())} PASSWORD ${sql.lit(verifier)}`,
    );
  const options = spec.roleGrantOptions ? sql` WITH SET TRUE, INHERIT FALSE` : sql``;
  return [
    new Statement('create a short-lived login role for the migration', createRole(spec.passwordVerifier), createRole(REDACTED_VERIFIER)),
    new Statement('let it switch to the tenant role, inheriting nothing', compileDdl(sql`GRANT ${sql.id(spec.tenantRole)} TO ${migrator}${options}`)),
    new Statement(
      'mark it as Tenantry\'s, so a leftover can be recognised',
      compileDdl(sql`COMMENT ON ROLE ${migrator} IS ${sql.lit(`${MARKER_PREFIX}${JSON.stringify({ v: MARKER_VERSION, migratorFor: spec.tenantRole })}`)}`),
    ),
  ];
}

/** Drops a migrator role and anything it came to own (it should own nothing). */
export function dropMigratorRoleStatements(spec: { migrator: string; nonSuperuserAdmin: string | undefined; roleGrantOptions: boolean }): Statement[] {
  const migrator = sql.id(spec.migrator);
  const statements = [pinSearchPathStatement()];
  if (spec.nonSuperuserAdmin !== undefined) {
    statements.push(
      borrowRolePrivilegesStatement(spec.migrator, spec.nonSuperuserAdmin, spec.roleGrantOptions, "take on the migrator's privileges, which DROP OWNED BY needs"),
    );
  }
  statements.push(
    new Statement('drop what the migrator role owns', compileDdl(sql`DROP OWNED BY ${migrator}`)),
    new Statement('drop the migrator role', compileDdl(sql`DROP ROLE ${migrator}`)),
  );
  return statements;
}
