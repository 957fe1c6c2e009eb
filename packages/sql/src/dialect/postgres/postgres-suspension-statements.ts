import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import type { SuspensionMark } from '../../tenant-marker.js';
import { managedTenantGuardStatements } from './postgres-managed-tenant-guard.js';
import { patchRoleMarkerStatements } from './postgres-role-marker-patch.js';
import { SESSION_EXIT_WAIT_MILLIS } from './postgres-session-statements.js';
import { tenantCredentialsStatements } from './postgres-tenant-credentials-block.js';
import { endTenantRoleSessionsStatements, lockStatement, pinSearchPathStatement } from './postgres-tenant-statements.js';

/** The tenant, and the admin that may need to borrow roles' privileges. */
export interface SuspensionSpec {
  schemaName: string;
  username: string;
  nonSuperuserAdmin: string | undefined;
  roleGrantOptions: boolean;
}

/**
 * Suspends a tenant, in one transaction: under its locks, once the server
 * found it whole and Tenantry's, its role and every credential of it lose
 * LOGIN, and its marker records who suspended it and when. Its data and
 * rights stay. Open sessions are ended after the commit
 * (`endTenantSessionsStatements`): before it, a new login would still see LOGIN.
 *
 * The generated SQL (PostgreSQL), after the lock and the check:
 *
 * ```sql
 * ALTER ROLE "acme_user" NOLOGIN;
 * -- the marker gains "suspended": {"by": <admin>, "since": <now>}; every credential of the tenant: ALTER ROLE ... NOLOGIN
 * ```
 */
export function suspendTenantStatements(spec: SuspensionSpec, mark: SuspensionMark): Statement[] {
  return [
    pinSearchPathStatement(),
    lockStatement(spec.schemaName, spec.username),
    ...managedTenantGuardStatements(spec, { refuseSuspended: false }),
    new Statement('refuse new logins of the tenant', compileDdl(sql`ALTER ROLE ${sql.id(spec.username)} NOLOGIN`)),
    ...patchRoleMarkerStatements(spec.username, { suspended: mark }, 'record who suspended the tenant, and when'),
    ...tenantCredentialsStatements(spec, 'nologin', spec, "refuse new logins of every credential of the tenant"),
  ];
}

/**
 * Resumes a suspended tenant: its role logs in again, and so does each of its
 * credentials not yet expired; the suspension leaves its marker.
 *
 * The generated SQL (PostgreSQL), after the lock and the check:
 *
 * ```sql
 * ALTER ROLE "acme_user" LOGIN;
 * -- the marker loses "suspended"; every unexpired credential of the tenant: ALTER ROLE ... LOGIN
 * ```
 */
export function resumeTenantStatements(spec: SuspensionSpec): Statement[] {
  return [
    pinSearchPathStatement(),
    lockStatement(spec.schemaName, spec.username),
    ...managedTenantGuardStatements(spec, { refuseSuspended: false }),
    new Statement('let the tenant log in again', compileDdl(sql`ALTER ROLE ${sql.id(spec.username)} LOGIN`)),
    ...patchRoleMarkerStatements(spec.username, { suspended: null }, 'record that the tenant is no longer suspended'),
    ...tenantCredentialsStatements(spec, 'login', spec, 'let every credential of the tenant that has not expired log in again'),
  ];
}

/**
 * Ends every open session of the tenant and of its credentials, in every
 * database, and waits for them to exit. Needs each role's privileges, which
 * a non-superuser admin borrows and gives back.
 */
export function endTenantSessionsStatements(spec: SuspensionSpec): Statement[] {
  return [
    pinSearchPathStatement(),
    lockStatement(spec.schemaName, spec.username),
    ...endTenantRoleSessionsStatements(spec.username, spec, "end the tenant's open sessions in every database", SESSION_EXIT_WAIT_MILLIS),
    ...tenantCredentialsStatements(spec, 'end-sessions', spec, 'end the open sessions of every credential of the tenant'),
  ];
}
