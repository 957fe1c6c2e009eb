import { sql, type CompiledQuery } from 'kysely';
import type { TenantryError } from '@tenantry/core';
import type { ExecutablePlan } from '../../executable-plan.js';
import { Statement } from '../../statement.js';
import type { AdminConnectionParts, ErrorContext, ServerFacts, TenantRecord, TenantryDialect } from '../dialect.js';
import * as catalog from './mysql-catalog-queries.js';
import { DEFAULT_MYSQL_LOCK_TIMEOUT_MILLIS, DEFAULT_MYSQL_REGISTRY_DATABASE, type MysqlDialectConfig, type MysqlFlavor } from './mysql-dialect-config.js';
import { mysqlAdminConnection, mysqlServerAddress, mysqlTenantConnectionString } from './mysql-connection-string.js';
import { mapMysqlError } from './mysql-error-mapping.js';
import { MysqlNameRules } from './mysql-name-rules.js';
import { mysqlPasswordSecret } from './mysql-password-secret.js';
import { compileMysqlDdl } from './mysql-query-compiler.js';
import {
  planMysqlCreateTenant,
  planMysqlPrepare,
  planMysqlRemoveTenant,
  planMysqlRotatePassword,
  type MysqlCreateTenantSpec,
  type MysqlPlanContext,
  type MysqlRemoveTenantSpec,
  type MysqlRotatePasswordSpec,
} from './mysql-tenant-plans.js';

/**
 * The MySQL family's dialect: a tenant is a database and a user
 * `'username'@'<tenantHost>'` with ALL PRIVILEGES on that database only.
 * DDL is not transactional, so every plan is a `compensation` plan (see
 * `planMysqlCreateTenant` for the order and the undo). Markers live in a
 * registry table in the admin's own database.
 *
 * ```ts
 * const dialect = new MysqlDialect({ flavor: 'mariadb' });
 * const secret = await dialect.passwordSecret(password, { scramIterations: 0 });
 * const plan = dialect.planCreateTenant({ schemaName: 'acme', username: 'acme', passwordSecret: secret });
 * ```
 *
 * The generated SQL (MariaDB), create, the central steps:
 * ```sql
 * CREATE USER `acme`@`%` IDENTIFIED BY PASSWORD '<redacted>' ACCOUNT LOCK;
 * CREATE DATABASE `acme`;
 * GRANT ALL PRIVILEGES ON `acme`.* TO `acme`@`%`;
 * ALTER USER `acme`@`%` ACCOUNT UNLOCK;
 * ```
 */
export class MysqlDialect implements TenantryDialect {
  readonly name = 'mysql';
  readonly client = 'mysql2' as const;
  readonly flavor: MysqlFlavor;
  readonly tenantHost: string;
  readonly registryDatabase: string;
  readonly lockTimeoutMillis: number;
  readonly rules: MysqlNameRules;
  readonly #context: MysqlPlanContext;

  constructor(config: MysqlDialectConfig = {}) {
    this.flavor = config.flavor ?? 'mariadb';
    if (this.flavor !== 'mariadb' && this.flavor !== 'mysql') throw new RangeError("flavor must be 'mariadb' or 'mysql'");
    const registry = config.registryDatabase ?? DEFAULT_MYSQL_REGISTRY_DATABASE;
    // The registry itself obeys the database rules (checked against no registry name).
    this.registryDatabase = new MysqlNameRules(this.flavor, '').validateSchemaName(registry, 'registryDatabase');
    this.rules = new MysqlNameRules(this.flavor, this.registryDatabase);
    this.tenantHost = this.rules.validateHost(config.tenantHost ?? '%');
    this.lockTimeoutMillis = config.lockTimeoutMillis ?? DEFAULT_MYSQL_LOCK_TIMEOUT_MILLIS;
    if (!Number.isInteger(this.lockTimeoutMillis) || this.lockTimeoutMillis < 0) throw new RangeError('lockTimeoutMillis must be a non-negative integer');
    this.#context = Object.freeze({ flavor: this.flavor, tenantHost: this.tenantHost, registryDatabase: this.registryDatabase, lockTimeoutMillis: this.lockTimeoutMillis });
  }

  /** The auth plugin tenant accounts use. */
  get tenantPlugin(): 'mysql_native_password' | 'caching_sha2_password' {
    return this.flavor === 'mariadb' ? 'mysql_native_password' : 'caching_sha2_password';
  }

  serverFactsQuery(): CompiledQuery<unknown> {
    return catalog.serverFactsQuery();
  }

  readServerFacts(row: unknown): ServerFacts {
    const facts = row as catalog.MysqlServerFactsRow;
    const [major = 0, minor = 0, patch = 0] = /^(\d+)\.(\d+)\.(\d+)/.exec(facts.version)?.slice(1).map(Number) ?? [];
    return Object.freeze({
      versionNum: major * 10000 + minor * 100 + patch,
      version: facts.version,
      database: facts.database ?? '',
      adminRole: facts.admin,
      isSuperuser: Number(facts.is_super) > 0,
    });
  }

  /** The flavor's stored hash (mysql_native_password / caching_sha2_password); `scramIterations` is ignored. */
  async passwordSecret(password: string, _options?: { scramIterations: number }): Promise<string> {
    return mysqlPasswordSecret(this.flavor, password);
  }

  mapError(error: unknown, context: ErrorContext): TenantryError {
    return mapMysqlError(error, { ...context, lockTimeoutMillis: context.lockTimeoutMillis ?? this.lockTimeoutMillis });
  }

  /** Whether the registry is there already: read by `readPrepared`. */
  preparedQuery(): CompiledQuery<unknown> {
    return catalog.registryExistsQuery(this.#context);
  }

  readPrepared(rows: readonly unknown[]): boolean {
    return Number((rows[0] as { prepared?: unknown } | undefined)?.prepared ?? 0) > 0;
  }

  /** The registry database and table (idempotent). */
  planPrepare(): ExecutablePlan {
    return planMysqlPrepare(this.#context);
  }

  planCreateTenant(spec: MysqlCreateTenantSpec): ExecutablePlan {
    return planMysqlCreateTenant(this.#context, this.#validated(spec));
  }

  planRemoveTenant(spec: MysqlRemoveTenantSpec): ExecutablePlan {
    return planMysqlRemoveTenant(this.#context, this.#validated(spec));
  }

  planRotatePassword(spec: MysqlRotatePasswordSpec): ExecutablePlan {
    return planMysqlRotatePassword(this.#context, this.#validated(spec));
  }

  /** One page of listed tenants, keyset on the database name. */
  listTenantsQuery(spec: { limit?: number; after?: string | undefined } = {}): CompiledQuery<catalog.MysqlTenantRow> {
    return catalog.listTenantsQuery(this.#context, spec);
  }

  /** The registry row of one database (`getTenant`, `tenantExists`: exists when a row comes back with `listed` = 1). */
  tenantQuery(schemaName: string): CompiledQuery<catalog.MysqlTenantRow & { listed: number }> {
    return catalog.tenantRowQuery(this.#context, this.rules.validateSchemaName(schemaName));
  }

  /** The catalog facts of one tenant's isolation; read them with {@link MysqlDialect.readVerification}. */
  verificationQuery(schemaName: string, username: string): CompiledQuery<catalog.MysqlVerificationRow> {
    return catalog.verificationQuery(this.#context, this.rules.validateSchemaName(schemaName), this.rules.validateUsername(username));
  }

  /** Problems found, in words; empty when the tenant is isolated as promised. */
  readVerification(rows: readonly unknown[]): string[] {
    return catalog.readVerification(rows[0] as catalog.MysqlVerificationRow | undefined, this.tenantPlugin);
  }

  /** Ids of a user's live sessions (for MySQL 8, which has no `KILL ... USER`). */
  sessionIdsQuery(username: string): CompiledQuery<{ id: number }> {
    return catalog.sessionIdsQuery(this.rules.validateUsername(username));
  }

  /** `KILL CONNECTION <id>` for one session id from {@link MysqlDialect.sessionIdsQuery}. */
  killSessionStatement(id: number): Statement {
    if (!Number.isSafeInteger(id) || id < 0) throw new RangeError('session id must be a non-negative integer');
    return new Statement("end one of the tenant's sessions", compileMysqlDdl(sql`KILL CONNECTION ${sql.lit(id)}`));
  }

  adminConnection(adminUrl: string): AdminConnectionParts {
    return mysqlAdminConnection(adminUrl);
  }

  /** A listed tenant from a row of `listTenantsQuery` or `tenantQuery`; undefined for one that is not listed. */
  readTenant(row: unknown): TenantRecord | undefined {
    const tenant = row as catalog.MysqlTenantRow & { listed?: number };
    if (tenant.listed !== undefined && Number(tenant.listed) !== 1) return undefined;
    return Object.freeze({
      schemaName: tenant.schema_name,
      username: tenant.username,
      createdAt: new Date(tenant.created_at),
      labels: Object.freeze({}),
      intact: tenant.account_locked !== null && Number(tenant.database_exists) > 0,
    });
  }

  /** `mysql://user:password@host:port/database` on the admin URL's host and port, percent-encoded. */
  tenantConnectionString(adminUrl: string, tenant: { username: string; password: string; database: string }): string {
    return mysqlTenantConnectionString(mysqlServerAddress(adminUrl), tenant);
  }

  #validated<T extends { schemaName: string; username: string }>(spec: T): T {
    return { ...spec, schemaName: this.rules.validateSchemaName(spec.schemaName), username: this.rules.validateUsername(spec.username) };
  }
}
