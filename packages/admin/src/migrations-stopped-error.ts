import { TenantryError } from '@tenantry/core';
import type { TenantMigrationOutcome } from './database-admin-options.js';

/** Why `migrateTenants` stopped before the end. */
export type MigrationsStopReason = 'canary-failed' | 'too-many-failures' | 'aborted';

/**
 * `migrateTenants` stopped early: a canary tenant failed, more tenants failed
 * than `maxFailures` allows, or its signal aborted. No tenant was started
 * after that; those in flight finished. `outcomes` holds every tenant that
 * finished, in the order of their schema names. Each tenant is migrated in a
 * transaction of its own, so none is half-migrated: running `migrateTenants`
 * again goes on where this run stopped (tenants already migrated are known
 * from their recorded state and are not touched again).
 */
export class MigrationsStoppedError extends TenantryError {
  override readonly name = 'MigrationsStoppedError';
  readonly reason: MigrationsStopReason;
  readonly outcomes: readonly TenantMigrationOutcome[];

  constructor(options: { reason: MigrationsStopReason; outcomes: readonly TenantMigrationOutcome[]; cause?: unknown }) {
    const failed = options.outcomes.filter((outcome) => outcome.status === 'failed').length;
    const why =
      options.reason === 'canary-failed'
        ? `a canary tenant failed (${failed} failed)`
        : options.reason === 'too-many-failures'
          ? `${failed} tenants failed, more than maxFailures allows`
          : 'the run was aborted';
    super('MIGRATIONS_STOPPED', {
      message: `migrateTenants stopped: ${why}. ${options.outcomes.length} tenants finished; no further tenant was started. Run it again to go on where it stopped.`,
      cause: options.cause,
    });
    this.reason = options.reason;
    this.outcomes = options.outcomes;
  }
}
