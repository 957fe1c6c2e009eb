import { Migrator, type MigrationProvider } from 'kysely';
import { parseTenantNames, type ServerFacts } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import { mapConcurrent } from './bounded-concurrency.js';
import { BulkAbortedError } from './bulk-aborted-error.js';
import { underCallerSignal } from './caller-signal.js';
import type { PlanMigrateTenantsOptions, TenantInfo, TenantMigrationPlan, TenantPage } from './database-admin-options.js';
import { inDelegateSession, requireRoleSwitching } from './delegate-session.js';
import { MigrationList } from './migration-list.js';
import { managedTenants, validateMigrateTenantsOptions } from './migrate-tenants.js';

/**
 * What `migrateTenants` would apply, per managed tenant, without applying
 * anything: a dry run. Each tenant's `kysely_migration` history is read the
 * way `migrateTenants` reads it (Kysely's `Migrator.getMigrations`), and only
 * in a delegate's session as the tenant's role (see `inDelegateSession`), in a
 * READ ONLY transaction that is rolled back: the table may be a view over a
 * function of the tenant's, and that function must never run as the admin.
 * Kysely's tables are not created where they are missing (the tenant has
 * never been migrated: everything is pending). A tenant the admin recorded as
 * having every migration (`TenantInfo.migrations`) is up to date without a
 * session, as `migrateTenants` would find it.
 *
 * Reports come back in the order of the tenants' schema names. A tenant whose
 * history cannot be read is reported `failed`; the others go on.
 *
 * Aborting `options.signal` reads no further tenant; those in flight finish;
 * the call rejects with `BulkAbortedError`, its `results` the reports so far.
 *
 * @throws ValidationError for bad options, before any I/O.
 * @throws the provider's error when its migrations cannot be read; the listing's when a page of tenants cannot be.
 */
export async function planMigrateTenants(
  session: AdminSession,
  listPage: (after: string | undefined) => Promise<TenantPage>,
  options: PlanMigrateTenantsOptions,
): Promise<TenantMigrationPlan[]> {
  const { migrations, concurrency } = validateMigrateTenantsOptions(options, 'planMigrateTenants');
  const facts = await session.serverFacts();
  // Read once: every tenant is compared with the same migrations.
  const list = await MigrationList.read(migrations);
  const reports: { index: number; report: TenantMigrationPlan }[] = [];
  const planOne = async (tenant: TenantInfo, index: number) => ({
    index,
    report: list.isCurrent(tenant.migrations) ? upToDate(tenant) : await planTenant(session, facts, tenant, list.provider),
  });
  const inOrder = () => reports.sort((a, b) => a.index - b.index).map(({ report }) => report);
  try {
    const run = (stop: AbortController) => mapConcurrent(managedTenants(listPage), planOne, { concurrency, signal: stop.signal });
    for await (const done of underCallerSignal('planMigrateTenants', options.signal, run)) reports.push(done);
  } catch (error) {
    if (error instanceof BulkAbortedError) throw new BulkAbortedError({ call: 'planMigrateTenants', results: inOrder(), finished: reports.length, cause: error.cause });
    throw error;
  }
  return inOrder();
}

/** A tenant the admin recorded as having every migration: as `migrateTenants` finds it, without a session. */
function upToDate(tenant: TenantInfo): TenantMigrationPlan {
  return { schemaName: tenant.schemaName, username: tenant.username, status: 'up-to-date', pending: [] };
}

/** One tenant of `planMigrateTenants`; never rejects: a failure is its report. */
async function planTenant(session: AdminSession, facts: ServerFacts, tenant: TenantInfo, migrations: MigrationProvider): Promise<TenantMigrationPlan> {
  const { schemaName, username } = tenant;
  const names = parseTenantNames(tenant, session.dialect.rules);
  const switching = requireRoleSwitching(session.dialect);
  const result = await inDelegateSession(
    session,
    facts,
    names,
    { action: `read the migration history of tenant "${schemaName}"`, access: 'read-only' },
    async (connection) => {
      await connection.run(switching.enterTenant(names));
      const db = connection.kyselyInTransaction!({ schema: schemaName });
      try {
        const known = await new Migrator({ db, provider: migrations, migrationTableSchema: schemaName }).getMigrations();
        return known.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
      } finally {
        await db.destroy();
      }
    },
  );
  const cleanup = result.leftoverRole === undefined ? {} : { leftoverRole: result.leftoverRole, cleanupError: result.cleanupError };
  if (!result.ok) return { schemaName, username, status: 'failed', pending: [], error: result.error, ...cleanup };
  return { schemaName, username, status: result.value.length > 0 ? 'pending' : 'up-to-date', pending: result.value, ...cleanup };
}
