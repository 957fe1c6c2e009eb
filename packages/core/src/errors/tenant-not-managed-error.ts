import { TenantryError } from './tenantry-error.js';

/** The schema or role exists but Tenantry did not create it (or they do not belong together). */
export class TenantNotManagedError extends TenantryError {
  override readonly name = 'TenantNotManagedError';
  readonly objectKind: 'schema' | 'role';
  readonly objectName: string;

  constructor(options: { objectKind: 'schema' | 'role'; objectName: string; reason: string }) {
    super('TENANT_NOT_MANAGED', {
      message: `Refusing to touch ${options.objectKind} "${options.objectName}": ${options.reason}. Tenantry only changes tenants it created.`,
    });
    this.objectKind = options.objectKind;
    this.objectName = options.objectName;
  }
}
