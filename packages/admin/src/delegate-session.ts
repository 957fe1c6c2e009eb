import { DatabaseError, generatePassword, TenantryError } from '@tenantry/core';
import type { ErrorContext, RoleSwitching, ServerFacts, Statement, TenantNames, TenantryDialect } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import type { DriverConnection } from './executor/driver-connection.js';

/** How long a delegate login may log in: enough for one tenant's migrations, useless if left behind. */
const DELEGATE_LIFETIME_MS = 15 * 60_000;
/**
 * The SCRAM iteration count of a delegate's verifier. Iterations slow down
 * guessing a weak password from a stolen verifier; a delegate's password is
 * 32 random characters (190 bits), never shown, and lives 15 minutes, so they
 * protect nothing here, while each 4,096 costs about 2 ms of CPU twice per
 * tenant migrated (making the verifier, and logging in).
 */
const DELEGATE_SCRAM_ITERATIONS = 1;

/** A delegate login that could not be dropped, and why. Both fields are set together, or neither. */
export interface DelegateCleanup {
  /** The delegate (migrator) role left in the cluster. */
  leftoverRole?: string;
  /** Why `leftoverRole` could not be dropped, with the statements that drop it by hand. */
  cleanupError?: TenantryError;
}

/** What `inDelegateSession` did: `work`'s value or its error, and whether the delegate is gone. */
export type DelegateSessionResult<T> = ({ ok: true; value: T } | { ok: false; error: TenantryError }) & DelegateCleanup;

export interface DelegateSessionOptions {
  /** What is being done, for error messages: `migrate tenant "acme"`. */
  action: string;
  /**
   * `read-write` commits what `work` did. `read-only` runs it in a READ ONLY
   * transaction that is rolled back, whatever `work` or code of the tenant's
   * tries: for dry runs.
   */
  access: 'read-write' | 'read-only';
  /** How long the delegate's transaction waits for a lock. Default: the admin's `lockTimeoutMillis`. */
  lockTimeoutMillis?: number | undefined;
  /** Run by the admin, with the delegate's drop, only when `work` succeeded (e.g. recording where the tenant's migrations stand). */
  afterSuccess?: readonly Statement[] | undefined;
}

/**
 * Runs `work` for one tenant in the session of a short-lived delegate login,
 * never in the admin's; never rejects: a failure is in the result.
 *
 * Anything that reads or changes an EXISTING tenant's objects can run the
 * tenant's code (a trigger, a function, a view standing where a table was).
 * Under the admin's session that code would run with the admin's rights, and
 * switching roles would not stop it (it can switch back). So the admin only
 * creates a login that can switch to the tenant's role (and holds no rights
 * of its own), and drops it afterwards (the dialect's `RoleSwitching`);
 * `work` runs in that login's session, inside a transaction holding the
 * tenant's locks, after checking the tenant is still whole and Tenantry's.
 * `work` switches to the tenant's role itself. The admin's own session reads
 * only the catalog.
 *
 * A delegate that cannot be dropped is reported (`leftoverRole`,
 * `cleanupError`), never ignored: it can log in only for its short lifetime,
 * but it stays until someone drops it.
 */
export async function inDelegateSession<T>(
  session: AdminSession,
  facts: ServerFacts,
  tenant: TenantNames,
  options: DelegateSessionOptions,
  work: (connection: DriverConnection, delegateFacts: ServerFacts) => Promise<T>,
): Promise<DelegateSessionResult<T>> {
  const switching = requireRoleSwitching(session.dialect);
  const context: ErrorContext = {
    action: options.action,
    schemaName: tenant.schemaName,
    username: tenant.username,
    database: facts.database,
    adminRole: facts.adminRole,
    lockTimeoutMillis: options.lockTimeoutMillis,
  };
  // The tenant's locks, then the check, in each transaction: listed before the locks, it may have changed since.
  const lockAndCheck = (connection: DriverConnection) => lockWholeTenant(connection, switching, tenant, facts);
  const delegate = switching.newDelegateName();
  const validUntil = new Date(Date.now() + DELEGATE_LIFETIME_MS);
  const lockTimeoutMillis = options.lockTimeoutMillis ?? session.options.lockTimeoutMillis;
  let created = false;
  let result: DelegateSessionResult<T>;
  try {
    const password = generatePassword(32);
    const passwordSecret = await session.dialect.passwordSecret(password, { scramIterations: DELEGATE_SCRAM_ITERATIONS });
    const create = switching.createDelegate({ delegate, tenantRole: tenant.username, passwordSecret, validUntil }, facts);
    await session.transaction(context, async (connection) => {
      await lockAndCheck(connection);
      await connection.run(create);
    });
    created = true;
    const value = await session.withSeparateConnection(
      { login: { username: delegate, password } },
      context,
      async (connection) => {
        await lockAndCheck(connection);
        return work(connection, { ...facts, adminRole: delegate, isSuperuser: false });
      },
      { readOnly: options.access === 'read-only', settings: switching.delegateSettings({ lockTimeoutMillis }) },
    );
    result = { ok: true, value };
  } catch (error) {
    result = { ok: false, error: TenantryError.isInstance(error) ? error : session.dialect.toDatabaseError(`Could not ${options.action}: `, error) };
  }
  if (!created) return result;
  try {
    const afterSuccess = result.ok ? (options.afterSuccess ?? []) : [];
    await session.transaction({ ...context, action: `drop the migrator role "${delegate}" of tenant "${tenant.schemaName}"` }, (connection) =>
      connection.run([...switching.dropDelegate(delegate, facts), ...afterSuccess]),
    );
  } catch (error) {
    return { ...result, leftoverRole: delegate, cleanupError: leftoverError(error, switching.leftoverDelegateAdvice(delegate, tenant.username, validUntil)) };
  }
  return result;
}

/** Takes the tenant's locks for the transaction, then stops unless it is whole and Tenantry's. */
async function lockWholeTenant(connection: DriverConnection, switching: RoleSwitching, tenant: TenantNames, facts: ServerFacts): Promise<void> {
  await connection.run([switching.lockTenant(tenant)]);
  const check = switching.wholeTenantCheck(tenant, facts);
  check.verify(await connection.query(check.query));
}

/** The drop's error, saying what was left behind and how to drop it by hand. */
function leftoverError(mapped: unknown, advice: string): TenantryError {
  const error = TenantryError.isInstance(mapped) ? mapped : new DatabaseError({ message: String(mapped) });
  // The server's DETAIL names what still depends on the role (e.g. a privilege in another database).
  const detail = (error.cause as { detail?: unknown } | undefined)?.detail;
  return new DatabaseError({
    sqlState: error.sqlState,
    cause: error,
    message: `${error.message.replace(/\.$/, '')}${typeof detail === 'string' ? ` (${detail})` : ''}. ${advice}`,
  });
}

/** The dialect's role switching; the callers checked it is there. */
export function requireRoleSwitching(dialect: TenantryDialect): RoleSwitching {
  if (!dialect.roleSwitching) throw new Error(`The ${dialect.name} dialect cannot hand a session to a tenant.`);
  return dialect.roleSwitching;
}
