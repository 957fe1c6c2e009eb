import type { CompiledQuery } from 'kysely';
import type { TenantryError } from '@tenantry/core';
import type { ExecutablePlan } from '../executable-plan.js';

/*
 * The seam every database family stands behind, after Kysely's `Dialect`: a
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
}

/** A plan builder's output, for the executor. */
export type { ExecutablePlan };
