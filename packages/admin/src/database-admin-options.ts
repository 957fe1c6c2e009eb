/** Options of `DatabaseAdmin`; every one has a safe default. */
export interface DatabaseAdminOptions {
  /**
   * Refuse to create tenants while PUBLIC can still use schema `public`
   * (see `prepare`). Default true: without it a tenant could reach `public`.
   */
  requirePreparedDatabase?: boolean;
  /** Length of generated passwords. Default 32 (A-Z a-z 0-9). */
  passwordLength?: number;
  /** PBKDF2 rounds of the SCRAM verifiers Tenantry computes. Default 4096, PostgreSQL's default. */
  scramIterations?: number;
  /**
   * How long to wait for a connection before failing with `ConnectionError`,
   * in milliseconds, when Tenantry creates the pool. Default 10,000.
   */
  connectionTimeoutMillis?: number;
}

/** Per-call options of `createTenant`. */
export interface CreateTenantOptions {
  /** Overrides `DatabaseAdminOptions.requirePreparedDatabase` for this call. */
  requirePreparedDatabase?: boolean;
}

/** Options of `prepare`. */
export interface PrepareOptions {
  /**
   * Roles that must keep USAGE on schema `public` once PUBLIC loses it, e.g.
   * your application's own role. The admin role is always kept.
   */
  keepPublicFor?: readonly string[];
}

/** What `prepare` found and changed. */
export interface PrepareReport {
  database: string;
  /** False when the database was already prepared: nothing was changed. */
  changed: boolean;
  /** Privileges PUBLIC held on schema `public` and no longer holds. */
  revokedFromPublic: string[];
  /** Roles given USAGE on schema `public` so they keep using it. */
  grantedUsageTo: string[];
  /** The statements that ran, printable. */
  statements: string[];
}

/** A tenant as `listTenants` reports it. */
export interface TenantInfo {
  schemaName: string;
  username: string;
  createdAt: Date;
  /** False when the tenant's role is gone or no longer carries the marker that points back. */
  roleIntact: boolean;
}

/** One page of `listTenantsPage`. */
export interface TenantPage {
  tenants: TenantInfo[];
  /** Pass as `after` to get the next page; undefined on the last page. */
  nextCursor: string | undefined;
}
