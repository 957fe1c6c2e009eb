/**
 * What the caller asks for: the seed's `TenantConfig(schema_name, username, password)`.
 *
 * ```ts
 * const config: TenantConfig = { schemaName: 'tenant_acme', username: 'acme_user' };
 * ```
 */
export interface TenantConfig {
  /** The tenant's schema, used exactly as given (case-sensitive, always quoted). */
  schemaName: string;
  /** The tenant's login role, used exactly as given. */
  username: string;
  /** The password; empty or absent to have a 32-character one generated. */
  password?: string | undefined;
  /** Most concurrent connections the role may open; -1 (the default) for no limit. */
  connectionLimit?: number | undefined;
  /** When the password stops working (`VALID UNTIL`); absent for never. */
  validUntil?: Date | undefined;
  /**
   * Per-role settings in this database, e.g. `{ statement_timeout: '5s' }`.
   * `search_path` is Tenantry's (always the tenant's schema) and cannot be set here.
   */
  settings?: Readonly<Record<string, string | number | boolean>> | undefined;
  /** Existing roles the tenant's role becomes a member of (it gains their rights). */
  memberOf?: readonly string[] | undefined;
  /** Existing roles that become members of the tenant's role, e.g. a shared read-only reporting role. */
  grantTo?: readonly string[] | undefined;
  /** Free-form labels stored with Tenantry's marker and returned by `getTenant` and `listTenants`. */
  labels?: Readonly<Record<string, string>> | undefined;
}

/** Identifies an existing tenant: its schema and its role. */
export interface TenantRef {
  schemaName: string;
  username: string;
}
