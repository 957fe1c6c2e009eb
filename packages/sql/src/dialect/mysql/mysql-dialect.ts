import { sql, type CompiledQuery } from 'kysely';
import { TenantNotFoundError, ValidationError, type TenantryError } from '@tenantry/core';
import { executablePlan, type ExecutablePlan } from '../../executable-plan.js';
import { Statement } from '../../statement.js';
import type {
  AdminConnectionParts,
  CatalogReader,
  CreateTenantPlanSpec,
  ErrorContext,
  PreparePlan,
  PrepareSpec,
  RemoveTenantPlanSpec,
  RotatePasswordPlanSpec,
  ServerFacts,
  TenantRecord,
  TenantRecordPage,
  TenantryDialect,
  TenantVerification,
} from '../dialect.js';
import type { CreationOptionName } from '../tenant-spec.js';
import * as catalog from './mysql-catalog-queries.js';
import { DEFAULT_MYSQL_LOCK_TIMEOUT_MILLIS, DEFAULT_MYSQL_REGISTRY_DATABASE, type MysqlDialectConfig, type MysqlFlavor } from './mysql-dialect-config.js';
import { mysqlAdminConnection, mysqlServerAddress, mysqlTenantConnectionString } from './mysql-connection-string.js';
import { mapMysqlError, mysqlToDatabaseError } from './mysql-error-mapping.js';
import { MysqlNameRules } from './mysql-name-rules.js';
import { mysqlPasswordSecret } from './mysql-password-secret.js';
import { compileMysqlDdl } from './mysql-query-compiler.js';
import {
  planMysqlCreateTenant,
  planMysqlPrepare,
  planMysqlRemoveTenant,
  planMysqlRotatePassword,
  type MysqlPlanContext,
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
 * const tenant = parseTenantSpec({ schemaName: 'acme', username: 'acme' }, dialect);
 * const plan = dialect.planCreateTenant({ tenant, passwordSecret: secret, requirePreparedDatabase: true }, facts);
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
  readonly passwordSecretIsScram = false;
  readonly flavor: MysqlFlavor;
  readonly tenantHost: string;
  readonly registryDatabase: string;
  readonly lockTimeoutMillis: number;
  readonly rules: MysqlNameRules;
  /** None yet: connection limits, expiry and labels have no counterpart Tenantry promises here. */
  readonly creationOptions: ReadonlySet<CreationOptionName> = new Set();
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
      // What the admin lacks shows where it fails, named by the server (MySQL grants are many-shaped).
      missingToCreate: Object.freeze([]),
      extensions: Object.freeze([]),
    });
  }

  /** The flavor's stored hash (mysql_native_password / caching_sha2_password); `scramIterations` is ignored. */
  async passwordSecret(password: string, _options?: { scramIterations: number }): Promise<string> {
    return mysqlPasswordSecret(this.flavor, password);
  }

  mapError(error: unknown, context: ErrorContext): TenantryError {
    return mapMysqlError(error, { ...context, lockTimeoutMillis: context.lockTimeoutMillis ?? this.lockTimeoutMillis });
  }

  toDatabaseError(prefix: string, error: unknown): TenantryError {
    return mysqlToDatabaseError(prefix, error);
  }

  /** The registry database and table, unless they are there already (nothing to run then). */
  async planPrepare(read: CatalogReader, _facts: ServerFacts, spec: PrepareSpec): Promise<PreparePlan> {
    if (spec.poolerAuth !== undefined) {
      throw new ValidationError({ field: 'poolerAuth', rule: 'unsupported-by-dialect', message: `poolerAuth (a pooler's login lookup) is not available for the ${this.name} dialect. Nothing was changed.` });
    }
    const [row] = await read(catalog.registryExistsQuery(this.#context));
    const prepared = Number((row as { prepared?: unknown } | undefined)?.prepared ?? 0) > 0;
    return { plan: prepared ? executablePlan('prepare-database', 'compensation', []) : planMysqlPrepare(this.#context), revokedFromPublic: [], grantedUsageTo: [] };
  }

  /** The registry database and table (idempotent). */
  planPrepareOffline(): PreparePlan {
    return { plan: planMysqlPrepare(this.#context), revokedFromPublic: [], grantedUsageTo: [] };
  }

  planCreateTenant(spec: CreateTenantPlanSpec): ExecutablePlan {
    const { schemaName, username } = spec.tenant;
    return planMysqlCreateTenant(this.#context, { schemaName, username, passwordSecret: spec.passwordSecret });
  }

  planRemoveTenant(spec: RemoveTenantPlanSpec): ExecutablePlan {
    return planMysqlRemoveTenant(this.#context, { schemaName: spec.schemaName, username: spec.username });
  }

  planRotatePassword(spec: RotatePasswordPlanSpec): ExecutablePlan {
    const { schemaName, username, passwordSecret, terminateSessions } = spec;
    return planMysqlRotatePassword(this.#context, { schemaName, username, passwordSecret, terminateSessions });
  }

  async readTenantPage(read: CatalogReader, page: { limit: number; after: string | undefined }): Promise<TenantRecordPage> {
    const rows = await read(this.listTenantsQuery(page));
    const tenants = rows.map((row) => this.tenantFromRow(row)).filter((tenant) => tenant !== undefined);
    return { tenants, nextCursor: rows.length === page.limit ? rows.at(-1)?.schema_name : undefined };
  }

  async readTenant(read: CatalogReader, schemaName: string): Promise<TenantRecord | undefined> {
    const [row] = await read(this.tenantQuery(schemaName));
    return row === undefined ? undefined : this.tenantFromRow(row);
  }

  /** One check: the account's privileges are its own database's, and the registry agrees. */
  async verifyTenant(read: CatalogReader, schemaName: string): Promise<TenantVerification> {
    const record = await this.readTenant(read, schemaName);
    if (!record) throw new TenantNotFoundError({ objectKind: 'schema', objectName: schemaName });
    const problems = this.readVerification(await read(this.verificationQuery(record.schemaName, record.username)));
    const check = {
      id: 'account.isolation',
      description: 'The account has every privilege on its own database and nothing else (no global privilege, no other database, no GRANT OPTION), and matches the registry.',
    };
    return {
      schemaName: record.schemaName,
      username: record.username,
      checks: [problems.length === 0 ? { ...check, ok: true } : { ...check, ok: false, detail: problems.join(' ') }],
    };
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
  tenantFromRow(row: unknown): TenantRecord | undefined {
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
}
