import { TenantryError } from './tenantry-error.js';

/** The admin role lacks a privilege a step needs (SQLSTATE 42501 and friends). */
export class PermissionError extends TenantryError {
  override readonly name = 'PermissionError';
  /** The missing privilege, e.g. `CREATEROLE` or `CREATE on database "app"`. */
  readonly privilege: string;

  constructor(options: { privilege: string; message: string; sqlState?: string; cause?: unknown }) {
    super('PERMISSION_DENIED', options);
    this.privilege = options.privilege;
  }
}
