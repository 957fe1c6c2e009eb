import type pg from 'pg';
import {
  DEFAULT_PASSWORD_LENGTH,
  TenantCredentials,
  validateCreationOptions,
  validateRoleName,
  validateSchemaName,
  ValidationError,
  type TenantConfig,
  type TenantRef,
} from '@tenantry/core';
import {
  decodeRoleMarker,
  decodeSchemaMarker,
  DEFAULT_PAGE_SIZE,
  planCreateTenant,
  planListTenants,
  planPrepareDatabase,
  planToScript,
  seamDialectForUrl,
  type Plan,
  type ServerFactsRow,
} from '@tenantry/sql';
import { AdminSession, queryOne, queryRows, type ServerFacts } from './admin-session.js';
import type { AdminConnection } from './connection-source.js';
import type {
  CreateTenantOptions,
  CreateTenantsOptions,
  DatabaseAdminOptions,
  MigrateTenantsOptions,
  PlanMigrateTenantsOptions,
  PrepareOptions,
  PrepareReport,
  RotatePasswordOptions,
  ServerInfo,
  TenantCreationResult,
  TenantDetails,
  TenantInfo,
  TenantMigrationOutcome,
  TenantMigrationPlan,
  TenantPage,
  VerificationReport,
} from './database-admin-options.js';
import { PermissionError } from '@tenantry/core';
import { planRemoveTenant, removeTenant, type RemoveTenantOptions } from './remove-tenant.js';
import type { ErrorContext } from './map-database-error.js';
import { createTenants, createTenantsStream, sessionBulkHost } from './create-tenants.js';
import { migrateTenantInTransaction, migrateTenants } from './tenant-migrations.js';
import { planMigrateTenants } from './plan-migrate-tenants.js';
import { planRotatePassword, rotatePassword } from './rotate-password.js';
import { getTenant, tenantExists } from './tenant-lookup.js';
import { verifyTenant } from './verify-tenant.js';
import { executePlan } from './executor/execute-plan.js';
import { pgDriverConnection } from './drivers/pg-driver-connection.js';
import { DialectAdmin } from './dialect-admin.js';


/**
 * Provisions tenants in a schema-per-tenant PostgreSQL database: the seed's
 * `DatabaseAdmin`.
 *
 * ```ts
 * const admin = new DatabaseAdmin('postgresql://admin:secret@localhost:5432/app');
 * await admin.prepare(); // once per database
 * const credentials = await admin.createTenant({ schemaName: 'tenant_acme', username: 'acme_user' });
 * credentials.connectionString; // postgresql://acme_user:<generated>@localhost:5432/app
 * await admin.close();
 * ```
 */
export class DatabaseAdmin {
  /** PostgreSQL's own path (until its dialect moves behind the seam). */
  readonly #postgres: AdminSession | undefined;
  /** The path of dialects behind the seam: the MySQL family today. */
  readonly #seam: DialectAdmin | undefined;

  /**
   * @param connection A `postgres://`/`postgresql://` URL, a `pg` pool config or pool, or a
   *   `mysql://`/`mariadb://` URL: the URL's scheme picks the dialect; `options.dialect` names one.
   */
  constructor(connection: AdminConnection, options: DatabaseAdminOptions = {}) {
    const seamDialect = options.dialect ?? (typeof connection === 'string' ? seamDialectForUrl(connection, options.mysql) : undefined);
    if (seamDialect !== undefined) {
      if (typeof connection !== 'string') {
        throw new ValidationError({ field: 'connection', rule: 'type', message: `The ${seamDialect.name} dialect connects with a URL (mysql://user:password@host:port/database).` });
      }
      this.#seam = new DialectAdmin(seamDialect, connection, {
        passwordLength: options.passwordLength ?? DEFAULT_PASSWORD_LENGTH,
        connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
      });
    } else {
      this.#postgres = new AdminSession(connection, options);
    }
  }

  /** The name of the dialect this admin runs: `postgres` or `mysql`. */
  get dialectName(): string {
    return this.#seam?.dialect.name ?? 'postgres';
  }

  get #session(): AdminSession {
    if (this.#postgres === undefined) throw new Error('PostgreSQL-only path reached by a seam dialect.');
    return this.#postgres;
  }

  /** A typed refusal for what the seam dialect in use cannot do yet, and why. */
  #unsupported(what: string, why: string): ValidationError {
    return new ValidationError({ field: 'dialect', rule: 'unsupported-by-dialect', message: `${what} is not available for the ${this.dialectName} dialect: ${why} Nothing was changed.` });
  }

  /**
   * Creates a tenant: a login role and a schema it has every right on, and
   * nothing else. Runs as one transaction in one round trip (more with
   * `migrations`): on any failure nothing is left behind.
   *
   * @throws ValidationError for a bad name, password or option, before any I/O.
   * @throws TenantAlreadyExistsError when the schema or role exists; nothing is changed.
   * @throws DatabaseNotPreparedError when `prepare` never ran on this database.
   * @throws PermissionError when the admin lacks CREATEROLE or CREATE on the database.
   */
  async createTenant(config: TenantConfig, options: CreateTenantOptions = {}): Promise<TenantCredentials> {
    if (this.#seam) return this.#seam.createTenant(config, options);
    const { tenant, facts, plan } = await this.#createPlan(config, options);
    const context: ErrorContext = {
      action: `create tenant "${tenant.schemaName}"`,
      schemaName: tenant.schemaName,
      username: tenant.username,
      database: facts.row.database,
      adminRole: facts.row.admin_role,
    };
    checkCanCreate(facts.row, context);
    if (options.migrations) {
      const migrations = options.migrations;
      await this.#session.inTransaction(context, async (client) => {
        await client.query(planToScript(plan));
        await migrateTenantInTransaction(client, facts, tenant, migrations);
      });
    } else {
      await this.#session.runScript(plan, context);
    }
    return new TenantCredentials({ ...tenant, connectionString: this.#session.tenantUrl(tenant.username, tenant.password) });
  }

  /**
   * The statements `createTenant` would run for this config, without running
   * them: a dry run. The password is represented by its verifier and redacted
   * in every printable form.
   */
  async planCreateTenant(config: TenantConfig, options: CreateTenantOptions = {}): Promise<Plan> {
    if (this.#seam) return this.#seam.planCreateTenant(config);
    return (await this.#createPlan(config, options)).plan;
  }

  /**
   * Creates many tenants over the pool, `concurrency` at a time, each in its
   * own transaction. One tenant's failure is reported in its result and does
   * not stop the others. Results come back in input order.
   */
  async createTenants(configs: Iterable<TenantConfig> | AsyncIterable<TenantConfig>, options: CreateTenantsOptions = {}): Promise<TenantCreationResult[]> {
    const host = this.#seam?.bulkHost ?? sessionBulkHost(this.#session);
    return createTenants((config) => this.createTenant(config, perTenantOptions(options)), host, configs, options);
  }

  /** `createTenants` as a stream of results in completion order, for inputs too large to hold. */
  createTenantsStream(
    configs: Iterable<TenantConfig> | AsyncIterable<TenantConfig>,
    options: CreateTenantsOptions = {},
  ): AsyncIterable<TenantCreationResult> {
    return createTenantsStream((config) => this.createTenant(config, perTenantOptions(options)), this.#seam?.bulkHost ?? sessionBulkHost(this.#session), configs, options);
  }

  /**
   * Sets a new password (given or generated): the old one stops working at
   * once for new connections; with `terminateSessions`, open ones end too.
   */
  async rotatePassword(tenant: TenantRef, options: RotatePasswordOptions = {}): Promise<TenantCredentials> {
    if (this.#seam) return this.#seam.rotatePassword(tenant, options);
    return rotatePassword(this.#session, tenant, options);
  }

  /** One managed tenant, with its role's settings; undefined when there is none of that schema name. */
  async getTenant(schemaName: string): Promise<TenantDetails | undefined> {
    if (this.#seam) return this.#seam.getTenant(schemaName);
    return getTenant(this.#session, schemaName);
  }

  /** Whether a managed tenant with this schema name exists. */
  async tenantExists(schemaName: string): Promise<boolean> {
    if (this.#seam) return (await this.#seam.getTenant(schemaName)) !== undefined;
    return tenantExists(this.#session, schemaName);
  }

  /** Brings every managed tenant to the latest migration, one transaction per tenant. */
  async migrateTenants(options: MigrateTenantsOptions): Promise<TenantMigrationOutcome[]> {
    if (this.#seam) throw this.#unsupported('migrateTenants', "an existing tenant's migrations must run in a session as the tenant, and Tenantry keeps no tenant's password; migrations run at creation (createTenant with migrations).");
    return migrateTenants(this.#session, (after) => this.listTenantsPage({ limit: 1000, after }), options);
  }

  /**
   * What `migrateTenants` would apply to each managed tenant, applying nothing:
   * a dry run. Each tenant's history is read only in a short-lived migrator
   * session, as the tenant's role, in a READ ONLY transaction that is rolled
   * back, never in the admin's session (a tenant can turn its history table
   * into a view over its own function).
   *
   * ```ts
   * for (const { schemaName, status, pending } of await admin.planMigrateTenants({ migrations })) {
   *   console.log(schemaName, status, pending.join(', '));
   * }
   * ```
   */
  async planMigrateTenants(options: PlanMigrateTenantsOptions): Promise<TenantMigrationPlan[]> {
    if (this.#seam) throw this.#unsupported('planMigrateTenants', "reading an existing tenant's history needs a session as the tenant, and Tenantry keeps no tenant's password.");
    return planMigrateTenants(this.#session, (after) => this.listTenantsPage({ limit: 1000, after }), options);
  }

  /** An isolation report read from the catalog, flagging every promise that does not hold. */
  async verifyTenant(schemaName: string): Promise<VerificationReport> {
    if (this.#seam) return this.#seam.verifyTenant(schemaName);
    return verifyTenant(this.#session, schemaName);
  }

  /**
   * Removes a tenant: ends its open sessions (in every database), drops its
   * schema with everything in it (including objects the tenant created), its
   * privileges and default privileges, and its role. Only tenants Tenantry
   * created, checked by their markers. What the role owns or holds in other
   * databases of the cluster stops the removal, unless
   * `dropOwnedInOtherDatabases` asks to drop that too.
   *
   * @throws TenantNotFoundError when the schema or role does not exist.
   * @throws TenantNotManagedError when either was not created by Tenantry, or they do not belong together.
   * @throws PermissionError naming what the admin lacks, before anything is dropped.
   * @throws TenantRemovalBlockedError naming each other database and what the role has there; nothing is changed.
   */
  async removeTenant(ref: TenantRef, options: RemoveTenantOptions = {}): Promise<void> {
    if (this.#seam) {
      if (options.dropOwnedInOtherDatabases) throw this.#unsupported('dropOwnedInOtherDatabases', 'a MySQL-family tenant owns nothing outside its own database.');
      return this.#seam.removeTenant(ref);
    }
    return removeTenant(this.#session, ref, options);
  }

  /**
   * The statements `removeTenant` would run, after the same checks it makes
   * (found, Tenantry's, the admin may drop it, nothing in other databases
   * unless opted in), without running them: a dry run.
   */
  async planRemoveTenant(ref: TenantRef, options: RemoveTenantOptions = {}): Promise<Plan> {
    if (this.#seam) return this.#seam.planRemoveTenant(ref);
    return planRemoveTenant(this.#session, ref, options);
  }

  /**
   * The statements `rotatePassword` would run, after the same checks, without
   * running them. The verifier is that of a throwaway password, printed redacted.
   */
  async planRotatePassword(tenant: TenantRef, options: Omit<RotatePasswordOptions, 'password'> = {}): Promise<Plan> {
    if (this.#seam) return this.#seam.planRotatePassword(tenant, options);
    return planRotatePassword(this.#session, tenant, options);
  }

  /** Every tenant Tenantry created in this database, ordered by schema name. */
  async listTenants(): Promise<TenantInfo[]> {
    const tenants: TenantInfo[] = [];
    let after: string | undefined;
    do {
      const page = await this.listTenantsPage({ limit: 1000, after });
      tenants.push(...page.tenants);
      after = page.nextCursor;
    } while (after !== undefined);
    return tenants;
  }

  /** One page of `listTenants`, for callers with many tenants. */
  async listTenantsPage(options: { limit?: number; after?: string | undefined } = {}): Promise<TenantPage> {
    if (this.#seam) return this.#seam.listTenantsPage(options);
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    const facts = await this.#session.serverFacts();
    const query = planListTenants({ limit, after: options.after }, facts.dialect);
    const { rows, roleComments } = await this.#session.inTransaction({ action: 'list tenants' }, async (client) => {
      const schemas = await queryRows(client, query);
      const roles = schemas.map((row) => decodeSchemaMarker(row.schema_comment)?.role).filter((role) => role !== undefined);
      const comments = await queryRows(client, facts.dialect.roleCommentsQuery(roles));
      return { rows: schemas, roleComments: new Map(comments.map((row) => [row.username, row.role_comment])) };
    });
    const tenants: TenantInfo[] = [];
    for (const row of rows) {
      const schemaMarker = decodeSchemaMarker(row.schema_comment);
      if (!schemaMarker) continue;
      const roleMarker = decodeRoleMarker(roleComments.get(schemaMarker.role));
      tenants.push({
        schemaName: row.schema_name,
        username: schemaMarker.role,
        createdAt: new Date(schemaMarker.createdAt),
        labels: schemaMarker.labels ?? {},
        roleIntact: roleMarker?.schema === row.schema_name && roleMarker.database === facts.row.database,
      });
    }
    const last = rows.at(-1);
    return { tenants, nextCursor: rows.length === limit && last ? last.schema_name : undefined };
  }

  /**
   * Makes the database safe for tenants, once: PUBLIC loses every right on
   * schema `public`, so tenants can neither create nor reach anything there.
   * The admin and the roles in `keepPublicFor` keep USAGE. Idempotent: a
   * second run changes nothing and says so.
   *
   * @throws PermissionError when the admin cannot change schema `public` (it must own it or be superuser).
   */
  async prepare(options: PrepareOptions = {}): Promise<PrepareReport> {
    if (this.#seam) {
      if ((options.keepPublicFor ?? []).length > 0) throw this.#unsupported('keepPublicFor', 'the MySQL family has no schema public to keep.');
      return this.#seam.prepare();
    }
    const facts = await this.#session.serverFacts();
    const keep = [...new Set([facts.row.admin_role, ...(options.keepPublicFor ?? [])])];
    const context: ErrorContext = { action: 'prepare the database', database: facts.row.database, adminRole: facts.row.admin_role };
    return this.#session.inTransaction(context, async (client) => {
      const { plan, before } = await preparePlan(client, facts, keep);
      // The plan checks its own result: a REVOKE by a non-owner only warns.
      await executePlan(pgDriverConnection(client), plan);
      return {
        database: facts.row.database,
        changed: plan.statements.length > 0,
        revokedFromPublic: before.public_privileges,
        grantedUsageTo: before.roles_missing_usage,
        statements: plan.statements.map((statement) => `${statement.text};`),
      };
    });
  }

  /** The statements `prepare` would run now, without running them; none when the database is prepared. */
  async planPrepare(options: PrepareOptions = {}): Promise<Plan> {
    if (this.#seam) return this.#seam.dialect.planPrepare();
    const facts = await this.#session.serverFacts();
    const keep = [...new Set([facts.row.admin_role, ...(options.keepPublicFor ?? [])])];
    const context: ErrorContext = { action: 'plan the preparation of the database', database: facts.row.database };
    return this.#session.inTransaction(context, async (client) => (await preparePlan(client, facts, keep)).plan);
  }

  /**
   * The server and the admin as Tenantry sees them, read once per
   * `DatabaseAdmin` (the first call connects): a quick check that the admin
   * can connect, before any work.
   *
   * @throws ConnectionError when the server cannot be reached or the login fails.
   */
  async serverInfo(): Promise<ServerInfo> {
    if (this.#seam) {
      const facts = await this.#seam.serverFacts();
      return { versionNum: facts.versionNum, database: facts.database, adminRole: facts.adminRole, isSuperuser: facts.isSuperuser };
    }
    const { row } = await this.#session.serverFacts();
    return {
      versionNum: row.server_version_num,
      database: row.database,
      adminRole: row.admin_role,
      isSuperuser: row.is_superuser,
    };
  }

  /** Ends the connection pool, unless the caller passed in a pool of its own. */
  async close(): Promise<void> {
    // The seam path holds no pool: each call opens and closes its connection.
    await this.#postgres?.close();
  }

  async #createPlan(config: TenantConfig, options: CreateTenantOptions) {
    if (typeof config !== 'object' || config === null) {
      throw new ValidationError({ field: 'config', rule: 'type', message: 'createTenant expects { schemaName, username, password? }.' });
    }
    const schemaName = validateSchemaName(config.schemaName);
    const username = validateRoleName(config.username);
    const creation = validateCreationOptions(config);
    const password = this.#session.resolvePassword(config.password);
    const tenant = { schemaName, username, password };
    const facts: ServerFacts = await this.#session.serverFacts();
    const plan = planCreateTenant(
      {
        schemaName,
        username,
        ...creation,
        passwordVerifier: await this.#session.verifierFor(password),
        database: facts.row.database,
        requirePreparedDatabase: options.requirePreparedDatabase ?? this.#session.options.requirePreparedDatabase,
      },
      facts.dialect,
    );
    return { tenant, facts, plan };
  }
}

/** What `prepare` must change, read from the catalog; refuses roles to keep that do not exist. */
async function preparePlan(client: pg.PoolClient, facts: ServerFacts, keep: string[]) {
  const before = await queryOne(client, facts.dialect.publicSchemaStateQuery(keep));
  if (before.unknown_roles.length > 0) {
    throw new ValidationError({
      field: 'keepPublicFor',
      rule: 'unknown-role',
      message: `keepPublicFor names roles that do not exist: ${before.unknown_roles.map((r) => `"${r}"`).join(', ')}.`,
    });
  }
  const plan = planPrepareDatabase(
    { publicPrivileges: before.public_privileges, grantUsageTo: before.roles_missing_usage, keepPublicFor: keep, adminRole: facts.row.admin_role },
    facts.dialect,
  );
  return { plan, before };
}

/** The options of `createTenants` that apply to each `createTenant`. */
function perTenantOptions(options: CreateTenantsOptions): CreateTenantOptions {
  return { requirePreparedDatabase: options.requirePreparedDatabase, migrations: options.migrations };
}

function checkCanCreate(facts: ServerFactsRow, context: ErrorContext): void {
  if (facts.is_superuser) return;
  const missing = [
    ...(facts.can_create_role ? [] : ['CREATEROLE']),
    ...(facts.can_create_in_database ? [] : [`CREATE on database "${facts.database}"`]),
  ];
  if (missing.length > 0) {
    throw new PermissionError({
      privilege: missing.join(' and '),
      message: `Cannot ${context.action}: the admin role "${facts.admin_role}" lacks ${missing.join(' and ')}. Grant ${missing.length > 1 ? 'them' : 'it'} (e.g. ALTER ROLE ... CREATEROLE; GRANT CREATE ON DATABASE ...) and retry. Nothing was changed.`,
    });
  }
}

