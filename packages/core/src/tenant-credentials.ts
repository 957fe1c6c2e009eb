const REDACTED = '[redacted]';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/** The migrations `createTenant` ran for a new tenant, and how. */
export interface TenantMigrationsRun {
  /**
   * `ran`: the migrations ran one by one, as Kysely runs them. `replayed`:
   * these same migrations had created a tenant before, and what they ran then
   * was replayed (Tenantry's fast path; the same tables, history and owners).
   */
  readonly path: 'ran' | 'replayed';
  /** The names of the migrations applied, in order. */
  readonly applied: readonly string[];
}

/**
 * What `createTenant` returns: the seed's `TenantCredentials`.
 *
 * `password` and `connectionString` are readable as usual, but they are not
 * enumerable and are redacted in `util.inspect`, `console.log` and
 * `JSON.stringify`, so logging the object does not leak them. Read them
 * explicitly where you store them.
 */
export class TenantCredentials {
  readonly username: string;
  readonly schemaName: string;
  declare readonly password: string;
  declare readonly connectionString: string;
  /** Set when `createTenant` was given migrations. */
  readonly migrations?: TenantMigrationsRun;

  constructor(fields: { username: string; schemaName: string; password: string; connectionString: string; migrations?: TenantMigrationsRun | undefined }) {
    this.username = fields.username;
    this.schemaName = fields.schemaName;
    if (fields.migrations) this.migrations = Object.freeze({ path: fields.migrations.path, applied: Object.freeze([...fields.migrations.applied]) });
    Object.defineProperty(this, 'password', { value: fields.password, enumerable: false });
    Object.defineProperty(this, 'connectionString', { value: fields.connectionString, enumerable: false });
    Object.freeze(this);
  }

  /** The redacted form; use the properties themselves to get the secrets. */
  toJSON(): Record<string, unknown> {
    return { username: this.username, schemaName: this.schemaName, password: REDACTED, connectionString: REDACTED, ...(this.migrations ? { migrations: this.migrations } : {}) };
  }

  [inspectSymbol](): string {
    return `TenantCredentials ${JSON.stringify(this.toJSON())}`;
  }

  toString(): string {
    return this[inspectSymbol]();
  }
}
