import type { CompiledQuery } from 'kysely';
import type { Plan } from '../plan.js';
import type { ExecutablePlan } from '../executable-plan.js';
import type { CreateTenantSpec, PrepareDatabaseSpec, RemoveTenantSpec, ListTenantsSpec, RotatePasswordSpec } from '../plans/plan-specs.js';

/**
 * What differs between versions of one database, where something reads it.
 * (Whether DDL is transactional is said by each plan: `ExecutablePlan.atomicity`.)
 */
export interface DialectCapabilities {
  /** `GRANT role TO r WITH SET ..., INHERIT ...` is understood. PostgreSQL: 16 and later. */
  readonly roleGrantOptions: boolean;
  /** A new database's `public` schema already denies CREATE to PUBLIC. PostgreSQL: 15 and later. */
  readonly publicSchemaLockedByDefault: boolean;
}

/**
 * A database's way of doing each tenant lifecycle step, after Kysely's
 * `Dialect`: statements and catalog queries, never I/O.
 */
export interface TenantryDialect {
  readonly name: string;
  readonly capabilities: DialectCapabilities;
  planCreateTenant(spec: CreateTenantSpec): Plan;
  planRemoveTenant(spec: RemoveTenantSpec): ExecutablePlan;
  planPrepareDatabase(spec: PrepareDatabaseSpec): ExecutablePlan;
  planRotatePassword(spec: RotatePasswordSpec): ExecutablePlan;
  /** Server facts the orchestrator needs once: version, database, admin role and its rights. */
  serverFactsQuery(): CompiledQuery<ServerFactsRow>;
  /** What `prepare` would have to change. */
  publicSchemaStateQuery(keepPublicFor: readonly string[]): CompiledQuery<PublicSchemaStateRow>;
  /** The schema and role of one tenant, with their markers. */
  tenantStateQuery(schemaName: string, username: string): CompiledQuery<TenantStateRow>;
  /** One page of managed tenants, ordered by schema name. */
  listTenantsQuery(spec: ListTenantsSpec): CompiledQuery<ManagedSchemaRow>;
  /** The comments (markers) of the named roles. */
  roleCommentsQuery(usernames: readonly string[]): CompiledQuery<RoleCommentRow>;
  /** One schema and its comment (the marker names the role). */
  schemaQuery(schemaName: string): CompiledQuery<SchemaRow>;
  /** A role's attributes, settings in this database and memberships. */
  roleDetailsQuery(username: string): CompiledQuery<RoleDetailsRow>;
}

export interface SchemaRow {
  schema_name: string;
  schema_comment: string | null;
}

export interface RoleDetailsRow {
  role_comment: string | null;
  connection_limit: number;
  /** A Date, or a non-Date for 'infinity'/null. */
  valid_until: Date | number | null;
  /** `name=value` strings for this database, or null. */
  settings: string[] | null;
  member_of: string[];
  /** Members other than the admin itself (which holds ADMIN OPTION on roles it created). */
  members: string[];
}

export interface ServerFactsRow {
  server_version_num: number;
  database: string;
  admin_role: string;
  is_superuser: boolean;
  can_create_role: boolean;
  can_create_in_database: boolean;
}

export interface PublicSchemaStateRow {
  public_schema_exists: boolean;
  /** Privileges PUBLIC holds on schema `public`, e.g. `['USAGE', 'CREATE']`. */
  public_privileges: string[];
  /** Of the roles to keep, those that exist but lack USAGE on `public`. */
  roles_missing_usage: string[];
  /** Of the roles to keep, those that do not exist. */
  unknown_roles: string[];
}

export interface TenantStateRow {
  schema_exists: boolean;
  schema_comment: string | null;
  role_exists: boolean;
  role_comment: string | null;
  /** Whether the admin may drop the schema (superuser, or member of its owner); null when it does not exist. */
  can_drop_schema: boolean | null;
  /** Whether the admin may drop the role (see the dialect for the version rules); null when it does not exist. */
  can_drop_role: boolean | null;
}

export interface ManagedSchemaRow {
  schema_name: string;
  schema_comment: string;
}

export interface RoleCommentRow {
  username: string;
  role_comment: string | null;
}
