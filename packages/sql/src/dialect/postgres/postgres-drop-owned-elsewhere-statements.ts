import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import { borrowRolePrivilegesStatement, pinSearchPathStatement } from './postgres-tenant-statements.js';
import { SESSION_EXIT_WAIT_MILLIS, terminateRoleSessionsStatement } from './postgres-session-statements.js';

/** Input of `dropOwnedElsewhereStatements`. */
export interface DropOwnedElsewhereSpec {
  /** The tenant role. */
  username: string;
  /** The other database, which the statements run in: named in every statement's purpose. */
  database: string;
  /** The admin role when it is not superuser (see `RemoveTenantSpec`). */
  nonSuperuserAdmin?: string | undefined;
}

/**
 * The statements that drop what a tenant role owns or holds in ANOTHER
 * database of the cluster (large objects, default privileges, privileges it
 * was granted), run connected to that database as the admin, in one
 * transaction of their own, before the removal in the tenant's database.
 *
 * A non-superuser admin borrows the role's privileges (DROP OWNED BY and
 * ending its sessions need them) and gives them back before COMMIT: role
 * memberships are cluster-wide, and the tenant's role stays until the removal
 * in its own database commits.
 *
 * The generated SQL (PostgreSQL), least-privilege admin on 16+:
 * ```sql
 * SET LOCAL search_path = pg_catalog, pg_temp;
 * GRANT "acme_user" TO "app_admin" WITH INHERIT TRUE, SET FALSE;
 * SELECT pg_catalog.pg_terminate_backend(a.pid, 5000) FROM pg_catalog.pg_stat_activity a ...;
 * DROP OWNED BY "acme_user";
 * REVOKE "acme_user" FROM "app_admin";
 * ```
 */
export function dropOwnedElsewhereStatements(spec: DropOwnedElsewhereSpec, roleGrantOptions: boolean): Statement[] {
  const role = sql.id(spec.username);
  const where = `in database ${JSON.stringify(spec.database)} (connected there, in a transaction of its own)`;
  const statements = [new Statement(`${where}: resolve names in pg_catalog only`, pinSearchPathStatement().sql)];
  if (spec.nonSuperuserAdmin !== undefined) {
    const borrow = borrowRolePrivilegesStatement(spec.username, spec.nonSuperuserAdmin, roleGrantOptions, '');
    statements.push(new Statement(`${where}: take on the tenant role's privileges, which DROP OWNED BY and ending its sessions need`, borrow.sql));
  }
  statements.push(
    terminateRoleSessionsStatement(
      spec.username,
      `${where}: end the tenant's open sessions and wait for them to exit, so none holds a lock DROP OWNED BY would wait for`,
      SESSION_EXIT_WAIT_MILLIS,
    ),
    new Statement(`${where}: drop the role's objects and privileges in that database`, compileDdl(sql`DROP OWNED BY ${role}`)),
  );
  if (spec.nonSuperuserAdmin !== undefined) {
    statements.push(
      new Statement(
        `${where}: give the tenant role's privileges back before COMMIT (memberships are cluster-wide)`,
        compileDdl(sql`REVOKE ${role} FROM ${sql.id(spec.nonSuperuserAdmin)}`),
      ),
    );
  }
  return statements;
}
