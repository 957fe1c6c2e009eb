import { TenantryError } from './tenantry-error.js';

/** The server could not be reached, refused the login, or the connection broke. */
export class ConnectionError extends TenantryError {
  override readonly name = 'ConnectionError';

  constructor(options: { message: string; sqlState?: string; cause?: unknown }) {
    super('CONNECTION', options);
  }
}
