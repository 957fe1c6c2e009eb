import { Migrator, type MigrationProvider, type MigrationResultSet } from 'kysely';
import { ConnectionError, DatabaseError, ValidationError } from '@tenantry/core';
import { parseTenantNames, type RoleSwitchState, type ServerFacts, type TenantNames, type TenantryDialect } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import { mapConcurrent } from './bounded-concurrency.js';
import type { BulkProgress, MigrateTenantsOptions, TenantInfo, TenantMigrationOutcome, TenantPage } from './database-admin-options.js';
import { inDelegateSession, requireRoleSwitching } from './delegate-session.js';
import type { DriverConnection, QueryObserver } from './executor/driver-connection.js';

/** How many tenants `migrateTenants` migrates at once unless told otherwise. */
export const DEFAULT_MIGRATION_CONCURRENCY = 4;
/** The most tenants `migrateTenants` migrates at once: each holds a pooled connection and a transaction. */
export const MAX_MIGRATION_CONCURRENCY = 64;

/**
 * Runs `migrations` to the latest in the tenant's schema, as the tenant's role,
 * on `connection`, which is inside the transaction that creates the tenant (or
 * that holds its locks, for `migrateTenants`).
 *
 * - Every object the migrations create belongs to the tenant's role (the
 *   dialect's `enterTenant`), and unqualified names resolve in its schema
 *   only. Kysely's bookkeeping tables (`kysely_migration`,
 *   `kysely_migration_lock`) live in that schema too, so each tenant has its
 *   own history.
 * - A login that may not switch to the tenant's role yet is let switch (SET,
 *   not INHERIT) in this transaction and stops before returning, so the
 *   grant is never committed.
 * - The Migrator never begins or commits: its transaction is a savepoint in
 *   the caller's. On a failing migration this throws, and the caller must roll
 *   back: nothing of the tenant, its migrations or the grant remains.
 *
 * WARNING: switching roles is not a security boundary. Code that runs after
 * it can switch back and act as the session's login. Migrations are the
 * caller's own code; but in an existing tenant's schema, objects the tenant
 * made (a trigger, a function, a view) run too when a migration touches them:
 * hence `inDelegateSession` for existing tenants.
 *
 * `observer` is told of each query Kysely runs (the creation's recording).
 *
 * @returns the names of the migrations applied, in order.
 * @throws DatabaseError naming the migration that failed (or the server's error as is, when the connection broke).
 */
export async function migrateTenantInTransaction(
  connection: DriverConnection,
  dialect: TenantryDialect,
  facts: ServerFacts,
  tenant: TenantNames,
  migrations: MigrationProvider,
  observer?: QueryObserver,
): Promise<string[]> {
  const switching = requireRoleSwitching(dialect);
  if (!connection.kyselyInTransaction) throw new Error(`The ${dialect.client} driver cannot run Kysely inside its transaction.`);
  let grant: RoleSwitchState | undefined;
  if (!facts.isSuperuser) {
    const [state] = await connection.query(switching.switchStateQuery(tenant.username, facts));
    if (state && !state.can_set_role) grant = state;
  }
  await connection.run([...(grant ? [switching.grantSwitch(tenant.username, facts.adminRole, grant, facts)] : []), ...switching.enterTenant(tenant)]);

  const db = connection.kyselyInTransaction({ schema: tenant.schemaName, observer });
  let result: MigrationResultSet;
  try {
    result = await new Migrator({ db, provider: migrations, migrationTableSchema: tenant.schemaName }).migrateToLatest();
  } finally {
    await db.destroy();
  }
  if (result.error !== undefined) throw migrationError(dialect, result, tenant.schemaName);

  // Check the role before leaving it: objects made after a switch away would not be the tenant's.
  const [current] = await connection.query(switching.currentRoleQuery());
  await connection.run([...switching.leaveTenant(), ...(grant ? [switching.revokeSwitch(tenant.username, facts.adminRole, grant, facts)] : [])]);
  if (current?.role !== tenant.username) {
    throw new DatabaseError({
      message: `Could not migrate tenant "${tenant.schemaName}": the migrations switched from the tenant role "${tenant.username}" to "${current?.role}"; they must not change roles.`,
    });
  }
  return (result.results ?? []).filter((migration) => migration.status === 'Success').map((migration) => migration.migrationName);
}

/**
 * Brings every managed tenant to the latest migration: each in a transaction
 * of its own, under the tenant's locks, after checking it is still a whole
 * Tenantry tenant; `concurrency` at a time. A tenant that fails is rolled back
 * and reported; the others go on.
 *
 * Outcomes come back in the order of the tenants' schema names. `onProgress`
 * runs after each tenant in completion order; in its counts `succeeded` are
 * the tenants migrated, `skipped` those already up to date, and `total` is
 * undefined (tenants are listed a page at a time). If it throws, no tenant is
 * started after it, those in flight finish, and `migrateTenants` rejects.
 *
 * @throws ValidationError for bad options, before any I/O.
 * @throws the listing's error when a page of tenants cannot be read (after the tenants in flight finish).
 */
export async function migrateTenants(
  session: AdminSession,
  listPage: (after: string | undefined) => Promise<TenantPage>,
  options: MigrateTenantsOptions,
): Promise<TenantMigrationOutcome[]> {
  const { migrations, concurrency, onProgress } = validateMigrateTenantsOptions(options);
  const facts = await session.serverFacts();
  const progress: BulkProgress = { done: 0, total: undefined, succeeded: 0, skipped: 0, failed: 0 };
  const outcomes: { index: number; outcome: TenantMigrationOutcome }[] = [];
  const migrateOne = async (tenant: TenantInfo, index: number) => ({ index, outcome: await migrateTenant(session, facts, tenant, migrations) });
  for await (const done of mapConcurrent(managedTenants(listPage), migrateOne, { concurrency })) {
    outcomes.push(done);
    progress.done += 1;
    if (done.outcome.status === 'migrated') progress.succeeded += 1;
    else if (done.outcome.status === 'up-to-date') progress.skipped += 1;
    else progress.failed += 1;
    onProgress?.({ ...progress, last: done.outcome });
  }
  return outcomes.sort((a, b) => a.index - b.index).map(({ outcome }) => outcome);
}

/**
 * One tenant of `migrateTenants`; never rejects: a failure is its outcome.
 *
 * The migrations of an EXISTING tenant touch objects the tenant made, which
 * can run code (triggers, functions, views), so they run in a delegate's
 * session (`inDelegateSession`), never in the admin's. A delegate that could
 * not be dropped afterwards is reported in the outcome.
 */
async function migrateTenant(
  session: AdminSession,
  facts: ServerFacts,
  tenant: TenantInfo,
  migrations: MigrationProvider,
): Promise<TenantMigrationOutcome> {
  const { schemaName, username } = tenant;
  const names = parseTenantNames(tenant, session.dialect.rules);
  const result = await inDelegateSession(
    session,
    facts,
    names,
    { action: `migrate tenant "${schemaName}"`, access: 'read-write' },
    (connection, delegateFacts) => migrateTenantInTransaction(connection, session.dialect, delegateFacts, names, migrations),
  );
  const cleanup = result.leftoverRole === undefined ? {} : { leftoverRole: result.leftoverRole, cleanupError: result.cleanupError };
  if (!result.ok) return { schemaName, username, status: 'failed', applied: [], error: result.error, ...cleanup };
  return { schemaName, username, status: result.value.length > 0 ? 'migrated' : 'up-to-date', applied: result.value, ...cleanup };
}

/** The managed tenants, a page at a time, in the order of their schema names. */
export async function* managedTenants(listPage: (after: string | undefined) => Promise<TenantPage>): AsyncGenerator<TenantInfo> {
  let after: string | undefined;
  do {
    const page = await listPage(after);
    yield* page.tenants;
    after = page.nextCursor;
  } while (after !== undefined);
}

/** Checks the options of `migrateTenants` (and of `planMigrateTenants`, which takes the same but `onProgress`), before any I/O. */
export function validateMigrateTenantsOptions(options: MigrateTenantsOptions, call: 'migrateTenants' | 'planMigrateTenants' = 'migrateTenants') {
  if (typeof options !== 'object' || options === null) {
    const expected = call === 'migrateTenants' ? '{ migrations, concurrency?, onProgress? }' : '{ migrations, concurrency? }';
    throw new ValidationError({ field: 'options', rule: 'type', message: `${call} expects ${expected}.` });
  }
  const { migrations, concurrency = DEFAULT_MIGRATION_CONCURRENCY, onProgress } = options;
  if (typeof migrations !== 'object' || migrations === null || typeof migrations.getMigrations !== 'function') {
    throw new ValidationError({ field: 'migrations', rule: 'type', message: 'migrations must be a Kysely MigrationProvider ({ getMigrations() }).' });
  }
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_MIGRATION_CONCURRENCY) {
    throw new ValidationError({
      field: 'concurrency',
      rule: 'out-of-range',
      message: `concurrency must be a whole number from 1 to ${MAX_MIGRATION_CONCURRENCY}, got ${String(concurrency)}.`,
    });
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new ValidationError({ field: 'onProgress', rule: 'type', message: 'onProgress must be a function.' });
  }
  return { migrations, concurrency, onProgress };
}

/**
 * The Migrator's error as a Tenantry error naming the migration. A broken
 * connection is passed on as is, for the caller to map to `ConnectionError`.
 * Server errors keep their SQLSTATE but are not mapped further: a 42710 from a
 * migration is some object of the tenant's that exists, not the tenant's role.
 */
function migrationError(dialect: TenantryDialect, result: MigrationResultSet, schemaName: string): unknown {
  const error = result.error;
  if (dialect.mapError(error, { action: `migrate tenant "${schemaName}"` }) instanceof ConnectionError) return error;
  const failed = result.results?.find((migration) => migration.status === 'Error')?.migrationName;
  const where = failed === undefined ? '' : `migration "${failed}" failed: `;
  return dialect.toDatabaseError(`Could not migrate tenant "${schemaName}": ${where}`, error);
}
