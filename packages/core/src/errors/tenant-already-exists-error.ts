import { TenantryError } from './tenantry-error.js';

/** The schema or the role of a new tenant exists already; nothing was changed. */
export class TenantAlreadyExistsError extends TenantryError {
  override readonly name = 'TenantAlreadyExistsError';
  readonly objectKind: 'schema' | 'role';
  readonly objectName: string;

  constructor(options: { objectKind: 'schema' | 'role'; objectName: string; where?: string; sqlState?: string; cause?: unknown }) {
    super('TENANT_ALREADY_EXISTS', {
      message: `A ${options.objectKind} named "${options.objectName}" already exists${options.where === undefined ? '' : ` ${options.where}`}; nothing was changed. Choose another name, or remove the existing tenant first.`,
      sqlState: options.sqlState,
      cause: options.cause,
    });
    this.objectKind = options.objectKind;
    this.objectName = options.objectName;
  }
}
