import type { MigrationProvider } from 'kysely';
import type { TenantInfo, TenantPage } from './database-admin-options.js';
import { managedTenants } from './migrate-tenants.js';
import { MigrationList } from './migration-list.js';

/** How many tenants stand at one migration, as the admin recorded it. */
export interface MigrationPosition {
  /** The last migration applied; undefined for tenants with no record (never migrated by Tenantry, or created before it kept one). */
  last: string | undefined;
  /** How many migrations those tenants have applied; undefined with `last`. */
  applied: number | undefined;
  tenants: number;
  /**
   * Given `migrations`: how many of them these tenants lack; undefined when
   * unknown (no record, or a record that does not match the list: a run reads
   * those tenants' own history).
   */
  pending?: number | undefined;
}

/** What `migrationStatus` reports. */
export interface MigrationStatus {
  /** Managed tenants in all. */
  total: number;
  /** Given `migrations`: how many tenants have every one of them. */
  upToDate?: number | undefined;
  /** Tenants grouped by where they stand, in migration order; tenants with no record last. */
  positions: MigrationPosition[];
}

/**
 * How many tenants stand at each migration, from the records the admin keeps
 * in the catalog (`TenantInfo.migrations`): the listing only, no tenant's
 * session, so it is fast for thousands of tenants.
 */
export async function migrationStatus(listPage: (after: string | undefined) => Promise<TenantPage>, migrations: MigrationProvider | undefined): Promise<MigrationStatus> {
  const list = migrations ? await MigrationList.read(migrations) : undefined;
  const groups = new Map<string, MigrationPosition>();
  let total = 0;
  let upToDate = 0;
  for await (const tenant of managedTenants(listPage)) {
    total += 1;
    if (list?.isCurrent(tenant.migrations)) upToDate += 1;
    const key = positionKey(tenant);
    const group = groups.get(key) ?? { last: tenant.migrations?.last, applied: tenant.migrations?.count, tenants: 0, ...(list ? { pending: pendingOf(list, tenant) } : {}) };
    group.tenants += 1;
    groups.set(key, group);
  }
  const positions = [...groups.values()].sort(byMigrationOrder);
  return { total, ...(list ? { upToDate } : {}), positions };
}

function positionKey(tenant: TenantInfo): string {
  return tenant.migrations ? JSON.stringify([tenant.migrations.last, tenant.migrations.count]) : '';
}

/** The migrations of `list` a tenant lacks, when its record matches the list's start; else undefined. */
function pendingOf(list: MigrationList, tenant: TenantInfo): number | undefined {
  const record = tenant.migrations;
  if (list.names.length === 0) return 0;
  if (!record) return undefined;
  return list.names[record.count - 1] === record.last ? list.names.length - record.count : undefined;
}

/** By the number of migrations applied, then by name; tenants with no record last. */
function byMigrationOrder(a: MigrationPosition, b: MigrationPosition): number {
  if (a.applied === undefined || b.applied === undefined) return a.applied === undefined ? (b.applied === undefined ? 0 : 1) : -1;
  return a.applied - b.applied || (a.last! < b.last! ? -1 : a.last! > b.last! ? 1 : 0);
}
