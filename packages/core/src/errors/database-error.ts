import { TenantryError } from './tenantry-error.js';

/** Any other error the server reported; `sqlState` says which. */
export class DatabaseError extends TenantryError {
  override readonly name = 'DatabaseError';

  constructor(options: { message: string; sqlState?: string; cause?: unknown }) {
    super('DATABASE', options);
  }
}
