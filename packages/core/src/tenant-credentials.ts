import { LoginSecrets } from './login-secrets.js';

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
 * `password` and `connectionString` are read-only accessors over private
 * fields: readable as usual (`credentials.password`), but not own properties,
 * so spreading (`{ ...credentials }`), `Object.keys` and `Object.entries` leave
 * them out, and TypeScript's type of a spread leaves them out too. They are
 * redacted in `util.inspect`, `console.log`, `JSON.stringify` and `String()`,
 * so logging the object does not leak them. Read them explicitly where you
 * store them.
 *
 * ```ts
 * const credentials = await admin.createTenant({ schemaName: 'tenant_acme', username: 'acme_user' });
 * await vault.store(credentials.schemaName, credentials.connectionString);
 * const { password, ...rest } = credentials; // TypeScript and runtime agree: rest has no password
 * ```
 */
export class TenantCredentials extends LoginSecrets {
  readonly username: string;
  readonly schemaName: string;
  /** Set when `createTenant` was given migrations. */
  readonly migrations?: TenantMigrationsRun;

  constructor(fields: { username: string; schemaName: string; password: string; connectionString: string; migrations?: TenantMigrationsRun | undefined }) {
    super(fields);
    this.username = fields.username;
    this.schemaName = fields.schemaName;
    if (fields.migrations) this.migrations = Object.freeze({ path: fields.migrations.path, applied: Object.freeze([...fields.migrations.applied]) });
    Object.freeze(this);
  }

  protected get printedName(): string {
    return 'TenantCredentials';
  }

  protected shownFields(): Record<string, unknown> {
    return { username: this.username, schemaName: this.schemaName, ...(this.migrations ? { migrations: this.migrations } : {}) };
  }
}
