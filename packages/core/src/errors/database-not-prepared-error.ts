import { TenantryError } from './tenantry-error.js';

/** The database still lets every role use schema `public`, so a tenant would not be isolated. */
export class DatabaseNotPreparedError extends TenantryError {
  override readonly name = 'DatabaseNotPreparedError';

  constructor(options: { database: string; sqlState?: string; cause?: unknown }) {
    super('DATABASE_NOT_PREPARED', {
      message:
        `Database "${options.database}" still grants PUBLIC access to schema "public", so a new tenant could use it. ` +
        'Run `await admin.prepare()` (CLI: `tenantry init`) once, or pass `{ requirePreparedDatabase: false }` to accept that.',
      sqlState: options.sqlState,
      cause: options.cause,
    });
  }
}
