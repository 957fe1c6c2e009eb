import type pg from 'pg';
import { loadPg } from './load-pg.js';
import { DatabaseError, generatePassword, TenantryError } from '@tenantry/core';
import { type Statement } from '@tenantry/sql';
import { createMigratorRoleStatements, dropMigratorRoleStatements, leaveTenantStatements, lockTenantStatement } from '@tenantry/sql/postgres';
import { queryOne, type AdminSession, type ServerFacts } from './admin-session.js';
import { checkManagedTenant } from '@tenantry/sql/postgres';
import { mapDatabaseError, toDatabaseError, type ErrorContext } from './map-database-error.js';

/** How long a migrator role may log in: enough for one tenant's migrations, useless if left behind. */
const MIGRATOR_LIFETIME_MS = 15 * 60_000;

/** A migrator role that could not be dropped, and why. Both fields are set together, or neither. */
export interface MigratorCleanup {
  /** The migrator role left in the cluster. */
  leftoverRole?: string;
  /** Why it could not be dropped, with the statements that drop it by hand. */
  cleanupError?: TenantryError;
}

/** What `inMigratorSession` did: `work`'s value or its error, and whether the migrator role is gone. */
export type MigratorSessionResult<T> = ({ ok: true; value: T } | { ok: false; error: TenantryError }) & MigratorCleanup;

export interface MigratorSessionOptions {
  /** What is being done, for error messages: `migrate tenant "acme"`. */
  action: string;
  /**
   * `read-write` commits what `work` did. `read-only` runs it in a READ ONLY
   * transaction that is rolled back, whatever `work` or code of the tenant's
   * tries: for dry runs.
   */
  access: 'read-write' | 'read-only';
}

/**
 * Runs `work` for one tenant in the session of a short-lived migrator role,
 * never in the admin's; never rejects: a failure is in the result.
 *
 * Anything that reads or changes an EXISTING tenant's objects can run the
 * tenant's code (a trigger, a function, a view standing where a table was).
 * Under the admin's session that code would run with the admin's rights, and
 * `SET ROLE` would not stop it (`RESET ROLE`). So the admin only creates a
 * login role that can switch to the tenant's role (SET, not INHERIT) and holds
 * no rights of its own, and drops it afterwards; `work` runs in that role's
 * session, inside a transaction holding the tenant's locks, after checking the
 * tenant is still whole and Tenantry's. `work` switches to the tenant's role
 * itself. The admin's own session reads only the catalog.
 *
 * A migrator that cannot be dropped is reported (`leftoverRole`,
 * `cleanupError`), never ignored: it can log in only until its VALID UNTIL,
 * but it stays in the cluster until someone drops it.
 */
export async function inMigratorSession<T>(
  session: AdminSession,
  facts: ServerFacts,
  tenant: { schemaName: string; username: string },
  options: MigratorSessionOptions,
  work: (client: pg.ClientBase, migratorFacts: ServerFacts) => Promise<T>,
): Promise<MigratorSessionResult<T>> {
  const { schemaName, username } = tenant;
  const context: ErrorContext = {
    action: options.action,
    schemaName,
    username,
    database: facts.row.database,
    adminRole: facts.row.admin_role,
  };
  const checkTenant = async (client: pg.ClientBase) => {
    await client.query(lockTenantStatement(schemaName, username).sql);
    checkManagedTenant(await queryOne(client, facts.dialect.tenantStateQuery(schemaName, username)), {
      schemaName,
      username,
      database: facts.row.database,
    });
  };
  const migrator = `tenantry_migrator_${generatePassword(20).toLowerCase()}`;
  const validUntil = new Date(Date.now() + MIGRATOR_LIFETIME_MS);
  const roleGrantOptions = facts.dialect.capabilities.roleGrantOptions;
  let created = false;
  let result: MigratorSessionResult<T>;
  try {
    const password = generatePassword(32);
    const create = createMigratorRoleStatements({
      migrator,
      tenantRole: username,
      passwordVerifier: await session.verifierFor(password),
      validUntil,
      roleGrantOptions,
    });
    await session.inTransaction(context, async (client) => {
      await checkTenant(client);
      await client.query(script(create));
    });
    created = true;
    const value = await asMigrator(session.tenantUrl(migrator, password), options.access, context, async (client) => {
      // Listed before its locks were taken: it may have been removed or changed since.
      await checkTenant(client);
      return work(client, { dialect: facts.dialect, row: { ...facts.row, admin_role: migrator, is_superuser: false } });
    });
    result = { ok: true, value };
  } catch (error) {
    result = { ok: false, error: TenantryError.isInstance(error) ? error : toDatabaseError(`Could not ${options.action}: `, error) };
  }
  if (!created) return result;
  const drop = dropMigratorRoleStatements({
    migrator,
    nonSuperuserAdmin: facts.row.is_superuser ? undefined : facts.row.admin_role,
    roleGrantOptions,
  });
  try {
    await session.inTransaction({ ...context, action: `drop the migrator role "${migrator}" of tenant "${schemaName}"` }, (client) => client.query(script(drop)));
  } catch (error) {
    return { ...result, leftoverRole: migrator, cleanupError: leftoverError(error, migrator, username, validUntil) };
  }
  return result;
}

/**
 * Runs `work` in a transaction of its own connection as the migrator role,
 * search_path pinned; commits it (`read-write`) or rolls it back (`read-only`).
 */
async function asMigrator<T>(
  url: string,
  access: MigratorSessionOptions['access'],
  context: ErrorContext,
  work: (client: pg.ClientBase) => Promise<T>,
): Promise<T> {
  const client = new (loadPg().Client)({ connectionString: url });
  client.on('error', () => undefined); // the failing query reports it
  try {
    await client.connect();
    await client.query(`${access === 'read-only' ? 'BEGIN READ ONLY' : 'BEGIN'}; ${script(leaveTenantStatements().slice(1))}`);
    const result = await work(client);
    await client.query(access === 'read-only' ? 'ROLLBACK' : 'COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw TenantryError.isInstance(error) ? error : mapDatabaseError(error, context);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The drop's error, saying what was left behind and how to drop it by hand. */
function leftoverError(error: unknown, migrator: string, tenantRole: string, validUntil: Date): TenantryError {
  const mapped = mapDatabaseError(error, { action: `drop the migrator role "${migrator}"` });
  // The server's DETAIL names what still depends on the role (e.g. a privilege in another database).
  const detail = (mapped.cause as { detail?: unknown } | undefined)?.detail;
  return new DatabaseError({
    sqlState: mapped.sqlState,
    cause: mapped,
    message:
      `${mapped.message.replace(/\.$/, '')}${typeof detail === 'string' ? ` (${detail})` : ''}. ` +
      `The role was left behind: it holds no rights of its own, may SET ROLE to "${tenantRole}", and cannot log in after ${validUntil.toISOString()}. ` +
      `Drop it as a superuser: DROP OWNED BY "${migrator}" in each database where it still holds something, then DROP ROLE "${migrator}".`,
  });
}

export function script(statements: readonly Statement[]): string {
  return statements.map((statement) => statement.sql).join(';\n');
}
