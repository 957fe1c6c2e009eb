import type { MigrationProvider } from 'kysely';
import type { TenantConnectionOptions, TenantCredentials, TenantryError } from '@tenantry/core';
import type { AdminLogOption } from './tenant-lifecycle-log.js';
import type { MysqlFamilyOptions, TenantPlacementInfo, TenantryDialect, VerificationCheck } from '@tenantry/sql';

export type { VerificationCheck };

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
   * How many generated passwords, with their SCRAM verifiers, are made ahead
   * on a worker thread, so that `createTenant`, `rotatePassword` and
   * `issueCredentials` without a password pay only for their round trip.
   * Default 4; 0 turns it off (each verifier is then computed in the call, on
   * libuv's thread pool). At most 64. PostgreSQL only (MySQL's hashes are cheap).
   *
   * The worker starts at the first call that needs a generated password,
   * never keeps the process alive, and ends with `close()`, which zeroes the
   * entries left. Each entry is handed out once. A call that finds the
   * reserve empty computes its own verifier rather than wait; while the
   * admin computes several at once (`createTenants` with `concurrency` of 2
   * or more), the worker pauses so as not to compete for the cores. If the
   * worker fails, calls compute their own from then on.
   */
  generatedSecretReserve?: number;
  /**
   * How long to wait for a connection before failing with `ConnectionError`,
   * in milliseconds, when Tenantry creates the pool. Default 10,000.
   */
  connectionTimeoutMillis?: number;
  /**
   * How long an operation waits for a lock (a tenant's advisory lock, a
   * catalog lock) before failing with `TenantBusyError`, in milliseconds; 0
   * waits forever. Default 30,000. The tenants' own sessions can take their
   * advisory locks (the keys are no secret), so without a bound they could
   * stall their removal or rotation.
   */
  lockTimeoutMillis?: number;
  /**
   * What tenants' connection strings need that the admin connection holds as
   * values: `sslrootcert`, the path of the root certificate file behind a pool
   * config's `ssl.ca` (a certificate's text cannot go into a URL). Required
   * when the admin verifies the server with `ssl.ca`: without it the
   * constructor throws `ValidationError` rather than hand tenants a string that
   * verifies less. A URL names its own (`?sslmode=verify-full&sslrootcert=...`).
   *
   * ```ts
   * new DatabaseAdmin(
   *   { host: 'db', database: 'app', user: 'admin', ssl: { ca: readFileSync('/etc/ssl/db-ca.pem', 'utf8') } },
   *   { tenantConnection: { sslrootcert: '/etc/ssl/db-ca.pem' } },
   * ); // tenants get ...?sslmode=verify-full&sslrootcert=%2Fetc%2Fssl%2Fdb-ca.pem
   * ```
   *
   * Also where tenants connect when that is not the admin's server: a
   * pooler (PgBouncer), a proxy, a TLS endpoint. `host`, `port` and `params`
   * (only `sslmode`, `sslrootcert`, `sslnegotiation`,
   * `application_name`, `connect_timeout`, `target_session_attrs`) replace the
   * admin's in every tenant connection string; the admin, and the short-lived
   * migrator logins of `migrateTenants`, keep connecting to the server
   * directly. PostgreSQL only: the MySQL family refuses them.
   *
   * ```ts
   * new DatabaseAdmin(process.env.DATABASE_URL!, { tenantConnection: { host: 'pgbouncer.internal', port: 6432, params: { sslmode: 'require' } } });
   * // tenants get postgresql://acme_user:...@pgbouncer.internal:6432/app?sslmode=require
   * ```
   *
   * @throws ValidationError (from the constructor) for a bad host, a port outside 1 to 65535, or a parameter off the list.
   */
  tenantConnection?: TenantConnectionOptions;
  /**
   * The dialect to run, when the URL's scheme should not pick it (e.g. one
   * from `createDialect` of `@tenantry/sql`, configured by hand). A `pg` pool
   * or pool config runs PostgreSQL's.
   */
  dialect?: TenantryDialect | undefined;
  /**
   * For `mysql://` and `mariadb://` URLs: the flavor (`mariadb`, default, or
   * `mysql` for MySQL 8), the host pattern of tenant accounts (`%`), the
   * database of Tenantry's registry (`tenantry`), the named-lock timeout.
   */
  mysql?: MysqlFamilyOptions;
  /**
   * Tenant events for an audit trail, in the style of Kysely's `log`: each
   * tenant created, removed, its password rotated, or migrated (by
   * `migrateTenants`), and each failed attempt, with the tenant, the admin
   * role, the time and the outcome (a failure's error code), and never a
   * secret (see `TenantEvent`). Levels (`['info', 'error']`) print one JSON
   * line per event to the console; a function gets every event. A listener
   * that throws never changes the call's outcome (it becomes a process warning).
   *
   * ```ts
   * new DatabaseAdmin(url, { log: (event) => audit.write(event) });
   * new DatabaseAdmin(url, { log: ['error'] }); // failed attempts on stderr
   * ```
   */
  log?: AdminLogOption;
}

/** Per-call options of `createTenant`. */
export interface CreateTenantOptions {
  /** Overrides `DatabaseAdminOptions.requirePreparedDatabase` for this call. */
  requirePreparedDatabase?: boolean;
  /**
   * Kysely migrations to run in the new schema, as the tenant: the tables
   * belong to the tenant, and a failing migration leaves no tenant behind.
   * PostgreSQL runs them in the creating transaction (as the tenant's role);
   * the MySQL family in a session of the new tenant's own login, removing the
   * tenant again when one fails.
   *
   * On PostgreSQL, the second tenant created with the same migrations (the
   * same migration objects: see `TenantMigrationsRun`) gets them replayed
   * from what they ran for the first, in one round trip where no statement
   * has bound parameters: the same tables, owners and history, faster. The
   * returned credentials' `migrations.path` says which way ran.
   */
  migrations?: MigrationProvider;
}

/** Options of `rotatePassword`. */
export interface RotatePasswordOptions {
  /** The new password; empty or absent to have one generated. */
  password?: string | undefined;
  /** Also end the tenant's open sessions, which otherwise stay logged in. Default false. */
  terminateSessions?: boolean;
  /** New expiry (`VALID UNTIL`); `null` for none; absent to keep the current one. */
  validUntil?: Date | null;
}

/** Options of `createTenants`. */
export interface CreateTenantsOptions {
  /** How many tenants are created at once. Default 4. */
  concurrency?: number;
  /**
   * Report a tenant that already exists whole (its schema and role, marked as
   * one Tenantry tenant) as `skipped` instead of `failed`, so a rerun resumes.
   */
  skipExisting?: boolean;
  /** Called after each tenant, in completion order. */
  onProgress?: (progress: BulkProgress) => void;
  /** Overrides `DatabaseAdminOptions.requirePreparedDatabase`. */
  requirePreparedDatabase?: boolean;
  /** Migrations to run in each new tenant, as in `createTenant`. */
  migrations?: MigrationProvider;
  /**
   * Aborting starts no further tenant; those in flight finish; the call
   * rejects (the stream throws) with `BulkAbortedError`, whose `results` hold
   * the tenants that finished (with `createTenants`).
   */
  signal?: AbortSignal;
}

/** One tenant's outcome in `createTenants`. */
export type TenantCreationResult = { index: number; schemaName: string; username: string } & (
  | { status: 'created'; credentials: TenantCredentials }
  | { status: 'skipped' }
  | { status: 'failed'; error: TenantryError }
);

/** Running totals, after each tenant of a bulk operation. */
export interface BulkProgress {
  done: number;
  /** Undefined when the input is a stream of unknown length. */
  total: number | undefined;
  succeeded: number;
  skipped: number;
  failed: number;
}

/** Options of `migrateTenants`. */
export interface MigrateTenantsOptions {
  migrations: MigrationProvider;
  /** How many tenants are migrated at once. Default 4. */
  concurrency?: number;
  /**
   * Migrate this many tenants first (of those with migrations pending) and
   * stop, with `MigrationsStoppedError`, if any of them fails. Default 0.
   */
  canary?: number;
  /** Stop (`MigrationsStoppedError`) once more than this many tenants failed. Default: never stop. */
  maxFailures?: number;
  /**
   * How long one tenant's migrations wait for a lock (a busy tenant's long
   * transaction) before that tenant is put aside; put-aside tenants are tried
   * once more at the end, and reported `failed` (TENANT_BUSY) if still busy.
   * Default: the admin's `lockTimeoutMillis`.
   */
  lockTimeoutMillis?: number;
  /** Aborting starts no further tenant; those in flight finish; the run rejects with `MigrationsStoppedError`. */
  signal?: AbortSignal;
  /** Called after each tenant, with the total known from the start. */
  onProgress?: (progress: BulkProgress & { last: TenantMigrationOutcome }) => void;
}

/** One tenant's outcome in `migrateTenants`. */
export interface TenantMigrationOutcome {
  schemaName: string;
  username: string;
  status: 'migrated' | 'up-to-date' | 'failed';
  /** Names of the migrations applied in this run. */
  applied: string[];
  error?: TenantryError;
  /**
   * Set (with `cleanupError`) when the short-lived migrator role this tenant
   * was migrated through could not be dropped: it is still in the cluster.
   * `status` says what happened to the tenant's migrations all the same.
   */
  leftoverRole?: string;
  /** Why `leftoverRole` could not be dropped, and how to drop it by hand. */
  cleanupError?: TenantryError;
  /** True when the tenant was busy (a lock wait timed out) and was tried again at the end of the run. */
  retried?: boolean;
}

/** Options of `planMigrateTenants`. */
export interface PlanMigrateTenantsOptions {
  migrations: MigrationProvider;
  /** How many tenants are read at once, 1 to 64. Default 4. */
  concurrency?: number;
  /** Aborting reads no further tenant; those in flight finish; the call rejects with `BulkAbortedError`, its `results` the reports so far. */
  signal?: AbortSignal;
}

/** One tenant in the report of `planMigrateTenants`. */
export interface TenantMigrationPlan {
  schemaName: string;
  username: string;
  /** `pending`: `migrateTenants` would apply `pending`; `failed`: its history could not be read (see `error`). */
  status: 'pending' | 'up-to-date' | 'failed';
  /** The provider's migrations the tenant's history lacks, in the order `migrateTenants` would apply them; empty when failed. */
  pending: string[];
  error?: TenantryError;
  /** As in `TenantMigrationOutcome`: the migrator role the history was read through, when it could not be dropped. */
  leftoverRole?: string;
  /** Why `leftoverRole` could not be dropped, and how to drop it by hand. */
  cleanupError?: TenantryError;
}

/** The isolation report of `verifyTenant`. */
export interface VerificationReport {
  schemaName: string;
  username: string;
  /** True when every check passed. */
  ok: boolean;
  checks: VerificationCheck[];
  /** Set while the tenant is suspended: a state, not a failed check (`role.can-login` expects NOLOGIN then). */
  suspended?: TenantSuspensionInfo | undefined;
}

/** Options of `prepare`. */
export interface PrepareOptions {
  /**
   * Roles that must keep USAGE on schema `public` once PUBLIC loses it, e.g.
   * your application's own role. The admin role is always kept.
   */
  keepPublicFor?: readonly string[];
  /**
   * PostgreSQL, for tenants behind PgBouncer: also install the login lookup
   * its `auth_query` calls, so new tenants log in through it without any file
   * edited. A SECURITY DEFINER function `<schema>.tenant_login(username)`
   * (schema default `tenantry_pooler`) that returns a role's name and SCRAM
   * verifier only when the role is a whole Tenantry tenant of this database
   * (marker on the role and its schema pointing at each other; no SUPERUSER,
   * CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS, nor membership of a role
   * with them or of a `pg_*` role; not expired), and nothing for any other
   * role, the admin included. Only `role` (PgBouncer's `auth_user`, which
   * must exist) may call it. The admin must be a superuser (only a
   * superuser's function can read `pg_authid`): `PermissionError` otherwise.
   *
   * ```ts
   * const { poolerAuthQuery } = await admin.prepare({ poolerAuth: { role: 'pgbouncer_auth' } });
   * // auth_query = SELECT usename, passwd FROM "tenantry_pooler"."tenant_login"($1)
   * ```
   */
  poolerAuth?: { role: string; schema?: string | undefined };
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
  /** With `poolerAuth`: the line for PgBouncer's ini, `SELECT usename, passwd FROM ...($1)`. */
  poolerAuthQuery?: string;
}

/** A tenant as `listTenants` reports it. */
export interface TenantInfo {
  schemaName: string;
  username: string;
  createdAt: Date;
  /** Free-form labels given at creation. */
  labels: Record<string, string>;
  /** False when the tenant's role is gone or no longer carries the marker that points back. */
  roleIntact: boolean;
  /**
   * Where Tenantry's migrations last left the tenant (the last migration
   * applied, and how many are), as the admin recorded it after creating or
   * migrating it; undefined when never recorded.
   */
  migrations?: { last: string; count: number } | undefined;
  /** Set while the tenant is suspended (`suspendTenant`): by which admin role, and since when. */
  suspended?: TenantSuspensionInfo | undefined;
  /**
   * Set while a removal that began has not finished (it was interrupted, or
   * is running): who began it and when. Such a tenant is not whole
   * (`roleIntact` is false), its login cannot log in, and `removeTenant`
   * resumes it.
   */
  removing?: { since: Date; by: string } | undefined;
}

/** Who suspended a tenant, and since when. */
export interface TenantSuspensionInfo {
  /** The admin role that suspended it. */
  by: string;
  since: Date;
}

/** Options of `issueCredentials`. */
export interface IssueCredentialsOptions {
  /** How long the credential can log in, in seconds: 1 to 31,536,000 (a year); default 3600. */
  ttl?: number;
}

/** One extra credential of a tenant, as `listCredentials` reports it (never its password). */
export interface CredentialInfo {
  /** The credential's login name, which `revokeCredentials` takes. */
  name: string;
  schemaName: string;
  /** The tenant's own login, which the credential acts as. */
  username: string;
  createdAt: Date;
  expiresAt: Date;
  /** Past `expiresAt` by the server's clock: it cannot log in; `sweepCredentials` drops it. */
  expired: boolean;
}

/** One expired credential `sweepCredentials` found: dropped, or the error that kept it. */
export interface SweptCredential extends CredentialInfo {
  dropped: boolean;
  error?: Error | undefined;
}

/** What `renameTenant` returns: the tenant under its new names. */
export interface RenamedTenant extends TenantInfo {
  /** The names it had. */
  previous: { schemaName: string; username: string };
  /**
   * The tenant's connection string under its new login name, without a
   * password: Tenantry keeps none, and the password did not change. Add it,
   * or call `rotatePassword` for a new one.
   */
  connectionString: string;
}

/** A tenant as `getTenant` reports it: `TenantInfo` plus its role's settings. */
export interface TenantDetails extends TenantInfo {
  /** `-1` for no limit. */
  connectionLimit: number;
  /** Password expiry (`VALID UNTIL`), or null. */
  validUntil: Date | null;
  /** Per-role settings in this database, e.g. `{ search_path: 'tenant_acme', statement_timeout: '5s' }`. */
  settings: Record<string, string>;
  /** Roles the tenant's role is a member of. */
  memberOf: string[];
  /** Roles that are members of the tenant's role (e.g. a reporting role). */
  members: string[];
  /** Where its schema lives, on a cluster whose tenants live on one node of several (Citus); absent elsewhere. */
  placement?: TenantPlacementInfo;
}

/** Options of `moveTenant`. */
export interface MoveTenantOptions {
  /** The node to move to, `host:port`, as the cluster names it (e.g. `10.0.0.12:5432`). */
  to: string;
}

/** One page of `listTenantsPage`. */
export interface TenantPage {
  tenants: TenantInfo[];
  /** Pass as `after` to get the next page; undefined on the last page. */
  nextCursor: string | undefined;
}

/** What `serverInfo` reports. */
export interface ServerInfo {
  /** e.g. 180004 for PostgreSQL 18.4. */
  versionNum: number;
  /** The database tenants are created in. */
  database: string;
  /** The role the admin connects as. */
  adminRole: string;
  isSuperuser: boolean;
}
