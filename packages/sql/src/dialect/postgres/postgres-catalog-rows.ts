/** Rows of the PostgreSQL dialect's catalog queries. */

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
  extensions: string[];
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
