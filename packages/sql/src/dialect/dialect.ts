import type { CompiledQuery } from 'kysely';
import type { TenantryError } from '@tenantry/core';
import type { ExecutablePlan } from '../executable-plan.js';

/*
 * The seam every database family stands behind (the MySQL family today; the
 * PostgreSQL dialect still implements the older `tenantry-dialect.ts` and
 * moves here next, see docs/architecture/dialect-seam.md), after Kysely's `Dialect`: a
 * small factory of pure parts (rules, secrets, plans, catalog queries, error
 * mapping). The I/O half, one driver per client library (`pg`, `mysql2`),
 * lives in @tenantry/admin and knows no dialect; the orchestrator runs the
 * plans a dialect returns with one executor. A new dialect is a folder under
 * `dialect/` and a line in `dialect-registry.ts`.
 */

/** The client library a dialect's plans run through; admin loads it lazily. */
export type DialectClient = 'pg' | 'mysql2';

/** A dialect's identifier rules: each returns the name or throws `ValidationError` naming the rule. */
export interface NameRules {
  /** The tenant's schema (PostgreSQL) or database (MySQL) name. */
  validateSchemaName(value: unknown, field?: string): string;
  /** The tenant's login name. */
  validateUsername(value: unknown, field?: string): string;
}

/** What the orchestrator knows about the server and the admin, read once per `DatabaseAdmin`. */
export interface ServerFacts {
  /** e.g. 180004 (PostgreSQL 18.4), 101119 (MariaDB 10.11.19). */
  readonly versionNum: number;
  /** The server's own version text, for messages. */
  readonly version: string;
  /** PostgreSQL: the database tenants live in. MySQL: the admin URL's database, or ''. */
  readonly database: string;
  /** The admin as the server names it: a role, or `'user'@'host'`. */
  readonly adminRole: string;
  readonly isSuperuser: boolean;
}

/** What an error is about, so the mapped error names the object and the fix. */
export interface ErrorContext {
  action: string;
  database?: string | undefined;
  schemaName?: string;
  username?: string;
  adminRole?: string | undefined;
  /** The admin's lock timeout, for the message of a lock timeout. */
  lockTimeoutMillis?: number | undefined;
}

/**
 * A database family's way of doing each tenant lifecycle step: statements,
 * catalog queries and their readers, never I/O.
 */
export interface TenantryDialect {
  /** `postgres`, `mysql`, ... */
  readonly name: string;
  readonly client: DialectClient;
  readonly rules: NameRules;
  /** The query whose one row `readServerFacts` reads. */
  serverFactsQuery(): CompiledQuery<unknown>;
  readServerFacts(row: unknown): ServerFacts;
  /** What the server stores for a password (a SCRAM verifier, a mysql_native_password hash): the plaintext never reaches SQL. */
  passwordSecret(password: string, options: { scramIterations: number }): Promise<string>;
  /** Maps a driver error to a typed Tenantry error whose message names the fix and holds no secret. */
  mapError(error: unknown, context: ErrorContext): TenantryError;
  /** Where and as whom the admin connects, from its URL (the driver's input). WARNING: holds the password. */
  adminConnection(adminUrl: string): AdminConnectionParts;
  /** The connection string a tenant gets: the admin's server, the tenant's login and schema. */
  tenantConnectionString(adminUrl: string, tenant: { username: string; password: string; database: string }): string;
  /** Whether `prepare` already ran: the query, and its reader. */
  preparedQuery(): CompiledQuery<unknown>;
  readPrepared(rows: readonly unknown[]): boolean;
  /** What `prepare` runs (idempotent). */
  planPrepare(): ExecutablePlan;
  planCreateTenant(spec: { schemaName: string; username: string; passwordSecret: string }): ExecutablePlan;
  planRemoveTenant(spec: { schemaName: string; username: string }): ExecutablePlan;
  planRotatePassword(spec: { schemaName: string; username: string; passwordSecret: string; terminateSessions?: boolean }): ExecutablePlan;
  /** One page of listed tenants, keyset on the schema name; rows read by `readTenant`. */
  listTenantsQuery(spec: { limit?: number; after?: string | undefined }): CompiledQuery<unknown>;
  /** The row of one schema name, read by `readTenant`. */
  tenantQuery(schemaName: string): CompiledQuery<unknown>;
  /** A listed tenant, or undefined for a row that is not one (half made, half removed). */
  readTenant(row: unknown): TenantRecord | undefined;
  /** The catalog facts of one tenant's isolation, read by `readVerification`. */
  verificationQuery(schemaName: string, username: string): CompiledQuery<unknown>;
  /** Each broken promise in words; empty when the tenant is isolated as promised. */
  readVerification(rows: readonly unknown[]): string[];
}

/** Where and as whom to connect. */
export interface AdminConnectionParts {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** WARNING: a secret. */
  readonly password: string;
  readonly database?: string | undefined;
}

/** One tenant as a dialect's catalog records it. */
export interface TenantRecord {
  readonly schemaName: string;
  readonly username: string;
  readonly createdAt: Date;
  readonly labels: Readonly<Record<string, string>>;
  /** The login and the schema are there and belong together. */
  readonly intact: boolean;
}

/** A plan builder's output, for the executor. */
export type { ExecutablePlan };
