import type { CompiledQuery } from 'kysely';
import type pg from 'pg';
import {
  DEFAULT_PASSWORD_LENGTH,
  DEFAULT_SCRAM_ITERATIONS,
  generatePassword,
  PermissionError,
  scramSha256Verifier,
  TenantCredentials,
  TenantNotFoundError,
  TenantNotManagedError,
  validatePassword,
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
  planRemoveTenant,
  pinSearchPathStatement,
  planToScript,
  PostgresDialect,
  REMOVE_PLAN_PRELUDE_LENGTH,
  type Plan,
  type ServerFactsRow,
  type TenantStateRow,
} from '@tenantry/sql';
import { openConnectionSource, type AdminConnection, type ConnectionSource } from './connection-source.js';
import type {
  CreateTenantOptions,
  DatabaseAdminOptions,
  PrepareOptions,
  PrepareReport,
  TenantInfo,
  TenantPage,
} from './database-admin-options.js';
import { mapDatabaseError, type ErrorContext } from './map-database-error.js';

/** Facts about the server and the admin role, read once per `DatabaseAdmin`. */
interface ServerFacts {
  row: ServerFactsRow;
  dialect: PostgresDialect;
}

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
  readonly #source: ConnectionSource;
  readonly #options: Required<DatabaseAdminOptions>;
  #facts: Promise<ServerFacts> | undefined;

  constructor(connection: AdminConnection, options: DatabaseAdminOptions = {}) {
    this.#options = {
      requirePreparedDatabase: options.requirePreparedDatabase ?? true,
      passwordLength: options.passwordLength ?? DEFAULT_PASSWORD_LENGTH,
      scramIterations: options.scramIterations ?? DEFAULT_SCRAM_ITERATIONS,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    };
    this.#source = openConnectionSource(connection, this.#options.connectionTimeoutMillis);
  }

  /**
   * Creates a tenant: a login role and a schema it has every right on, and
   * nothing else. Runs as one transaction in one round trip: on any failure
   * nothing is left behind.
   *
   * @throws ValidationError for a bad name or password, before any I/O.
   * @throws TenantAlreadyExistsError when the schema or role exists; nothing is changed.
   * @throws DatabaseNotPreparedError when `prepare` never ran on this database.
   * @throws PermissionError when the admin lacks CREATEROLE or CREATE on the database.
   */
  async createTenant(config: TenantConfig, options: CreateTenantOptions = {}): Promise<TenantCredentials> {
    const { tenant, facts, plan } = await this.#createPlan(config, options);
    const context: ErrorContext = {
      action: `create tenant "${tenant.schemaName}"`,
      schemaName: tenant.schemaName,
      username: tenant.username,
      database: facts.row.database,
      adminRole: facts.row.admin_role,
    };
    this.#checkCanCreate(facts.row, context);
    await this.#runScript(plan, context);
    return new TenantCredentials({ ...tenant, connectionString: this.#source.tenantUrl(tenant.username, tenant.password) });
  }

  /**
   * The statements `createTenant` would run for this config, without running
   * them: a dry run. The password is represented by its verifier and redacted
   * in every printable form.
   */
  async planCreateTenant(config: TenantConfig, options: CreateTenantOptions = {}): Promise<Plan> {
    return (await this.#createPlan(config, options)).plan;
  }

  /**
   * Removes a tenant: its schema with everything in it (including objects the
   * tenant created), its privileges and default privileges, and its role.
   * Only tenants Tenantry created, checked by their markers.
   *
   * @throws TenantNotFoundError when the schema or role does not exist.
   * @throws TenantNotManagedError when either was not created by Tenantry, or they do not belong together.
   */
  async removeTenant(ref: TenantRef): Promise<void> {
    const schemaName = validateSchemaName(ref?.schemaName);
    const username = validateRoleName(ref?.username);
    const facts = await this.#serverFacts();
    const context: ErrorContext = { action: `remove tenant "${schemaName}"`, schemaName, username, database: facts.row.database, adminRole: facts.row.admin_role };
    const nonSuperuserAdmin = facts.row.is_superuser ? undefined : facts.row.admin_role;
    const plan = planRemoveTenant({ schemaName, username, nonSuperuserAdmin }, facts.dialect);
    const prelude = plan.statements.slice(0, REMOVE_PLAN_PRELUDE_LENGTH);
    const drops = plan.statements.slice(REMOVE_PLAN_PRELUDE_LENGTH);
    await this.#inTransaction(context, async (client) => {
      await client.query(prelude.map((statement) => statement.sql).join(';\n'));
      const state = await queryOne(client, facts.dialect.tenantStateQuery(schemaName, username));
      checkManagedTenant(state, { schemaName, username, database: facts.row.database });
      checkCanRemove(state, { schemaName, username, adminRole: facts.row.admin_role });
      await client.query(drops.map((statement) => statement.sql).join(';\n'));
    });
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
    const limit = options.limit ?? DEFAULT_PAGE_SIZE;
    const facts = await this.#serverFacts();
    const query = planListTenants({ limit, after: options.after }, facts.dialect);
    const rows = await this.#read(query, { action: 'list tenants' });
    const tenants: TenantInfo[] = [];
    for (const row of rows) {
      const schemaMarker = decodeSchemaMarker(row.schema_comment);
      if (!schemaMarker) continue;
      const roleMarker = decodeRoleMarker(row.role_comment);
      tenants.push({
        schemaName: row.schema_name,
        username: schemaMarker.role,
        createdAt: new Date(schemaMarker.createdAt),
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
    const facts = await this.#serverFacts();
    const keep = [...new Set([facts.row.admin_role, ...(options.keepPublicFor ?? [])])];
    const context: ErrorContext = { action: 'prepare the database', database: facts.row.database, adminRole: facts.row.admin_role };
    return this.#inTransaction(context, async (client) => {
      const before = await queryOne(client, facts.dialect.publicSchemaStateQuery(keep));
      if (before.unknown_roles.length > 0) {
        throw new ValidationError({
          field: 'keepPublicFor',
          rule: 'unknown-role',
          message: `keepPublicFor names roles that do not exist: ${before.unknown_roles.map((r) => `"${r}"`).join(', ')}.`,
        });
      }
      const plan = planPrepareDatabase(
        { publicPrivileges: before.public_privileges, grantUsageTo: before.roles_missing_usage },
        facts.dialect,
      );
      if (plan.statements.length > 0) await client.query(planToScript(plan));
      const after = await queryOne(client, facts.dialect.publicSchemaStateQuery(keep));
      if (after.public_privileges.length > 0) {
        // REVOKE by a non-owner only warns; check the result instead of trusting it.
        throw new PermissionError({
          privilege: 'ownership of schema public',
          message: `Could not revoke ${after.public_privileges.join(', ')} on schema public from PUBLIC: the admin role "${facts.row.admin_role}" must own schema public (or be a member of its owner) or be superuser.`,
        });
      }
      return {
        database: facts.row.database,
        changed: plan.statements.length > 0,
        revokedFromPublic: before.public_privileges,
        grantedUsageTo: before.roles_missing_usage,
        statements: plan.statements.map((statement) => `${statement.text};`),
      };
    });
  }

  /** Ends the connection pool, unless the caller passed in a pool of its own. */
  async close(): Promise<void> {
    if (this.#source.ownsPool) await this.#source.pool.end();
  }

  async #createPlan(config: TenantConfig, options: CreateTenantOptions) {
    const tenant = this.#resolveConfig(config);
    const facts = await this.#serverFacts();
    const plan = planCreateTenant(
      {
        schemaName: tenant.schemaName,
        username: tenant.username,
        passwordVerifier: await scramSha256Verifier(tenant.password, { iterations: this.#options.scramIterations }),
        database: facts.row.database,
        requirePreparedDatabase: options.requirePreparedDatabase ?? this.#options.requirePreparedDatabase,
      },
      facts.dialect,
    );
    return { tenant, facts, plan };
  }

  #resolveConfig(config: TenantConfig): { schemaName: string; username: string; password: string } {
    if (typeof config !== 'object' || config === null) {
      throw new ValidationError({ field: 'config', rule: 'type', message: 'createTenant expects { schemaName, username, password? }.' });
    }
    const schemaName = validateSchemaName(config.schemaName);
    const username = validateRoleName(config.username);
    const password =
      config.password === undefined || config.password === '' ? generatePassword(this.#options.passwordLength) : validatePassword(config.password);
    return { schemaName, username, password };
  }

  #checkCanCreate(facts: ServerFactsRow, context: ErrorContext): void {
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

  #serverFacts(): Promise<ServerFacts> {
    this.#facts ??= this.#read(new PostgresDialect().serverFactsQuery(), { action: 'connect to the database' }).then(
      ([row]) => ({ row: row!, dialect: new PostgresDialect({ serverVersionNum: row!.server_version_num }) }),
      (error: unknown) => {
        this.#facts = undefined; // let the next call try again
        throw error;
      },
    );
    return this.#facts;
  }

  async #read<Row>(query: CompiledQuery<Row>, context: ErrorContext): Promise<Row[]> {
    return this.#inTransaction(context, async (client) => {
      const result = await client.query<Row & pg.QueryResultRow>(query.sql, [...query.parameters]);
      return result.rows;
    });
  }

  /** Sends a whole plan as one multi-statement query: one round trip, one implicit transaction. */
  async #runScript(plan: Plan, context: ErrorContext): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#checkout();
      await client.query(planToScript(plan));
    } catch (error) {
      throw mapDatabaseError(error, context);
    } finally {
      this.#release(client);
    }
  }

  async #inTransaction<T>(context: ErrorContext, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    let broken = false;
    try {
      client = await this.#checkout();
      // Pinned for this transaction only, so a caller's own pool keeps its settings.
      await client.query(`BEGIN; ${pinSearchPathStatement().sql}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (client) {
        // A ROLLBACK that fails means the connection is gone: do not reuse it.
        await client.query('ROLLBACK').catch(() => (broken = true));
      }
      throw mapDatabaseError(error, context);
    } finally {
      this.#release(client, broken);
    }
  }

  /**
   * A checked-out client whose connection dies (server restart, terminated
   * backend) emits 'error' besides failing its query; the pool does not listen
   * on checked-out clients, and an unheard 'error' would end the process.
   */
  async #checkout(): Promise<pg.PoolClient> {
    const client = await this.#source.pool.connect();
    client.on('error', ignoreClientError);
    return client;
  }

  #release(client: pg.PoolClient | undefined, broken = false): void {
    client?.off('error', ignoreClientError);
    client?.release(broken);
  }
}

function ignoreClientError(): void {
  // The failed query reports the problem; see #checkout.
}

async function queryOne<Row>(client: pg.PoolClient, query: CompiledQuery<Row>): Promise<Row> {
  const result = await client.query<Row & pg.QueryResultRow>(query.sql, [...query.parameters]);
  return result.rows[0]!;
}

/** Refuses anything that is not a whole tenant created by Tenantry in this database. */
function checkManagedTenant(state: TenantStateRow, tenant: { schemaName: string; username: string; database: string }): void {
  if (!state.schema_exists) throw new TenantNotFoundError({ objectKind: 'schema', objectName: tenant.schemaName });
  if (!state.role_exists) throw new TenantNotFoundError({ objectKind: 'role', objectName: tenant.username });
  const schemaMarker = decodeSchemaMarker(state.schema_comment);
  if (!schemaMarker) {
    throw new TenantNotManagedError({ objectKind: 'schema', objectName: tenant.schemaName, reason: 'it carries no Tenantry marker' });
  }
  if (schemaMarker.role !== tenant.username) {
    throw new TenantNotManagedError({
      objectKind: 'schema',
      objectName: tenant.schemaName,
      reason: `it belongs to role "${schemaMarker.role}", not "${tenant.username}"`,
    });
  }
  const roleMarker = decodeRoleMarker(state.role_comment);
  if (!roleMarker || roleMarker.schema !== tenant.schemaName || roleMarker.database !== tenant.database) {
    throw new TenantNotManagedError({
      objectKind: 'role',
      objectName: tenant.username,
      reason: roleMarker ? `its marker points to schema "${roleMarker.schema}" in database "${roleMarker.database}"` : 'it carries no Tenantry marker',
    });
  }
}

/** Names the privilege a remove would fail on, before anything is dropped. */
function checkCanRemove(state: TenantStateRow, tenant: { schemaName: string; username: string; adminRole: string }): void {
  const missing = [
    ...(state.can_drop_schema ? [] : [`ownership of schema "${tenant.schemaName}"`]),
    ...(state.can_drop_role ? [] : [`ADMIN OPTION on role "${tenant.username}" (PostgreSQL 16+; CREATEROLE before)`]),
  ];
  if (missing.length > 0) {
    throw new PermissionError({
      privilege: missing.join(' and '),
      message: `Cannot remove tenant "${tenant.schemaName}": the admin role "${tenant.adminRole}" lacks ${missing.join(' and ')}. Remove it as the admin that created it, or as a superuser. Nothing was changed.`,
    });
  }
}
