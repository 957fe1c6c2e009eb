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
}

/** Identifies an existing tenant: its schema and its role. */
export interface TenantRef {
  schemaName: string;
  username: string;
}
