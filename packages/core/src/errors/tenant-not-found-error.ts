import { TenantryError } from './tenantry-error.js';

/** No schema or role with the given name exists. */
export class TenantNotFoundError extends TenantryError {
  override readonly name = 'TenantNotFoundError';
  readonly objectKind: 'schema' | 'role';
  readonly objectName: string;

  constructor(options: { objectKind: 'schema' | 'role'; objectName: string }) {
    super('TENANT_NOT_FOUND', {
      message: `No ${options.objectKind} named "${options.objectName}" exists in this database.`,
    });
    this.objectKind = options.objectKind;
    this.objectName = options.objectName;
  }
}
