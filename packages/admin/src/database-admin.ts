import type { MigrationProvider } from 'kysely';
import { DatabaseError, IssuedCredentials, PermissionError, TenantCredentials, ValidationError, type TenantConfig, type TenantRef } from '@tenantry/core';
import {
  createDialect,
  dialectForUrl,
  parseTenantNames,
  parseTenantSpec,
  validatePageLimit,
  type CatalogReader,
  type ErrorContext,
  type ExecutablePlan,
  type Plan,
  type PrepareSpec,
  type ServerFacts,
  type TenantPlacementInfo,
  type TenantRecord,
  type TenantryDialect,
} from '@tenantry/sql';
import { AdminSession, resolveAdminOptions } from './admin-session.js';
import { computeConnectionBudget, validateConnectionCount, type ConnectionBudget, type ConnectionBudgetOptions } from './connection-budget.js';
import { createTenants, createTenantsStream, type BulkCreationHost } from './create-tenants.js';
import type {
  CreateTenantOptions,
  CreateTenantsOptions,
  CredentialInfo,
  IssueCredentialsOptions,
  SweptCredential,
  DatabaseAdminOptions,
  MigrateTenantsOptions,
  MoveTenantOptions,
  PlanMigrateTenantsOptions,
  PrepareOptions,
  PrepareReport,
  RenamedTenant,
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
import { openDriverPool } from './drivers/open-driver-pool.js';
import type { AdminConnection } from './drivers/pg-connection-source.js';
import type { DriverConnection } from './executor/driver-connection.js';
import { executePlan } from './executor/execute-plan.js';
import { linkGeneratedSecretReserve } from './generated-secret-reserve.js';
import { createTenantFromPlan } from './create-tenant.js';
import { MigrationReplays } from './migration-replays.js';
import { migrationStatus, type MigrationStatus } from './migration-status.js';
import { planMigrateTenants } from './plan-migrate-tenants.js';
import { planRemoveTenant, removeTenant, type RemoveTenantOptions } from './remove-tenant.js';
import { migrateTenants } from './migrate-tenants.js';
import { issueCredentials, listCredentials, revokeCredentials, sweepCredentials } from './tenant-credentials.js';
import { resumeTenant, suspendTenant } from './tenant-suspension.js';
import { renameTenant, type RenameTenantTo } from './rename-tenant.js';
import { doctor, type DoctorOptions, type DoctorReport } from './doctor.js';
import { TenantLifecycleLog, type AdminIdentity } from './tenant-lifecycle-log.js';

/** The dialect of a `pg` pool or pool config, which names none. */
const POOL_DIALECT = 'postgres';

/**
 * Provisions tenants: the seed's `DatabaseAdmin`, for every dialect. A tenant
 * is a schema (PostgreSQL) or a database (MySQL, MariaDB) and a login with
 * every right on it and nothing else.
 *
 * ```ts
 * const admin = new DatabaseAdmin('postgresql://admin:secret@localhost:5432/app');
 * await admin.prepare(); // once per database
 * const credentials = await admin.createTenant({ schemaName: 'tenant_acme', username: 'acme_user' });
 * credentials.connectionString; // postgresql://acme_user:<generated>@localhost:5432/app
 * await admin.close();
 * ```
 *
 * Every operation is the dialect's plan or catalog reader, run through the
 * one session over the connections of the dialect's client library; this
 * class knows no dialect.
 */
export class DatabaseAdmin implements AsyncDisposable {
  readonly #session: AdminSession;
  /** What `createTenant`'s migration lists ran, replayed for the next tenant with the same list. */
  readonly #replays = new MigrationReplays();
  /** Where tenant events go (`options.log`). */
  readonly #log: TenantLifecycleLog;
  /** The first `close()`, which every later one (and `await using`) waits for. */
  #closed: Promise<void> | undefined;

  /**
   * @param connection A `postgres://`/`postgresql://` or `mysql://`/`mariadb://` URL (its
   *   scheme picks the dialect; `options.dialect` names one), or a `pg` pool config or pool.
   */
  constructor(connection: AdminConnection, options: DatabaseAdminOptions = {}) {
    const dialect = options.dialect ?? (typeof connection === 'string' ? dialectForUrl(connection, { mysql: options.mysql }) : undefined) ?? createDialect(POOL_DIALECT);
    const resolved = resolveAdminOptions(options);
    this.#log = new TenantLifecycleLog(options.log);
    this.#session = new AdminSession(dialect, openDriverPool(dialect, connection, resolved), resolved);
    linkGeneratedSecretReserve(this, this.#session.generatedSecretReserve);
  }

  /** The name of the dialect this admin runs: `postgres` or `mysql`. */
  get dialectName(): string {
    return this.#session.dialect.name;
  }

  /**
   * Creates a tenant: a login and a schema (a database, for the MySQL family)
   * it has every right on, and nothing else. On PostgreSQL one transaction in
   * one round trip (more with `migrations`); on the MySQL family a plan whose
   * steps are undone in reverse when one fails. Either way, on any failure
   * nothing is left behind.
   *
   * @throws ValidationError for a bad name, password or option, before any I/O.
   * @throws TenantAlreadyExistsError when the schema or login exists; nothing is changed.
   * @throws DatabaseNotPreparedError when `prepare` never ran.
   * @throws PermissionError when the admin lacks what creating a tenant needs.
   */
  async createTenant(config: TenantConfig, options: CreateTenantOptions = {}): Promise<TenantCredentials> {
    return this.#log.track('tenant.created', tenantOf(config), () => this.#identity(), () => this.#createTenant(config, options), (credentials) =>
      credentials.migrations ? { migrationsApplied: credentials.migrations.applied } : {},
    );
  }

  async #createTenant(config: TenantConfig, options: CreateTenantOptions): Promise<TenantCredentials> {
    const { spec, tenant, password, facts, dialect, plan } = await this.#createPlan(config, options);
    const context: ErrorContext = { action: `create tenant "${tenant.schemaName}"`, schemaName: tenant.schemaName, username: tenant.username, database: facts.database, adminRole: facts.adminRole };
    requireCanCreate(facts, context);
    const migrations = await createTenantFromPlan(this.#session, { spec, plan, tenant, password, facts, dialect, context }, options.migrations, this.#replays);
    const connectionString = this.#session.tenantUrl({ username: tenant.username, password, database: tenant.schemaName });
    return new TenantCredentials({ schemaName: tenant.schemaName, username: tenant.username, password, connectionString, migrations });
  }

  /**
   * The statements `createTenant` would run for this config, without running
   * them: a dry run. The password is represented by its stored secret and
   * redacted in every printable form.
   */
  async planCreateTenant(config: TenantConfig, options: CreateTenantOptions = {}): Promise<ExecutablePlan> {
    return (await this.#createPlan(config, options)).plan;
  }

  /**
   * Creates many tenants, `concurrency` at a time, each as `createTenant` does.
   * One tenant's failure is reported in its result and does not stop the
   * others. Results come back in input order.
   */
  async createTenants(configs: Iterable<TenantConfig> | AsyncIterable<TenantConfig>, options: CreateTenantsOptions = {}): Promise<TenantCreationResult[]> {
    return createTenants((config) => this.createTenant(config, perTenantOptions(options)), this.#bulkHost(), configs, options);
  }

  /** `createTenants` as a stream of results in completion order, for inputs too large to hold. */
  createTenantsStream(configs: Iterable<TenantConfig> | AsyncIterable<TenantConfig>, options: CreateTenantsOptions = {}): AsyncIterable<TenantCreationResult> {
    return createTenantsStream((config) => this.createTenant(config, perTenantOptions(options)), this.#bulkHost(), configs, options);
  }

  /**
   * Sets a new password (given or generated): the old one stops working at
   * once for new connections; with `terminateSessions`, open ones end too.
   */
  async rotatePassword(tenant: TenantRef, options: RotatePasswordOptions = {}): Promise<TenantCredentials> {
    return this.#log.track('tenant.password-rotated', tenantOf(tenant), () => this.#identity(), () => this.#rotatePassword(tenant, options));
  }

  async #rotatePassword(tenant: TenantRef, options: RotatePasswordOptions): Promise<TenantCredentials> {
    const { names, plan, context, password } = await this.#rotatePlan(tenant, options, this.#session.givenPassword(options.password));
    await this.#session.runPlan(plan, context);
    const connectionString = this.#session.tenantUrl({ username: names.username, password, database: names.schemaName });
    return new TenantCredentials({ schemaName: names.schemaName, username: names.username, password, connectionString });
  }

  /**
   * The statements `rotatePassword` would run, after the same checks, without
   * running them. The secret is that of a throwaway password, printed redacted.
   */
  async planRotatePassword(tenant: TenantRef, options: Omit<RotatePasswordOptions, 'password'> = {}): Promise<Plan> {
    const { plan, context } = await this.#rotatePlan(tenant, options, undefined);
    await this.#session.runPlan(plan, context, { checksOnly: true });
    return plan;
  }

  /**
   * Issues an extra login for a tenant that expires, as Vault's database
   * secrets engine does: it acts as the tenant (each of its sessions starts in
   * the tenant's role, so what it creates belongs to the tenant), can do
   * nothing the tenant cannot, and stops logging in after `ttl` seconds
   * (`VALID UNTIL`). The tenant's own password keeps working. One round trip:
   * the server checks the tenant is whole, Tenantry's and not suspended, and
   * creates the login, in one implicit transaction. PostgreSQL only; refused,
   * typed, elsewhere (rule `unsupported-by-dialect`).
   *
   * ```ts
   * const credentials = await admin.issueCredentials({ schemaName: 'tenant_acme', username: 'acme_user' }, { ttl: 3600 });
   * credentials.connectionString; // postgresql://tenantry_cred_…:<generated>@…/app
   * credentials.expiresAt;
   * ```
   *
   * @throws ValidationError for a bad name or ttl (1 second to a year; default an hour), a suspended tenant (rule `tenant-suspended`), another dialect.
   * @throws TenantNotFoundError, TenantNotManagedError when the tenant is not a whole Tenantry tenant; nothing is created.
   */
  async issueCredentials(tenant: TenantRef, options: IssueCredentialsOptions = {}): Promise<IssuedCredentials> {
    return this.#log.track('tenant.credentials-issued', tenantOf(tenant), () => this.#identity(), () => issueCredentials(this.#session, tenant, options));
  }

  /**
   * Revokes one credential of a tenant: it stops logging in at once, its open
   * sessions end, and it is dropped with anything it came to own.
   *
   * @throws ValidationError for a name that is not a credential's.
   * @throws TenantNotFoundError when no such credential exists; TenantNotManagedError when it is not this tenant's. Nothing is changed.
   */
  async revokeCredentials(tenant: TenantRef, credentialName: string): Promise<void> {
    return this.#log.track('tenant.credentials-revoked', tenantOf(tenant), () => this.#identity(), () => revokeCredentials(this.#session, tenant, credentialName));
  }

  /**
   * The credentials of one tenant, oldest first, with their expiry; expired ones stay listed until `sweepCredentials` drops them.
   *
   * @throws TenantNotFoundError, TenantNotManagedError when it is not a whole Tenantry tenant.
   */
  async listCredentials(tenant: TenantRef): Promise<CredentialInfo[]> {
    return listCredentials(this.#session, tenant);
  }

  /**
   * Drops every expired credential of every tenant of the database, ending
   * its open sessions first, and reports each (one that could not be dropped
   * says why; the others still go). Run it on a schedule.
   */
  async sweepCredentials(): Promise<SweptCredential[]> {
    return sweepCredentials(this.#session);
  }

  /**
   * Suspends a tenant (an unpaid account): its login and its credentials can
   * no longer log in, and their open sessions end. Its schema, data and rights
   * stay; `listTenants`, `getTenant` and `verifyTenant` show it as suspended.
   * Issuing credentials for it is refused until `resumeTenant`.
   *
   * @throws TenantNotFoundError, TenantNotManagedError when it is not a whole Tenantry tenant; nothing is changed.
   */
  async suspendTenant(tenant: TenantRef): Promise<void> {
    return this.#log.track('tenant.suspended', tenantOf(tenant), () => this.#identity(), () => suspendTenant(this.#session, tenant));
  }

  /** Ends a suspension: the tenant's login works again, and so does each of its credentials not yet expired. */
  async resumeTenant(tenant: TenantRef): Promise<void> {
    return this.#log.track('tenant.resumed', tenantOf(tenant), () => this.#identity(), () => resumeTenant(this.#session, tenant));
  }

  /** One managed tenant, with its login's settings (and, on Citus, where it lives); undefined when there is none of that schema name. */
  async getTenant(schemaName: string): Promise<TenantDetails | undefined> {
    const record = await this.#record(schemaName);
    if (!record) return undefined;
    const login = record.login;
    const placement = await this.#placement(record.schemaName);
    return {
      ...(placement === undefined ? {} : { placement }),
      ...toTenantInfo(record),
      connectionLimit: login?.connectionLimit ?? -1,
      validUntil: login?.validUntil ?? null,
      settings: { ...login?.settings },
      memberOf: [...(login?.memberOf ?? [])],
      members: [...(login?.members ?? [])],
    };
  }

  /**
   * Moves a tenant's schema, every table in it, to another node of the cluster
   * (Citus: `citus_schema_move`, writes blocked while it copies), under the
   * tenant's locks, after checking it is a whole Tenantry tenant and the
   * target an active worker. Where tenants do not live on one node of several,
   * refused with a typed error.
   *
   * ```ts
   * await admin.moveTenant({ schemaName: 'tenant_acme', username: 'acme_user' }, { to: '10.0.0.12:5432' });
   * ```
   *
   * @throws ValidationError for a bad `to` or an unknown node (rule `unknown-node`), or a dialect without placement.
   */
  async moveTenant(ref: TenantRef, options: MoveTenantOptions): Promise<void> {
    const names = parseTenantNames(ref, this.#session.dialect.rules);
    const to = parseNode(options?.to);
    const { facts, dialect } = await this.#session.server();
    if (!dialect.placement) throw unsupported(dialect, 'to', 'moving a tenant between nodes');
    const context: ErrorContext = { action: `move tenant "${names.schemaName}" to ${to.host}:${to.port}`, schemaName: names.schemaName, username: names.username, database: facts.database, adminRole: facts.adminRole };
    await this.#session.runPlan(dialect.placement.planMove(names, to, facts), context);
  }

  /** Whether a managed tenant with this schema name exists. */
  async tenantExists(schemaName: string): Promise<boolean> {
    return (await this.#record(schemaName)) !== undefined;
  }

  /**
   * Brings every managed tenant to the latest migration, one transaction per
   * tenant, each in a session handed to the tenant (never the admin's).
   * Where a dialect cannot hand a session to a tenant (the MySQL family:
   * Tenantry keeps no tenant's password), refused with a typed error.
   */
  async migrateTenants(options: MigrateTenantsOptions): Promise<TenantMigrationOutcome[]> {
    this.#requireRoleSwitching('migrateTenants');
    return migrateTenants(this.#session, (after) => this.listTenantsPage({ limit: 1000, after }), this.#loggingMigrations(options));
  }

  /**
   * What `migrateTenants` would apply to each managed tenant, applying nothing:
   * a dry run. Each tenant's history is read only in a short-lived delegate
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
    this.#requireRoleSwitching('planMigrateTenants');
    return planMigrateTenants(this.#session, (after) => this.listTenantsPage({ limit: 1000, after }), options);
  }

  /**
   * How many tenants stand at each migration, from what the admin recorded
   * after creating or migrating each one (the catalog only: fast for
   * thousands of tenants). Given `migrations`, also how many each group lacks
   * and how many tenants have them all.
   */
  async migrationStatus(options: { migrations?: MigrationProvider } = {}): Promise<MigrationStatus> {
    return migrationStatus((after) => this.listTenantsPage({ limit: 1000, after }), options.migrations);
  }

  /** An isolation report read from the catalog, flagging every promise that does not hold. */
  async verifyTenant(schemaName: string): Promise<VerificationReport> {
    const name = this.#session.dialect.rules.validateSchemaName(schemaName);
    const { facts, dialect } = await this.#session.server();
    const context: ErrorContext = { action: `verify tenant "${name}"`, schemaName: name, database: facts.database, adminRole: facts.adminRole };
    const report = await this.#session.transaction(context, (connection) => dialect.verifyTenant(readerOf(connection), name, facts));
    return {
      schemaName: report.schemaName,
      username: report.username,
      ok: report.checks.every((check) => check.ok),
      checks: [...report.checks],
      ...(report.suspended ? { suspended: { by: report.suspended.by, since: new Date(report.suspended.since) } } : {}),
    };
  }

  /**
   * Removes a tenant: ends its open sessions, drops its schema (database) with
   * everything in it (including objects the tenant created), its privileges,
   * and its login. Only tenants Tenantry created, checked by their markers.
   * On PostgreSQL, what the role owns or holds in other databases of the
   * cluster stops the removal, unless `dropOwnedInOtherDatabases` asks to drop
   * that too. On PostgreSQL the checks are the server's, in the transaction
   * of the drops: a common removal is one round trip.
   *
   * A schema too large for one transaction (PostgreSQL: more locks than a
   * quarter of the server's lock table, or 53200 "out of shared memory") is
   * removed in stages: the tenant is marked as being removed (listed with
   * `removing`, its login shut, its sessions ended), its relations dropped in
   * batches, each its own transaction, then the rest as usual. A removal
   * that stops half-way is resumed by calling this again.
   *
   * @throws TenantNotFoundError when the schema or login does not exist.
   * @throws TenantNotManagedError when either was not created by Tenantry, or they do not belong together.
   * @throws PermissionError naming what the admin lacks, before anything is dropped.
   * @throws TenantRemovalBlockedError naming each other database and what the role has there; nothing is changed.
   */
  async removeTenant(ref: TenantRef, options: RemoveTenantOptions = {}): Promise<void> {
    return this.#log.track('tenant.removed', tenantOf(ref), () => this.#identity(), () => removeTenant(this.#session, ref, options));
  }

  /**
   * The statements `removeTenant` would run, after the same checks it makes
   * (found, Tenantry's, the admin may drop it, nothing in other databases
   * unless opted in), without running them: a dry run. A removal in stages
   * shows its first batch standing for all of them.
   */
  async planRemoveTenant(ref: TenantRef, options: RemoveTenantOptions = {}): Promise<Plan> {
    return planRemoveTenant(this.#session, ref, options);
  }

  /**
   * Renames a tenant: its schema, its login, or both, in one transaction
   * under the locks of the old and the new names. The markers are rewritten
   * (labels, memberships, the migrations ledger and fields Tenantry does not
   * know kept), the login's `search_path` follows the schema, and the
   * tenant's open sessions end (their `search_path` and user name are stale).
   * Tables inside the schema move with it, Kysely's migration history
   * included. The password stays valid (a SCRAM verifier does not depend on
   * the name); the connection string returned has none.
   *
   * ```ts
   * const renamed = await admin.renameTenant({ schemaName: 'tenant_acme', username: 'acme_user' }, { schemaName: 'tenant_acme_corp', username: 'acme_corp_user' });
   * renamed.connectionString; // postgresql://acme_corp_user@localhost:5432/app
   * ```
   *
   * @throws ValidationError for a bad name, no change, or a dialect without renaming (rule `unsupported-by-dialect`: the MySQL family, Citus).
   * @throws TenantAlreadyExistsError when a new name is taken; nothing is changed.
   * @throws TenantNotFoundError, TenantNotManagedError as `removeTenant` (a tenant being removed is refused).
   * @throws PermissionError naming what the admin lacks.
   */
  async renameTenant(ref: TenantRef, to: RenameTenantTo): Promise<RenamedTenant> {
    return this.#log.track('tenant.renamed', tenantOf(ref), () => this.#identity(), async () => {
      const { from, to: names } = await renameTenant(this.#session, ref, to);
      const record = await this.#record(names.schemaName);
      if (!record) throw new DatabaseError({ message: `Tenant "${from.schemaName}" was renamed to "${names.schemaName}", but it was gone when read back (removed since?).` });
      const info = toTenantInfo(record);
      const connectionString = this.#session.tenantUrl({ username: names.username, password: '', database: names.schemaName });
      return { ...info, previous: { schemaName: from.schemaName, username: from.username }, connectionString };
    });
  }

  /**
   * Finds what Tenantry left behind after crashes, and with `repair` repairs
   * it: migrator logins not dropped (expired, with no session), schema
   * markers whose role is gone, tenant roles whose schema is gone, removals
   * that did not finish (resumed as `removeTenant` would). Repairs are only
   * safe drops: an empty schema, a role that owns nothing (DROP ROLE stops
   * otherwise), a migrator; a schema with objects in it is dropped only as
   * part of a removal that began. Roles are cluster-wide; tenants are looked
   * for in the admin's database only (`scope` says so).
   *
   * ```ts
   * const report = await admin.doctor({ repair: true });
   * for (const finding of report.findings) console.log(finding.kind, finding.objectName, finding.repaired);
   * ```
   *
   * @throws ValidationError (rule `unsupported-by-dialect`) where the dialect has no sweep (the MySQL family, Citus).
   */
  async doctor(options: DoctorOptions = {}): Promise<DoctorReport> {
    return doctor(this.#session, options, (tenant) => this.removeTenant(tenant));
  }

  /** Every tenant Tenantry created, ordered by schema name. */
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
    const limit = validatePageLimit(options.limit);
    const { facts, dialect } = await this.#session.server();
    const page = await this.#session.transaction({ action: 'list tenants' }, (connection) => dialect.readTenantPage(readerOf(connection), { limit, after: options.after }, facts));
    return { tenants: page.tenants.map(toTenantInfo), nextCursor: page.nextCursor };
  }

  /**
   * Makes the server safe for tenants, once. PostgreSQL: PUBLIC loses every
   * right on schema `public`, so tenants can neither create nor reach anything
   * there (the admin and the roles in `keepPublicFor` keep USAGE). The MySQL
   * family: Tenantry's registry database. Idempotent: a second run changes
   * nothing and says so.
   *
   * @throws PermissionError when the admin cannot make the change (PostgreSQL: it must own schema `public` or be superuser).
   */
  async prepare(options: PrepareOptions = {}): Promise<PrepareReport> {
    const { facts, dialect } = await this.#session.server();
    const context: ErrorContext = { action: 'prepare the database', database: facts.database, adminRole: facts.adminRole };
    const spec = prepareSpec(options);
    return this.#session.transaction(context, async (connection) => {
      const prepare = await dialect.planPrepare(readerOf(connection), facts, spec);
      // The plan checks its own result: a REVOKE by a non-owner only warns.
      await executePlan(connection, prepare.plan);
      return {
        database: facts.database,
        changed: prepare.plan.statements.length > 0,
        revokedFromPublic: [...prepare.revokedFromPublic],
        grantedUsageTo: [...prepare.grantedUsageTo],
        statements: prepare.plan.statements.map((statement) => `${statement.text};`),
        ...(prepare.poolerAuthQuery === undefined ? {} : { poolerAuthQuery: prepare.poolerAuthQuery }),
      };
    });
  }

  /** The statements `prepare` would run now, without running them; none when the server is prepared. */
  async planPrepare(options: PrepareOptions = {}): Promise<Plan> {
    const { facts, dialect } = await this.#session.server();
    const context: ErrorContext = { action: 'plan the preparation of the database', database: facts.database };
    const spec = prepareSpec(options);
    const prepare = await this.#session.transaction(context, (connection) => dialect.planPrepare(readerOf(connection), facts, spec), { readOnly: true });
    return prepare.plan;
  }

  /**
   * The connections the fleet can open at worst, against what the server has
   * (see the README, "Connection budget"): each tenant's `CONNECTION LIMIT`,
   * capped by the pooler's per-tenant pool size when tenants connect through
   * one (`poolSize`; the sum capped by `poolerMaxConnections`, PgBouncer's
   * `max_db_connections`), plus the admin's pool, against `max_connections` minus
   * the reserved slots. Two catalog reads. When the fleet can exceed the
   * server, `exceeds` is true and `warning` says why and what to do.
   *
   * ```ts
   * const budget = await admin.connectionBudget({ poolSize: 20 }); // PgBouncer's default_pool_size
   * if (budget.warning) console.warn(budget.warning);
   * ```
   *
   * @throws ValidationError for a bad `poolSize`, `poolerMaxConnections` or `adminConnections`, or a dialect without per-tenant connection limits (the MySQL family).
   */
  async connectionBudget(options: ConnectionBudgetOptions = {}): Promise<ConnectionBudget> {
    const poolSize = validateConnectionCount(options?.poolSize, 'poolSize', 1);
    const adminConnections = validateConnectionCount(options?.adminConnections, 'adminConnections', 0);
    const poolerMaxConnections = validateConnectionCount(options?.poolerMaxConnections, 'poolerMaxConnections', 1);
    if (poolerMaxConnections !== undefined && poolSize === undefined) {
      throw new ValidationError({ field: 'poolerMaxConnections', rule: 'type', message: "poolerMaxConnections is the pooler's cap over all tenants: give the pooler's poolSize with it." });
    }
    const { facts, dialect } = await this.#session.server();
    if (!dialect.readConnectionFacts) throw unsupported(dialect, 'connectionBudget', 'a connection budget (per-tenant connection limits)');
    const context: ErrorContext = { action: 'read the connection budget', database: facts.database };
    // Checked above; a callback does not keep TypeScript's narrowing of a property.
    const connectionFacts = await this.#session.transaction(context, (connection) => dialect.readConnectionFacts!(readerOf(connection), facts), { readOnly: true });
    return computeConnectionBudget(connectionFacts, adminConnections ?? this.#session.maxConnections, { poolSize, poolerMaxConnections });
  }

  /**
   * The server and the admin as Tenantry sees them, read once per
   * `DatabaseAdmin` (the first call connects): a quick check that the admin
   * can connect, before any work.
   *
   * @throws ConnectionError when the server cannot be reached or the login fails.
   */
  async serverInfo(): Promise<ServerInfo> {
    const facts = await this.#session.serverFacts();
    return { versionNum: facts.versionNum, database: facts.database, adminRole: facts.adminRole, isSuperuser: facts.isSuperuser };
  }

  /** Ends the connections Tenantry opened; a caller's own pool stays open. A second call waits for the first. */
  async close(): Promise<void> {
    await (this.#closed ??= this.#session.close());
  }

  /**
   * `close()`, for `await using`: the admin's connections end when the block
   * is left, however it is left.
   *
   * ```ts
   * await using admin = new DatabaseAdmin(process.env.DATABASE_URL!);
   * await admin.createTenant({ schemaName: 'tenant_acme', username: 'acme_user' });
   * ```
   */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  async #createPlan(config: TenantConfig, options: CreateTenantOptions) {
    const tenant = parseTenantSpec(config, this.#session.dialect);
    const given = this.#session.givenPassword(config.password);
    const { facts, dialect } = await this.#session.server();
    const { password, passwordSecret } = await this.#session.passwordWithSecret(given);
    const requirePreparedDatabase = options.requirePreparedDatabase ?? this.#session.options.requirePreparedDatabase;
    // One creation time for every plan of this tenant (its marker records it).
    const spec = { tenant, passwordSecret, requirePreparedDatabase, createdAt: new Date() };
    return { spec, tenant, password, facts, dialect, plan: dialect.planCreateTenant(spec, facts) };
  }

  /** `given` undefined: a generated password. */
  async #rotatePlan(ref: TenantRef, options: Omit<RotatePasswordOptions, 'password'>, given: string | undefined) {
    const names = parseTenantNames(ref, this.#session.dialect.rules);
    if (options.validUntil !== undefined && !this.#session.dialect.creationOptions.has('validUntil')) throw unsupported(this.#session.dialect, 'validUntil', 'password expiry');
    const { facts, dialect } = await this.#session.server();
    const { password, passwordSecret } = await this.#session.passwordWithSecret(given);
    const plan = dialect.planRotatePassword({ ...names, passwordSecret, validUntil: options.validUntil, terminateSessions: options.terminateSessions ?? false }, facts);
    const context: ErrorContext = { action: `rotate the password of tenant "${names.schemaName}"`, schemaName: names.schemaName, username: names.username, database: facts.database, adminRole: facts.adminRole };
    return { names, plan, context, password };
  }

  async #record(schemaName: string): Promise<TenantRecord | undefined> {
    const name = this.#session.dialect.rules.validateSchemaName(schemaName);
    const { facts, dialect } = await this.#session.server();
    return this.#session.transaction({ action: `look up tenant "${name}"`, schemaName: name }, (connection) => dialect.readTenant(readerOf(connection), name, facts));
  }

  async #placement(schemaName: string): Promise<TenantPlacementInfo | undefined> {
    const { dialect } = await this.#session.server();
    const placement = dialect.placement;
    if (!placement) return undefined;
    const rows = await this.#session.read(placement.placementQuery(schemaName), { action: `read where tenant "${schemaName}" lives`, schemaName });
    return placement.readPlacement(rows);
  }

  /** Who the admin is, as far as known: for tenant events, without connecting. */
  #identity(): AdminIdentity {
    const facts = this.#session.knownFacts;
    return { adminRole: facts?.adminRole, database: facts?.database };
  }

  /** `migrateTenants`'s options with each tenant that was migrated, or failed to be, sent to the log before the caller's `onProgress`. */
  #loggingMigrations(options: MigrateTenantsOptions): MigrateTenantsOptions {
    if (!this.#log.enabled || typeof options !== 'object' || options === null) return options;
    const { onProgress } = options;
    if (onProgress !== undefined && typeof onProgress !== 'function') return options; // refused by its validation
    return {
      ...options,
      onProgress: (progress) => {
        const { last } = progress;
        if (last.status !== 'up-to-date') {
          this.#log.emit({
            type: 'tenant.migrated',
            outcome: last.status === 'failed' ? 'failed' : 'succeeded',
            tenant: last,
            identity: this.#identity(),
            details: { migrationsApplied: last.applied },
            error: last.error,
          });
        }
        onProgress?.(progress);
      },
    };
  }

  /** Bulk creation's view of this admin: its connection cap, and whole tenants found by their markers. */
  #bulkHost(): BulkCreationHost {
    return {
      maxConnections: this.#session.maxConnections,
      isWholeManagedTenant: async (tenant) => {
        const record = await this.#record(tenant.schemaName).catch(() => undefined);
        return record !== undefined && record.username === tenant.username && record.intact;
      },
      mapError: (error, context) => this.#session.mapError(error, context),
    };
  }

  #requireRoleSwitching(call: string): void {
    const { dialect } = this.#session;
    if (!dialect.roleSwitching) {
      throw new ValidationError({
        field: 'dialect',
        rule: 'unsupported-by-dialect',
        message: `${call} is not available for the ${dialect.name} dialect: an existing tenant's migrations must run in a session as the tenant, which this dialect cannot hand over, and Tenantry keeps no tenant's password. Migrations run at creation (createTenant with migrations). Nothing was changed.`,
      });
    }
  }
}

/** `host:port` of a node, checked. */
function parseNode(value: unknown): { host: string; port: number } {
  const match = typeof value === 'string' ? /^(.+):(\d{1,5})$/.exec(value) : null;
  const port = match ? Number(match[2]) : NaN;
  if (!match || port < 1 || port > 65535 || /[\s\u0000-\u001f]/.test(match[1]!)) {
    throw new ValidationError({ field: 'to', rule: 'type', message: `to must be a node as host:port (e.g. 10.0.0.12:5432), got ${JSON.stringify(value)}.` });
  }
  return { host: match[1]!, port };
}

/** Catalog reads on one connection, for a dialect's readers. */
function readerOf(connection: DriverConnection): CatalogReader {
  return (query) => connection.query(query);
}

function toTenantInfo(record: TenantRecord): TenantInfo {
  return {
    schemaName: record.schemaName,
    username: record.username,
    createdAt: record.createdAt,
    labels: { ...record.labels },
    roleIntact: record.intact,
    ...(record.migrations ? { migrations: { ...record.migrations } } : {}),
    ...(record.suspended ? { suspended: { by: record.suspended.by, since: new Date(record.suspended.since) } } : {}),
    ...(record.removing ? { removing: { ...record.removing } } : {}),
  };
}

/** The names of a call's tenant, as given (checked by the call itself). */
function tenantOf(ref: unknown): { schemaName: unknown; username: unknown } {
  const fields = typeof ref === 'object' && ref !== null ? (ref as Record<string, unknown>) : {};
  return { schemaName: fields['schemaName'], username: fields['username'] };
}

/** `prepare`'s options as the dialect reads them. */
function prepareSpec(options: PrepareOptions): PrepareSpec {
  return { keepPublicFor: options.keepPublicFor ?? [], ...(options.poolerAuth === undefined ? {} : { poolerAuth: options.poolerAuth }) };
}

/** The options of `createTenants` that apply to each `createTenant`. */
function perTenantOptions(options: CreateTenantsOptions): CreateTenantOptions {
  return { requirePreparedDatabase: options.requirePreparedDatabase, migrations: options.migrations };
}

function requireCanCreate(facts: ServerFacts, context: ErrorContext): void {
  const missing = facts.missingToCreate;
  if (missing.length === 0) return;
  throw new PermissionError({
    privilege: missing.join(' and '),
    message: `Cannot ${context.action}: the admin role "${facts.adminRole}" lacks ${missing.join(' and ')}. Grant ${missing.length > 1 ? 'them' : 'it'} and retry. Nothing was changed.`,
  });
}

function unsupported(dialect: TenantryDialect, field: string, what: string): ValidationError {
  return new ValidationError({
    field,
    rule: 'unsupported-by-dialect',
    message: `Invalid ${field}: ${what} is not available for the ${dialect.name} dialect; it has no counterpart Tenantry can promise yet. Nothing was changed.`,
  });
}
