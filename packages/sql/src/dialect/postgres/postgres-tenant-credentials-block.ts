import { sql } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { Statement } from '../../statement.js';
import { MARKER_PREFIX } from '../../tenant-marker.js';
import { CREDENTIAL_NAME_PREFIX } from './postgres-credential-names.js';
import { SESSION_EXIT_WAIT_MILLIS } from './postgres-session-statements.js';

/**
 * What to do to every credential of one tenant:
 * - `nologin`: no new login (suspension);
 * - `login`: logins again, for those not expired (resumption);
 * - `end-sessions`: end their open sessions, in every database;
 * - `drop`: end their sessions, drop what they own here, drop them (removal).
 */
export type TenantCredentialsAction = 'nologin' | 'login' | 'end-sessions' | 'drop';

/**
 * Acts on every credential role of a tenant, found by the server in the same
 * transaction (members of the tenant's role whose marker names it), so that a
 * credential issued a moment before is not missed. Ending another role's
 * sessions and DROP OWNED BY need that role's privileges: a non-superuser
 * admin takes them on for each credential and gives them back (or loses them
 * with the dropped role). The names reach the DO block as transaction-local
 * settings; its body is one of four constants.
 *
 * The generated SQL (PostgreSQL), `drop`:
 *
 * ```sql
 * SELECT pg_catalog.set_config('tenantry.credentials_of', 'acme_user', true), pg_catalog.set_config('tenantry.admin', '', true);
 * DO $tenantry$ ... FOR credential IN SELECT ... LOOP
 *   PERFORM pg_catalog.pg_terminate_backend(...); EXECUTE format('DROP OWNED BY %I', credential); EXECUTE format('DROP ROLE %I', credential);
 * END LOOP ... $tenantry$
 * ```
 */
export function tenantCredentialsStatements(
  tenant: { username: string },
  action: TenantCredentialsAction,
  admin: { nonSuperuserAdmin: string | undefined; roleGrantOptions: boolean },
  purpose: string,
): Statement[] {
  return [
    new Statement(
      "hand the tenant's role and the admin to the block below",
      compileDdl(
        sql`SELECT pg_catalog.set_config('tenantry.credentials_of', ${sql.lit(tenant.username)}, true), pg_catalog.set_config('tenantry.admin', ${sql.lit(admin.nonSuperuserAdmin ?? '')}, true)`,
      ),
    ),
    new Statement(purpose, credentialsBlock(action, admin.roleGrantOptions)),
  ];
}

/** The credentials of the tenant named by `tenantry.credentials_of`: members of its role, named and marked as Tenantry's credentials for it. */
const CREDENTIALS_OF_TENANT =
  `SELECT c.rolname::text, c.rolvaliduntil FROM pg_catalog.pg_roles c ` +
  `JOIN pg_catalog.pg_auth_members m ON m.member = c.oid JOIN pg_catalog.pg_roles t ON t.oid = m.roleid ` +
  `WHERE t.rolname = pg_catalog.current_setting('tenantry.credentials_of') ` +
  `AND pg_catalog.starts_with(c.rolname, '${CREDENTIAL_NAME_PREFIX}') ` +
  `AND pg_catalog.starts_with(pg_catalog.shobj_description(c.oid, 'pg_authid'), '${MARKER_PREFIX}{') ` +
  `AND (pg_catalog.substr(pg_catalog.shobj_description(c.oid, 'pg_authid'), ${MARKER_PREFIX.length + 1})::pg_catalog.jsonb ->> 'credentialFor') = t.rolname::text ` +
  `ORDER BY 1`;

function credentialsBlock(action: TenantCredentialsAction, roleGrantOptions: boolean): string {
  const borrowOptions = roleGrantOptions ? ' WITH INHERIT TRUE, SET FALSE' : '';
  const borrow = `IF admin_role <> '' THEN EXECUTE pg_catalog.format('GRANT %I TO %I${borrowOptions}', credential, admin_role); END IF; `;
  const giveBack = `IF admin_role <> '' THEN EXECUTE pg_catalog.format('REVOKE %I FROM %I', credential, admin_role); END IF; `;
  const endSessions =
    `PERFORM pg_catalog.pg_terminate_backend(a.pid, ${SESSION_EXIT_WAIT_MILLIS}) FROM pg_catalog.pg_stat_activity a ` +
    `JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid WHERE r.rolname = credential AND a.pid <> pg_catalog.pg_backend_pid(); `;
  const body: Record<TenantCredentialsAction, string> = {
    nologin: `EXECUTE pg_catalog.format('ALTER ROLE %I NOLOGIN', credential); `,
    login: `IF valid_until IS NULL OR valid_until > pg_catalog.now() THEN EXECUTE pg_catalog.format('ALTER ROLE %I LOGIN', credential); END IF; `,
    'end-sessions': borrow + endSessions + giveBack,
    // The borrowed membership goes with the dropped role.
    drop: borrow + endSessions + `EXECUTE pg_catalog.format('DROP OWNED BY %I', credential); EXECUTE pg_catalog.format('DROP ROLE %I', credential); `,
  };
  return (
    `DO $tenantry$ DECLARE credential text; valid_until timestamptz; admin_role text := pg_catalog.current_setting('tenantry.admin'); BEGIN ` +
    `FOR credential, valid_until IN ${CREDENTIALS_OF_TENANT} LOOP ${body[action]}END LOOP; END $tenantry$`
  );
}
