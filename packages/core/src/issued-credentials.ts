const REDACTED = '[redacted]';
const inspectSymbol = Symbol.for('nodejs.util.inspect.custom');

/**
 * What `issueCredentials` returns: an extra login that acts as a tenant and
 * expires, as Vault's database secrets engine hands them out. `username` is
 * the credential's own login; `tenantUsername` the tenant's role it acts as.
 *
 * As in `TenantCredentials`, `password` and `connectionString` are read-only
 * accessors over private fields: a spread, `Object.keys`, `util.inspect`,
 * `JSON.stringify` and `String()` leave them out or redact them.
 *
 * ```ts
 * const credentials = await admin.issueCredentials(tenant, { ttl: 3600 });
 * await vault.store(credentials.username, credentials.connectionString, credentials.expiresAt);
 * ```
 */
export class IssuedCredentials {
  /** The credential's login name, which `revokeCredentials` takes. */
  readonly username: string;
  readonly schemaName: string;
  /** The tenant's own login, which the credential acts as. */
  readonly tenantUsername: string;
  /** When it stops logging in (`VALID UNTIL`). */
  readonly expiresAt: Date;
  readonly #password: string;
  readonly #connectionString: string;

  constructor(fields: { username: string; schemaName: string; tenantUsername: string; expiresAt: Date; password: string; connectionString: string }) {
    this.username = fields.username;
    this.schemaName = fields.schemaName;
    this.tenantUsername = fields.tenantUsername;
    this.expiresAt = new Date(fields.expiresAt.getTime());
    this.#password = fields.password;
    this.#connectionString = fields.connectionString;
    Object.freeze(this);
  }

  /** The credential's password. Not an own property: a spread or `Object.keys` leaves it out. */
  get password(): string {
    return this.#password;
  }

  /** A URL to connect with, its password in it. Not an own property: a spread or `Object.keys` leaves it out. */
  get connectionString(): string {
    return this.#connectionString;
  }

  /** The redacted form; use the properties themselves to get the secrets. */
  toJSON(): Record<string, unknown> {
    return {
      username: this.username,
      schemaName: this.schemaName,
      tenantUsername: this.tenantUsername,
      expiresAt: this.expiresAt.toISOString(),
      password: REDACTED,
      connectionString: REDACTED,
    };
  }

  [inspectSymbol](): string {
    return `IssuedCredentials ${JSON.stringify(this.toJSON())}`;
  }

  toString(): string {
    return this[inspectSymbol]();
  }
}
