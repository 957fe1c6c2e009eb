import { TenantryError } from '@tenantry/core';

/** The bulk calls that take a `signal` and reject with `BulkAbortedError`. */
export type AbortableBulkCall = 'createTenants' | 'createTenantsStream' | 'planMigrateTenants';

/**
 * A bulk call's `signal` aborted: no tenant was started after that, the
 * tenants in flight finished, and the call rejected with this error (the
 * signal's reason is its `cause`). `results` holds what finished, as the call
 * would have returned it (for `createTenants`, the credentials of the tenants
 * created: the only copy of a generated password); empty for
 * `createTenantsStream`, which yielded each result already. A rerun of
 * `createTenants` with `skipExisting` goes on where this one stopped.
 * (`migrateTenants` rejects with `MigrationsStoppedError`, reason `aborted`.)
 */
export class BulkAbortedError<R = unknown> extends TenantryError {
  override readonly name = 'BulkAbortedError';
  readonly call: AbortableBulkCall;
  readonly results: readonly R[];

  constructor(options: { call: AbortableBulkCall; results?: readonly R[]; finished: number; cause?: unknown }) {
    super('ABORTED', {
      message: `${options.call} was aborted by its signal: no further tenant was started; the ${options.finished} that finished are in the results. Nothing is half-done: each tenant is its own transaction.`,
      cause: options.cause,
    });
    this.call = options.call;
    this.results = options.results ?? [];
  }
}
