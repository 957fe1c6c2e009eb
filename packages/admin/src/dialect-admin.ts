import type { MigrationProvider } from 'kysely';
import {
  DatabaseError,
  generatePassword,
  TenantCredentials,
  TenantNotFoundError,
  TenantryError,
  validatePassword,
  ValidationError,
  type TenantConfig,
  type TenantRef,
} from '@tenantry/core';
import { DEFAULT_PAGE_SIZE, type ErrorContext, type ExecutablePlan, type SeamDialect, type ServerFacts, type TenantRecord } from '@tenantry/sql';
import type { BulkCreationHost } from './create-tenants.js';
import type {
  CreateTenantOptions,
  PrepareReport,
  RotatePasswordOptions,
  TenantDetails,
  TenantInfo,
  TenantPage,
  VerificationReport,
} from './database-admin-options.js';
import { openDriverConnection, type ClosableDriverConnection } from './drivers/open-driver-connection.js';
import { executePlan } from './executor/execute-plan.js';
import { runMigrationsAsTenant } from './drivers/tenant-migrations-over-driver.js';

/** The options of `DatabaseAdmin` that a seam dialect reads. */
export interface DialectAdminOptions {
  passwordLength: number;
  connectionTimeoutMillis: number;
}

/** Creation options that only the PostgreSQL dialect has, refused elsewhere with the reason. */
const POSTGRES_ONLY_FIELDS = ['connectionLimit', 'validUntil', 'settings', 'memberOf', 'grantTo', 'labels'] as const;

/**
 * `DatabaseAdmin` for a dialect behind the seam (the MySQL family today): every
 * operation is the dialect's plan or catalog query, run by the one executor
 * over a connection of the dialect's client library. It knows no dialect.
 * Each call opens one admin connection and closes it: named locks and
 * session settings never outlive the call.
 */
export class DialectAdmin {
  readonly dialect: SeamDialect;
  readonly #adminUrl: string;
  readonly #options: DialectAdminOptions;
  #facts: Promise<ServerFacts> | undefined;

  constructor(dialect: SeamDialect, adminUrl: string, options: DialectAdminOptions) {
    this.dialect = dialect;
    this.#adminUrl = adminUrl;
    this.#options = options;
    dialect.adminConnection(adminUrl); // a malformed URL fails here, not at the first call
  }

  serverFacts(): Promise<ServerFacts> {
    this.#facts ??= this.#withConnection({ action: 'connect to the database' }, async (connection) => {
      const [row] = await connection.query(this.dialect.serverFactsQuery());
      return this.dialect.readServerFacts(row);
    }).catch((error: unknown) => {
      this.#facts = undefined; // let the next call try again
      throw error;
    });
    return this.#facts;
  }

  async prepare(): Promise<PrepareReport> {
    const facts = await this.serverFacts();
    const context = { action: 'prepare the server', adminRole: facts.adminRole };
    const prepared = this.dialect.readPrepared(await this.#withConnection(context, (connection) => connection.query(this.dialect.preparedQuery())));
    if (prepared) return { database: facts.database, changed: false, revokedFromPublic: [], grantedUsageTo: [], statements: [] };
    const plan = this.dialect.planPrepare();
    await this.#run(plan, context);
    return { database: facts.database, changed: true, revokedFromPublic: [], grantedUsageTo: [], statements: plan.statements.map((statement) => `${statement.text};`) };
  }

  async createTenant(config: TenantConfig, options: CreateTenantOptions = {}): Promise<TenantCredentials> {
    const { tenant, plan } = await this.#createPlan(config);
    const context = { action: `create tenant "${tenant.schemaName}"`, schemaName: tenant.schemaName, username: tenant.username };
    await this.#run(plan, context);
    const connectionString = this.dialect.tenantConnectionString(this.#adminUrl, { username: tenant.username, password: tenant.password, database: tenant.schemaName });
    if (options.migrations) await this.#migrateNewTenant(tenant, connectionString, options.migrations);
    return new TenantCredentials({ ...tenant, connectionString });
  }

  async planCreateTenant(config: TenantConfig): Promise<ExecutablePlan> {
    return (await this.#createPlan(config)).plan;
  }

  async removeTenant(ref: TenantRef): Promise<void> {
    const tenant = this.#ref(ref);
    await this.#run(this.dialect.planRemoveTenant(tenant), { action: `remove tenant "${tenant.schemaName}"`, ...tenant });
  }

  /** The remove plan, after the same checks the removal makes (checks only: nothing changes). */
  async planRemoveTenant(ref: TenantRef): Promise<ExecutablePlan> {
    const tenant = this.#ref(ref);
    const plan = this.dialect.planRemoveTenant(tenant);
    await this.#run(plan, { action: `plan the removal of tenant "${tenant.schemaName}"`, ...tenant }, { checksOnly: true });
    return plan;
  }

  async rotatePassword(ref: TenantRef, options: RotatePasswordOptions = {}): Promise<TenantCredentials> {
    const tenant = this.#ref(ref);
    if (options.validUntil !== undefined) throw postgresOnly('validUntil', 'password expiry');
    const password = this.#resolvePassword(options.password);
    const plan = this.dialect.planRotatePassword({ ...tenant, passwordSecret: await this.dialect.passwordSecret(password, { scramIterations: 0 }), terminateSessions: options.terminateSessions ?? false });
    await this.#run(plan, { action: `rotate the password of tenant "${tenant.schemaName}"`, ...tenant });
    const connectionString = this.dialect.tenantConnectionString(this.#adminUrl, { username: tenant.username, password, database: tenant.schemaName });
    return new TenantCredentials({ ...tenant, password, connectionString });
  }

  async planRotatePassword(ref: TenantRef, options: Omit<RotatePasswordOptions, 'password'> = {}): Promise<ExecutablePlan> {
    const tenant = this.#ref(ref);
    const secret = await this.dialect.passwordSecret(generatePassword(this.#options.passwordLength), { scramIterations: 0 });
    const plan = this.dialect.planRotatePassword({ ...tenant, passwordSecret: secret, terminateSessions: options.terminateSessions ?? false });
    await this.#run(plan, { action: `plan the rotation of tenant "${tenant.schemaName}"`, ...tenant }, { checksOnly: true });
    return plan;
  }

  async listTenantsPage(options: { limit?: number; after?: string | undefined } = {}): Promise<TenantPage> {
    const query = this.dialect.listTenantsQuery(options);
    const rows = await this.#withConnection({ action: 'list tenants' }, (connection) => connection.query(query));
    const tenants = rows.map((row) => this.dialect.readTenant(row)).filter((tenant) => tenant !== undefined).map(toTenantInfo);
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    const last = rows.length === limit ? this.dialect.readTenant(rows.at(-1)) : undefined;
    return { tenants, nextCursor: last?.schemaName };
  }

  async getTenant(schemaName: string): Promise<TenantDetails | undefined> {
    const record = await this.#record(schemaName);
    return record && { ...toTenantInfo(record), connectionLimit: -1, validUntil: null, settings: {}, memberOf: [], members: [] };
  }

  async verifyTenant(schemaName: string): Promise<VerificationReport> {
    const record = await this.#record(schemaName);
    if (!record) throw new TenantNotFoundError({ objectKind: 'schema', objectName: schemaName });
    const query = this.dialect.verificationQuery(record.schemaName, record.username);
    const rows = await this.#withConnection({ action: `verify tenant "${schemaName}"`, schemaName }, (connection) => connection.query(query));
    const problems = this.dialect.readVerification(rows);
    const check = {
      id: 'account.isolation',
      description: 'The account has every privilege on its own database and nothing else (no global privilege, no other database, no GRANT OPTION), and matches the registry.',
    };
    return {
      schemaName: record.schemaName,
      username: record.username,
      ok: problems.length === 0,
      checks: [problems.length === 0 ? { ...check, ok: true } : { ...check, ok: false, detail: problems.join(' ') }],
    };
  }

  /** Bulk creation's view of this admin: no pool to cap it, whole tenants found in the registry. */
  get bulkHost(): BulkCreationHost {
    return {
      maxConnections: undefined,
      isWholeManagedTenant: async (tenant) => {
        const record = await this.#record(tenant.schemaName).catch(() => undefined);
        return record !== undefined && record.username === tenant.username && record.intact;
      },
    };
  }

  async #record(schemaName: string): Promise<TenantRecord | undefined> {
    const query = this.dialect.tenantQuery(this.dialect.rules.validateSchemaName(schemaName));
    const [row] = await this.#withConnection({ action: `look up tenant "${schemaName}"`, schemaName }, (connection) => connection.query(query));
    return row === undefined ? undefined : this.dialect.readTenant(row);
  }

  async #createPlan(config: TenantConfig) {
    if (typeof config !== 'object' || config === null) {
      throw new ValidationError({ field: 'config', rule: 'type', message: 'createTenant expects { schemaName, username, password? }.' });
    }
    for (const field of POSTGRES_ONLY_FIELDS) {
      const value: unknown = config[field];
      const empty = value === undefined || (Array.isArray(value) && value.length === 0) || (typeof value === 'object' && value !== null && !(value instanceof Date) && Object.keys(value).length === 0);
      if (!empty) throw postgresOnly(field, `the creation option ${field}`);
    }
    const tenant = this.#ref(config);
    const password = this.#resolvePassword(config.password);
    const plan = this.dialect.planCreateTenant({ ...tenant, passwordSecret: await this.dialect.passwordSecret(password, { scramIterations: 0 }) });
    return { tenant: { ...tenant, password }, plan };
  }

  /** Migrations at creation run in a session as the new tenant; if they fail, the tenant is removed again. */
  async #migrateNewTenant(tenant: { schemaName: string; username: string }, connectionString: string, migrations: MigrationProvider): Promise<void> {
    try {
      await runMigrationsAsTenant(this.dialect, connectionString, migrations);
    } catch (error) {
      await this.removeTenant(tenant).catch(() => undefined);
      throw TenantryError.isInstance(error)
        ? error
        : new DatabaseError({ message: `Could not create tenant "${tenant.schemaName}": its migrations failed and the tenant was removed again: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  #ref(ref: TenantRef): { schemaName: string; username: string } {
    return { schemaName: this.dialect.rules.validateSchemaName(ref?.schemaName), username: this.dialect.rules.validateUsername(ref?.username) };
  }

  #resolvePassword(password: string | undefined): string {
    return password === undefined || password === '' ? generatePassword(this.#options.passwordLength) : validatePassword(password);
  }

  async #run(plan: ExecutablePlan, context: ErrorContext, options: { checksOnly?: boolean } = {}): Promise<void> {
    await this.#withConnection(context, (connection) => executePlan(connection, plan, options));
  }

  async #withConnection<T>(context: ErrorContext, work: (connection: ClosableDriverConnection) => Promise<T>): Promise<T> {
    let connection: ClosableDriverConnection | undefined;
    try {
      connection = await openDriverConnection(this.dialect.client, this.dialect.adminConnection(this.#adminUrl), this.#options.connectionTimeoutMillis);
      return await work(connection);
    } catch (error) {
      throw TenantryError.isInstance(error) ? error : this.dialect.mapError(error, context);
    } finally {
      await connection?.close();
    }
  }
}

function toTenantInfo(record: TenantRecord): TenantInfo {
  return { schemaName: record.schemaName, username: record.username, createdAt: record.createdAt, labels: { ...record.labels }, roleIntact: record.intact };
}

function postgresOnly(field: string, what: string): ValidationError {
  return new ValidationError({
    field,
    rule: 'unsupported-by-dialect',
    message: `Invalid ${field}: ${what} exists for PostgreSQL tenants only; the MySQL family's dialect has no counterpart Tenantry can promise yet. Nothing was changed.`,
  });
}
