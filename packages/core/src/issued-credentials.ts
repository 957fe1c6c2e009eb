import { LoginSecrets } from './login-secrets.js';

/**
 * What `issueCredentials` returns: an extra login that acts as a tenant and
 * expires, as Vault's database secrets engine hands them out. `username` is
 * the credential's own login; `tenantUsername` the tenant's role it acts as.
 *
 * As in `TenantCredentials`, `password` and `connectionString` are read-only
 * accessors over private fields (`LoginSecrets`): a spread, `Object.keys`,
 * `util.inspect`, `JSON.stringify` and `String()` leave them out or redact them.
 *
 * ```ts
 * const credentials = await admin.issueCredentials(tenant, { ttl: 3600 });
 * await vault.store(credentials.username, credentials.connectionString, credentials.expiresAt);
 * ```
 */
export class IssuedCredentials extends LoginSecrets {
  /** The credential's login name, which `revokeCredentials` takes. */
  readonly username: string;
  readonly schemaName: string;
  /** The tenant's own login, which the credential acts as. */
  readonly tenantUsername: string;
  /** When it stops logging in (`VALID UNTIL`). */
  readonly expiresAt: Date;

  constructor(fields: { username: string; schemaName: string; tenantUsername: string; expiresAt: Date; password: string; connectionString: string }) {
    super(fields);
    this.username = fields.username;
    this.schemaName = fields.schemaName;
    this.tenantUsername = fields.tenantUsername;
    this.expiresAt = new Date(fields.expiresAt.getTime());
    Object.freeze(this);
  }

  protected get printedName(): string {
    return 'IssuedCredentials';
  }

  protected shownFields(): Record<string, unknown> {
    return { username: this.username, schemaName: this.schemaName, tenantUsername: this.tenantUsername, expiresAt: this.expiresAt.toISOString() };
  }
}
