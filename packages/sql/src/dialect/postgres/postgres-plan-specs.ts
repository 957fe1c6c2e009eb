/** The PostgreSQL create plan's input, filled in by `PostgresDialect` from the parsed spec and the server's facts. */
export interface CreateTenantSpec {
  schemaName: string;
  username: string;
  /**
   * The password as its SCRAM-SHA-256 verifier (`scramSha256Verifier`).
   * A plaintext password is refused: it would land in SQL text and logs.
   */
  passwordVerifier: string;
  /** The database the tenant lives in, for its CONNECT grant and settings. */
  database: string;
  /**
   * Stop with SQLSTATE `TRY01` when PUBLIC still has rights on schema `public`
   * (the database was never prepared). Default true.
   */
  requirePreparedDatabase?: boolean;
  /** Stored in the marker; defaults to now. */
  createdAt?: Date;
  /** -1 (default) for no limit. */
  connectionLimit?: number;
  /** `VALID UNTIL`; absent for never. */
  validUntil?: Date | undefined;
  /** Per-role settings in the database (names checked by `validateCreationOptions`). */
  settings?: Readonly<Record<string, string>>;
  /** Existing roles granted to the tenant's role. */
  memberOf?: readonly string[];
  /** Existing roles the tenant's role is granted to. */
  grantTo?: readonly string[];
  /** Stored in the schema's marker. */
  labels?: Readonly<Record<string, string>>;
}

/** Input of `planRemoveTenant`. */
export interface RemoveTenantSpec {
  schemaName: string;
  username: string;
  /**
   * The admin role, when it is not superuser. `DROP OWNED BY` needs the
   * privileges of the tenant role, so such an admin first grants itself
   * membership (dropped again with the role). Omit for a superuser.
   */
  nonSuperuserAdmin?: string | undefined;
  /** The tenant's database, which the role's marker must name; an offline plan may leave it out. */
  database?: string | undefined;
  /** The admin role, for messages (defaults to `nonSuperuserAdmin`). */
  adminRole?: string | undefined;
  /**
   * The caller drops what the role has in other databases before the plan
   * runs, so the plan does not stop on it (see `dropOwnedElsewhereStatements`).
   */
  dropOwnedInOtherDatabases?: boolean;
  /** Check, under the locks, that the schema fits one transaction and is not being removed in stages (`checkFitsOneTransaction`, made by the server). */
  stageWhenLarge?: boolean;
}

/** Input of `planPrepareDatabase`: what the current state needs changed. */
export interface PrepareDatabaseSpec {
  /** Privileges PUBLIC holds on schema `public` and must lose. */
  publicPrivileges: readonly string[];
  /** Roles that must keep USAGE on `public` and do not have it yet. */
  grantUsageTo: readonly string[];
  /** Every role that keeps USAGE (the admin included): with it, the plan checks its own result. */
  keepPublicFor?: readonly string[];
  /** The admin role, for messages. */
  adminRole?: string | undefined;
}

/** One page of `listTenants`: keyset pagination on the schema name. */
export interface ListTenantsSpec {
  /** At most this many rows; default 100, at most 10,000. */
  limit?: number;
  /** Return schemas whose name sorts after this one (the previous page's cursor). */
  after?: string | undefined;
}

/** SQLSTATE raised by a create plan on a database `prepare` never ran on. */
export const NOT_PREPARED_SQLSTATE = 'TRY01';

/**
 * SQLSTATE raised by a create plan when a role other than the tenant's own
 * has the schema's name: the schema would be on that role's default
 * `search_path` ("$user"), where the tenant could plant objects it runs.
 */
export const SCHEMA_SHADOWS_ROLE_SQLSTATE = 'TRY02';

/** Input of `planRotatePassword`. */
export interface RotatePasswordSpec {
  schemaName: string;
  username: string;
  /** The new password as its SCRAM-SHA-256 verifier; plaintext is refused. */
  passwordVerifier: string;
  /** New `VALID UNTIL`; null for never; undefined to keep the current one. */
  validUntil?: Date | null | undefined;
  /** Also end the tenant's open sessions. */
  terminateSessions?: boolean;
  /** The admin role when it is not superuser (see `RemoveTenantSpec`). */
  nonSuperuserAdmin?: string | undefined;
  /**
   * The tenant's database, which the role's marker must name; the plan's check
   * compares it. An offline plan (no server to check) may leave it out.
   */
  database?: string | undefined;
}

/**
 * SQLSTATE raised by a create plan when a `memberOf` or `grantTo` role is, or
 * reaches through membership, the admin, a privileged or predefined role, or a
 * role Tenantry made. The error's DETAIL names the option.
 */
export const UNSAFE_ROLE_GRANT_SQLSTATE = 'TRY03';

/**
 * SQLSTATE raised by a create plan when a setting is one a plain user could not
 * set itself (e.g. `log_statement`). The error's DETAIL is `settings`.
 */
export const PRIVILEGED_SETTING_SQLSTATE = 'TRY04';

/**
 * SQLSTATE raised by a credential or suspension plan when the tenant's schema
 * or role does not exist. The error's DETAIL is `schema` or `role`.
 */
export const TENANT_MISSING_SQLSTATE = 'TRY05';

/**
 * SQLSTATE raised by a credential or suspension plan when the schema or role
 * is not a whole Tenantry tenant of this database. DETAIL is `schema` or `role`.
 */
export const TENANT_UNMANAGED_SQLSTATE = 'TRY06';

/** SQLSTATE raised by `issueCredentials`'s plan when the tenant is suspended. */
export const TENANT_SUSPENDED_SQLSTATE = 'TRY07';

/**
 * SQLSTATE raised by a revoke plan when the credential does not exist
 * (DETAIL `unknown`) or is not one of this tenant's (DETAIL `other`).
 */
export const CREDENTIAL_MISMATCH_SQLSTATE = 'TRY08';

/**
 * SQLSTATE of the error a remove plan's check raises (with `stageWhenLarge`)
 * when the schema is too large for one transaction, or its removal began
 * already: the caller removes it in stages instead. Never reaches the caller
 * of `removeTenant`.
 */
export const REMOVAL_NEEDS_STAGES_SQLSTATE = 'TRY09';

