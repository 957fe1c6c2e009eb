import { TenantryError } from './tenantry-error.js';

/**
 * A lock the operation needs was held by another session for longer than the
 * admin's `lockTimeoutMillis` (SQLSTATE 55P03). Tenantry serialises the
 * operations on one tenant with advisory locks whose keys anyone can compute,
 * so a tenant's own session can hold them; without a timeout it could stall
 * removal or rotation forever. Nothing was changed.
 */
export class TenantBusyError extends TenantryError {
  override readonly name = 'TenantBusyError';

  constructor(options: { action: string; lockTimeoutMillis: number; sqlState?: string; cause?: unknown }) {
    super('TENANT_BUSY', {
      message:
        `Could not ${options.action}: another session held a lock it needs for more than ${options.lockTimeoutMillis} ms. ` +
        "A tenant's own session can hold its lock (pg_locks shows it): end that session (rotatePassword with terminateSessions, " +
        'or pg_terminate_backend) and retry, or raise lockTimeoutMillis. Nothing was changed.',
      sqlState: options.sqlState,
      cause: options.cause,
    });
  }
}
