const marker = Symbol.for('tenantry.error');

/** Stable, machine-readable error codes. Match on these, never on messages. */
export type TenantryErrorCode =
  | 'VALIDATION'
  | 'TENANT_ALREADY_EXISTS'
  | 'TENANT_NOT_FOUND'
  | 'TENANT_NOT_MANAGED'
  | 'TENANT_REMOVAL_BLOCKED'
  | 'TENANT_BUSY'
  | 'PERMISSION_DENIED'
  | 'CONNECTION'
  | 'CLUSTER_NODE'
  | 'DATABASE_NOT_PREPARED'
  | 'MIGRATIONS_STOPPED'
  | 'ABORTED'
  | 'DATABASE';

export interface TenantryErrorOptions {
  message: string;
  /** SQLSTATE of the PostgreSQL error behind this one, when there is one. */
  sqlState?: string;
  cause?: unknown;
}

/**
 * Base class of every error Tenantry throws.
 *
 * Messages never contain a password, a SCRAM verifier or a connection string
 * with credentials in it. Use `TenantryError.isInstance(e)` rather than
 * `instanceof` when several copies of the package may be loaded.
 */
export class TenantryError extends Error {
  private readonly [marker] = true;
  override readonly name: string = 'TenantryError';
  readonly code: TenantryErrorCode;
  readonly sqlState: string | undefined;

  constructor(code: TenantryErrorCode, { message, sqlState, cause }: TenantryErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.sqlState = sqlState;
  }

  static isInstance(error: unknown): error is TenantryError {
    return typeof error === 'object' && error !== null && marker in error;
  }
}
