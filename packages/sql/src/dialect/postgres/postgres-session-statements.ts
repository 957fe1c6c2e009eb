import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';

/** How long ending a session waits for its backend to exit, in milliseconds. */
export const SESSION_EXIT_WAIT_MILLIS = 5000;

/**
 * Ends every open session of a role, in every database of the cluster
 * (`pg_stat_activity` lists them all), except the caller's own. A role that
 * is dropped or loses its password keeps its open sessions otherwise.
 *
 * With `waitMillis` above 0 (PostgreSQL 14+), each call waits up to that long
 * for the backend to exit, so its locks and temporary objects are gone before
 * the next statement; on timeout it returns false with a WARNING.
 *
 * Needs superuser or the privileges of the role (a non-superuser admin borrows
 * them first: `borrowRolePrivilegesStatement`).
 *
 * ```ts
 * terminateRoleSessionsStatement('acme_user', "end the tenant's sessions", 5000);
 * ```
 *
 * The generated SQL (PostgreSQL):
 * ```sql
 * SELECT pg_catalog.pg_terminate_backend(a.pid, 5000) FROM pg_catalog.pg_stat_activity a
 *   JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid
 *   WHERE r.rolname = 'acme_user' AND a.pid <> pg_catalog.pg_backend_pid()
 * ```
 */
export function terminateRoleSessionsStatement(username: string, purpose: string, waitMillis = 0): Statement {
  if (!Number.isSafeInteger(waitMillis) || waitMillis < 0) throw new RangeError('waitMillis must be a whole number of milliseconds, 0 or more.');
  return new Statement(
    purpose,
    compileDdl(
      sql`SELECT pg_catalog.pg_terminate_backend(a.pid, ${sql.lit(waitMillis)}) FROM pg_catalog.pg_stat_activity a JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid WHERE r.rolname = ${sql.lit(username)} AND a.pid <> pg_catalog.pg_backend_pid()`,
    ),
  );
}
