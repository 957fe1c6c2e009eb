import { ValidationError } from '@tenantry/core';
import { parseTenantNames, type ServerFacts } from '@tenantry/sql';
import { validateLockTimeout, type AdminSession } from './admin-session.js';
import { mapConcurrent } from './bounded-concurrency.js';
import { validateSignal } from './caller-signal.js';
import type { BulkProgress, MigrateTenantsOptions, TenantInfo, TenantMigrationOutcome, TenantPage } from './database-admin-options.js';
import { inDelegateSession, requireRoleSwitching } from './delegate-session.js';
import { MigrationList } from './migration-list.js';
import { MigrationsStoppedError, type MigrationsStopReason } from './migrations-stopped-error.js';
import { migrateTenantInTransaction } from './tenant-migrations.js';

/** How many tenants `migrateTenants` migrates at once unless told otherwise. */
export const DEFAULT_MIGRATION_CONCURRENCY = 4;
/** The most tenants `migrateTenants` migrates at once: each holds a pooled connection and a transaction. */
export const MAX_MIGRATION_CONCURRENCY = 64;

/** The options of `migrateTenants`, checked, with their defaults. */
interface FleetSettings {
  list: MigrationList;
  concurrency: number;
  canary: number;
  maxFailures: number;
  lockTimeoutMillis: number | undefined;
}

/**
 * Brings every managed tenant to the latest migration: each in a transaction
 * of its own, in a delegate's session, under the tenant's locks, after
 * checking it is still a whole Tenantry tenant; `concurrency` at a time. A
 * tenant that fails is rolled back and reported; the others go on.
 *
 * - Tenants whose recorded state (`TenantInfo.migrations`, written by the
 *   admin after each successful run) says they have every migration are
 *   reported `up-to-date` without a session: a run with nothing to do reads
 *   the listing only. Any other tenant's own history decides, as Kysely reads it.
 * - `canary` tenants (of those to migrate) go first; a failure among them stops the run.
 * - `maxFailures` stops the run once exceeded.
 * - A tenant whose lock wait times out (`lockTimeoutMillis`) is put aside and
 *   tried once more after all others.
 * - Stopping (canary, failures, `signal`) starts no further tenant; those in
 *   flight finish; the run rejects with `MigrationsStoppedError`, which holds
 *   the outcomes. Running again goes on where it stopped: no tenant is
 *   migrated twice, none is skipped.
 *
 * Outcomes come back in the order of the tenants' schema names. `onProgress`
 * runs after each tenant in completion order; if it throws, no tenant is
 * started after it, those in flight finish, and `migrateTenants` rejects with
 * that error.
 *
 * @throws ValidationError for bad options, before any I/O.
 * @throws the listing's error when a page of tenants cannot be read.
 */
export async function migrateTenants(
  session: AdminSession,
  listPage: (after: string | undefined) => Promise<TenantPage>,
  options: MigrateTenantsOptions,
): Promise<TenantMigrationOutcome[]> {
  const checked = validateMigrateTenantsOptions(options);
  const settings: FleetSettings = { ...checked, list: await MigrationList.read(checked.migrations) };
  const facts = await session.serverFacts();
  const tenants: TenantInfo[] = [];
  for await (const tenant of managedTenants(listPage)) tenants.push(tenant);
  return new FleetRun(session, facts, settings, tenants.length, options).run(tenants);
}

/** A tenant of the run, with its place in the listing (outcomes come back in that order). */
interface PlacedTenant {
  tenant: TenantInfo;
  index: number;
}

/** One run of `migrateTenants`: its outcomes, counts and stop, one phase after another. */
class FleetRun {
  readonly #session: AdminSession;
  readonly #facts: ServerFacts;
  readonly #settings: FleetSettings;
  readonly #options: MigrateTenantsOptions;
  readonly #outcomes = new Map<number, TenantMigrationOutcome>();
  readonly #progress: BulkProgress;
  /** Aborted (with a `StopSignal`) to stop the run: by a stop reason or by the caller's signal. */
  readonly #stop = new AbortController();

  constructor(session: AdminSession, facts: ServerFacts, settings: FleetSettings, total: number, options: MigrateTenantsOptions) {
    this.#session = session;
    this.#facts = facts;
    this.#settings = settings;
    this.#options = options;
    this.#progress = { done: 0, total, succeeded: 0, skipped: 0, failed: 0 };
  }

  async run(tenants: readonly TenantInfo[]): Promise<TenantMigrationOutcome[]> {
    const { list, canary, maxFailures } = this.#settings;
    const stopOnAbort = () => this.#stop.abort(new StopSignal('aborted'));
    this.#options.signal?.addEventListener('abort', stopOnAbort, { once: true });
    try {
      const pending: PlacedTenant[] = [];
      tenants.forEach((tenant, index) => {
        if (list.isCurrent(tenant.migrations)) this.#finish(index, { schemaName: tenant.schemaName, username: tenant.username, status: 'up-to-date', applied: [] });
        else pending.push({ tenant, index });
      });
      if (this.#options.signal?.aborted) stopOnAbort();
      this.#throwIfStopped();
      const canaries = pending.slice(0, canary);
      const busyCanaries = await this.#migrateAll(canaries, () => (this.#progress.failed > 0 ? 'canary-failed' : undefined));
      // A canary that was busy proved nothing: the canaries must all pass.
      if (busyCanaries.length > 0) this.#stop.abort(new StopSignal('canary-failed'));
      this.#throwIfStopped();
      const tooMany = () => (this.#progress.failed > maxFailures ? 'too-many-failures' : undefined);
      const busy = await this.#migrateAll(pending.slice(canary), tooMany);
      this.#throwIfStopped();
      await this.#migrateAll(busy, tooMany, { lastTry: true });
      this.#throwIfStopped();
    } catch (error) {
      if (!(error instanceof StopSignal)) throw error;
      throw new MigrationsStoppedError({ reason: error.reason, outcomes: this.#sortedOutcomes() });
    } finally {
      this.#options.signal?.removeEventListener('abort', stopOnAbort);
    }
    return this.#sortedOutcomes();
  }

  /**
   * Migrates `tenants`, `concurrency` at a time, until done or stopped;
   * returns those that were busy (put aside), unless this is their last try.
   */
  async #migrateAll(
    tenants: readonly PlacedTenant[],
    shouldStop: () => MigrationsStopReason | undefined,
    options: { lastTry?: boolean } = {},
  ): Promise<PlacedTenant[]> {
    const busy: PlacedTenant[] = [];
    if (tenants.length === 0) return busy;
    const migrateOne = async (item: PlacedTenant) => ({ item, outcome: await this.#migrateTenant(item.tenant) });
    const work = mapConcurrent(tenants, migrateOne, { concurrency: this.#settings.concurrency, signal: this.#stop.signal });
    for await (const { item, outcome } of work) {
      if (!options.lastTry && isBusy(outcome)) {
        busy.push(item);
        continue;
      }
      this.#finish(item.index, options.lastTry ? { ...outcome, retried: true } : outcome);
      const reason = shouldStop();
      if (reason !== undefined && !this.#stop.signal.aborted) this.#stop.abort(new StopSignal(reason));
    }
    return busy;
  }

  /** Records a tenant's outcome and reports progress (`onProgress` throwing leaves the run with its error). */
  #finish(index: number, outcome: TenantMigrationOutcome): void {
    this.#outcomes.set(index, outcome);
    this.#progress.done += 1;
    if (outcome.status === 'migrated') this.#progress.succeeded += 1;
    else if (outcome.status === 'up-to-date') this.#progress.skipped += 1;
    else this.#progress.failed += 1;
    this.#options.onProgress?.({ ...this.#progress, last: outcome });
  }

  #throwIfStopped(): void {
    if (this.#stop.signal.aborted) throw this.#stop.signal.reason;
  }

  #sortedOutcomes(): TenantMigrationOutcome[] {
    return [...this.#outcomes.entries()].sort(([a], [b]) => a - b).map(([, outcome]) => outcome);
  }

  /**
   * One tenant; never rejects: a failure is its outcome. Its migrations touch
   * objects the tenant made, which can run code (triggers, functions, views),
   * so they run in a delegate's session (`inDelegateSession`), never in the
   * admin's. With the delegate's drop, the admin records where the tenant now
   * stands. A delegate that could not be dropped is reported in the outcome.
   */
  async #migrateTenant(tenant: TenantInfo): Promise<TenantMigrationOutcome> {
    const { schemaName, username } = tenant;
    const { list, lockTimeoutMillis } = this.#settings;
    const dialect = this.#session.dialect;
    const names = parseTenantNames(tenant, dialect.rules);
    const result = await inDelegateSession(
      this.#session,
      this.#facts,
      names,
      {
        action: `migrate tenant "${schemaName}"`,
        access: 'read-write',
        lockTimeoutMillis,
        afterSuccess: list.recordStatements(requireRoleSwitching(dialect), names, this.#facts),
      },
      (connection, delegateFacts) => migrateTenantInTransaction(connection, dialect, delegateFacts, names, list.provider),
    );
    const cleanup = result.leftoverRole === undefined ? {} : { leftoverRole: result.leftoverRole, cleanupError: result.cleanupError };
    if (!result.ok) return { schemaName, username, status: 'failed', applied: [], error: result.error, ...cleanup };
    return { schemaName, username, status: result.value.length > 0 ? 'migrated' : 'up-to-date', applied: result.value, ...cleanup };
  }
}

/**
 * A lock wait that timed out: on the tenant's own locks (`TENANT_BUSY`), or
 * on one of its tables inside a migration (the server's 55P03, passed on as
 * the migration's error).
 */
function isBusy(outcome: TenantMigrationOutcome): boolean {
  return outcome.error?.code === 'TENANT_BUSY' || outcome.error?.sqlState === '55P03';
}

/** Why a run stopped, as the abort reason of its `mapConcurrent`. */
class StopSignal extends Error {
  readonly reason: MigrationsStopReason;
  constructor(reason: MigrationsStopReason) {
    super(`stopped: ${reason}`);
    this.reason = reason;
  }
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

/** Checks the options of `migrateTenants` (and of `planMigrateTenants`, which takes `migrations` and `concurrency`), before any I/O. */
export function validateMigrateTenantsOptions(options: MigrateTenantsOptions, call: 'migrateTenants' | 'planMigrateTenants' = 'migrateTenants') {
  if (typeof options !== 'object' || options === null) {
    const expected = call === 'migrateTenants' ? '{ migrations, concurrency?, canary?, maxFailures?, lockTimeoutMillis?, signal?, onProgress? }' : '{ migrations, concurrency?, signal? }';
    throw new ValidationError({ field: 'options', rule: 'type', message: `${call} expects ${expected}.` });
  }
  const { migrations, concurrency = DEFAULT_MIGRATION_CONCURRENCY, canary = 0, maxFailures = Number.POSITIVE_INFINITY, lockTimeoutMillis, signal, onProgress } = options;
  if (typeof migrations !== 'object' || migrations === null || typeof migrations.getMigrations !== 'function') {
    throw new ValidationError({ field: 'migrations', rule: 'type', message: 'migrations must be a Kysely MigrationProvider ({ getMigrations() }).' });
  }
  requireWholeNumber('concurrency', concurrency, 1, MAX_MIGRATION_CONCURRENCY);
  requireWholeNumber('canary', canary, 0, Number.MAX_SAFE_INTEGER);
  if (maxFailures !== Number.POSITIVE_INFINITY) requireWholeNumber('maxFailures', maxFailures, 0, Number.MAX_SAFE_INTEGER);
  if (lockTimeoutMillis !== undefined) validateLockTimeout(lockTimeoutMillis);
  validateSignal(signal);
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw new ValidationError({ field: 'onProgress', rule: 'type', message: 'onProgress must be a function.' });
  }
  return { migrations, concurrency, canary, maxFailures, lockTimeoutMillis };
}

function requireWholeNumber(field: string, value: unknown, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} up` : `${min} to ${max}`;
    throw new ValidationError({ field, rule: 'out-of-range', message: `${field} must be a whole number from ${range}, got ${String(value)}.` });
  }
}
