import { sql, type CompiledQuery } from 'kysely';
import { compileDdl } from '../../compile-sql.js';
import { ClusterNodeError, TenantAlreadyExistsError, ValidationError, type TenantryError } from '@tenantry/core';
import { checkStep, executablePlan, runStep, type ExecutablePlan, type PlanStep } from '../../executable-plan.js';
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
  ServerConnectionFacts,
  ServerFacts,
  TenantRecord,
  TenantRecordPage,
  TenantryDialect,
  TenantVerification,
  TransactionalSessions,
} from '../dialect.js';
import { PostgresDialect } from '../postgres/postgres-dialect.js';
import { defaultPrivilegeStatements, schemaMarkerStatement } from '../postgres/postgres-tenant-statements.js';
import { grantSetRoleStatement, revokeSetRoleStatement } from '../postgres/postgres-tenant-role-statements.js';
import type { CreationOptionName, NameRules, TenantNames } from '../tenant-spec.js';
import { mapCitusError } from './citus-error-mapping.js';
import { citusPlacement } from './citus-placement.js';
import { citusServerFactsQuery, namesOnWorkerCommand, publicPrivilegesOnWorkerCommand, type CitusServerFactsRow } from './citus-catalog-queries.js';
import { onEveryWorkerQuery, onEveryWorkerStep, requireEveryWorker, withParametersInlined } from './citus-worker-commands.js';
import { hasRoleGrantOptions, nonSuperuserAdmin } from '../postgres/postgres-dialect-config.js';
import { verificationChecksOf } from '../postgres/postgres-tenant-verification.js';
import { tenantVerificationQuery, type TenantVerificationRow } from '../postgres/postgres-verification-queries.js';

/**
 * PostgreSQL with the Citus extension (schema-based sharding, Citus 12+):
 * PostgreSQL's tenant, made true on every node. It runs on the coordinator
 * only; each tenant schema is created distributed (its tables live together
 * on one worker). What Citus does not propagate to the workers runs on each of
 * them, and what must hold on every node is checked on every node, through
 * `run_command_on_workers`.
 *
 * Picked by the registry when the admin's database has the extension
 * (`dialectForServer`); PostgreSQL's rules, secrets and plans otherwise.
 */
export class CitusDialect implements TenantryDialect {
  readonly name = 'citus';
  readonly client = 'pg' as const;
  readonly passwordSecretIsScram = true;
  readonly #postgres: PostgresDialect;

  constructor(postgres: PostgresDialect = new PostgresDialect()) {
    this.#postgres = postgres;
    this.transactions = Object.freeze({ ...postgres.transactions, newRoleUsableBeforeCommit: false });
  }

  get rules(): NameRules {
    return this.#postgres.rules;
  }

  get creationOptions(): ReadonlySet<CreationOptionName> {
    return this.#postgres.creationOptions;
  }

  /** PostgreSQL's, but a new role reaches the workers only when its transaction commits. */
  readonly transactions: TransactionalSessions;

  get roleSwitching() {
    return this.#postgres.roleSwitching;
  }

  get otherDatabases() {
    return this.#postgres.otherDatabases;
  }

  readonly placement = citusPlacement;

  serverFactsQuery(): CompiledQuery<CitusServerFactsRow> {
    return citusServerFactsQuery(this.#postgres.serverFactsQuery());
  }

  /** @throws ValidationError (rule `not-coordinator`) on a worker: the cluster's metadata, and Tenantry, live on the coordinator. */
  readServerFacts(row: unknown): ServerFacts {
    const facts = row as CitusServerFactsRow;
    if (!facts.is_coordinator) {
      throw new ValidationError({
        field: 'connection',
        rule: 'not-coordinator',
        message: 'This Citus node is a worker: connect Tenantry to the coordinator, which holds the cluster metadata and propagates roles and schemas to the workers.',
      });
    }
    return this.#postgres.readServerFacts(row);
  }

  passwordSecret(password: string, options: { scramIterations: number }): Promise<string> {
    return this.#postgres.passwordSecret(password, options);
  }

  mapError(error: unknown, context: ErrorContext): TenantryError {
    return mapCitusError(error, context);
  }

  toDatabaseError(prefix: string, error: unknown): TenantryError {
    return this.#postgres.toDatabaseError(prefix, error);
  }

  adminConnection(adminUrl: string): AdminConnectionParts {
    return this.#postgres.adminConnection(adminUrl);
  }

  tenantConnectionString(adminUrl: string, tenant: { username: string; password: string }): string {
    return this.#postgres.tenantConnectionString(adminUrl, tenant);
  }

  /**
   * PostgreSQL's `prepare` on the coordinator, and on every worker too:
   * Citus does not propagate privileges on schema `public`. Each worker's
   * state is read first; the plan ends by checking every worker again.
   */
  async planPrepare(read: CatalogReader, facts: ServerFacts, spec: PrepareSpec): Promise<PreparePlan> {
    const coordinator = await this.#postgres.planPrepare(read, facts, spec);
    const workers = requireEveryWorker(await read(onEveryWorkerQuery(publicPrivilegesOnWorkerCommand())), 'read the privileges on schema public');
    const workersOpen = workers.some((row) => row.result !== '');
    if (coordinator.plan.statements.length === 0 && !workersOpen) return coordinator;
    // On the workers, the whole of prepare runs: their state may differ from the coordinator's.
    // The pooler's login lookup is run on the coordinator only (clients log in there); Citus propagates it itself.
    const offline = this.#postgres.planPrepareOffline(facts, { keepPublicFor: spec.keepPublicFor });
    return { ...coordinator, plan: withWorkerSteps(coordinator.plan, offline.plan.statements) };
  }

  planPrepareOffline(facts: ServerFacts, spec: PrepareSpec): PreparePlan {
    const coordinator = this.#postgres.planPrepareOffline(facts, spec);
    const workers = this.#postgres.planPrepareOffline(facts, { keepPublicFor: spec.keepPublicFor });
    return { ...coordinator, plan: withWorkerSteps(coordinator.plan, workers.plan.statements) };
  }

  /**
   * PostgreSQL's create, with its schema distributed, after checking under the
   * tenant's locks that neither name is taken on any worker: Citus would
   * otherwise adopt a worker's same-named role, with whatever it was granted
   * there.
   */
  planCreateTenant(spec: CreateTenantPlanSpec, facts: ServerFacts): ExecutablePlan {
    const [locks, ...creation] = this.#postgres.planCreateTenant(spec, facts).steps;
    const steps: PlanStep[] = [
      locks!,
      namesFreeOnEveryWorker(spec.tenant),
      runStep([new Statement('create the schema distributed: its tables live together on one worker', 'SET LOCAL citus.enable_schema_based_sharding = on')]),
      ...creation,
    ];
    return executablePlan('create-tenant', 'transaction', steps);
  }

  /**
   * On every worker, once the schema exists there: the default privileges
   * and the schema's marker, which Citus does not propagate.
   */
  planAfterCreate(spec: CreateTenantPlanSpec, facts: ServerFacts): ExecutablePlan {
    const { schemaName, username, options } = spec.tenant;
    const statements = [
      ...defaultPrivilegeStatements(schemaName, username),
      schemaMarkerStatement({ schemaName, username, createdAt: spec.createdAt ?? new Date(), labels: options.labels, memberOf: options.memberOf }),
    ];
    return executablePlan('create-tenant', 'transaction', [...workersLetTheTenantIn(spec.tenant, facts), ...statements.map(onEveryWorkerStep)]);
  }

  /** PostgreSQL's removal, with the tenant's sessions on every worker ended before the drops (its checks passed). */
  planRemoveTenant(spec: RemoveTenantPlanSpec, facts: ServerFacts): ExecutablePlan {
    const plan = this.#postgres.planRemoveTenant(spec, facts);
    const drops = plan.steps.length - 1; // PostgreSQL's removal ends with the step that drops
    const steps = [...plan.steps.slice(0, drops), endSessionsOnEveryWorker(spec.username), ...plan.steps.slice(drops)];
    return executablePlan(plan.action, plan.atomicity, steps, plan.finally);
  }

  /** PostgreSQL's rotation; with `terminateSessions`, the tenant's sessions on every worker end too. */
  planRotatePassword(spec: RotatePasswordPlanSpec, facts: ServerFacts): ExecutablePlan {
    const plan = this.#postgres.planRotatePassword(spec, facts);
    if (!spec.terminateSessions) return plan;
    return executablePlan(plan.action, plan.atomicity, [...plan.steps, endSessionsOnEveryWorker(spec.username)], plan.finally);
  }

  readTenantPage(read: CatalogReader, page: { limit: number; after: string | undefined }, facts: ServerFacts): Promise<TenantRecordPage> {
    return this.#postgres.readTenantPage(read, page, facts);
  }

  readTenant(read: CatalogReader, schemaName: string, facts: ServerFacts): Promise<TenantRecord | undefined> {
    return this.#postgres.readTenant(read, schemaName, facts);
  }

  /** The coordinator's: clients (and a pooler) connect there. */
  readConnectionFacts(read: CatalogReader, facts: ServerFacts): Promise<ServerConnectionFacts> {
    return this.#postgres.readConnectionFacts(read, facts);
  }

  /**
   * PostgreSQL's checks, on every node: the same verification query is read on
   * each worker, and a check holds only where it holds on all of them (its
   * detail names the node where it does not).
   */
  async verifyTenant(read: CatalogReader, schemaName: string, facts: ServerFacts): Promise<TenantVerification> {
    const coordinator = await this.#postgres.verifyTenant(read, schemaName, facts);
    const query = tenantVerificationQuery({ schemaName, username: coordinator.username, roleGrantOptions: hasRoleGrantOptions(facts.versionNum) });
    const rows = requireEveryWorker(await read(onEveryWorkerQuery(`SELECT row_to_json(v)::text FROM (${withParametersInlined(query)}) v`)), `verify tenant "${schemaName}"`);
    const onWorkers = rows.map((row) => ({
      node: `${row.nodename}:${row.nodeport}`,
      checks: verificationChecksOf(row.result === '' ? undefined : (JSON.parse(row.result) as TenantVerificationRow), schemaName, coordinator.username),
    }));
    const checks = coordinator.checks.map((check) => {
      const problems = onWorkers.flatMap(({ node, checks: workerChecks }) => {
        if (workerChecks === undefined) return [`On Citus worker ${node}: the schema or the role is missing.`];
        const there = workerChecks.find((candidate) => candidate.id === check.id);
        return there === undefined || there.ok ? [] : [`On Citus worker ${node}: ${there.detail ?? 'does not hold'}`];
      });
      const description = `${check.description} (on the coordinator and every worker)`;
      if (problems.length === 0) return { ...check, description };
      return { ...check, description, ok: false, detail: [...(check.ok ? [] : [`On the coordinator: ${check.detail ?? 'does not hold'}`]), ...problems].join(' ') };
    });
    return { ...coordinator, checks };
  }
}

/** A check step: the tenant's role and schema names exist on no worker. */
function namesFreeOnEveryWorker(tenant: TenantNames): PlanStep {
  return checkStep('neither name is taken on any worker', onEveryWorkerQuery(namesOnWorkerCommand(tenant.schemaName, tenant.username)), (rows) => {
    for (const row of requireEveryWorker(rows, `check that the names of tenant "${tenant.schemaName}" are free`)) {
      const [roles, schemas] = row.result.split(',').map(Number);
      const node = `${row.nodename}:${row.nodeport}`;
      const where = `on Citus worker ${node} (Citus would adopt it, with whatever it holds there)`;
      if (roles !== 0) throw new TenantAlreadyExistsError({ objectKind: 'role', objectName: tenant.username, where });
      if (schemas !== 0) throw new TenantAlreadyExistsError({ objectKind: 'schema', objectName: tenant.schemaName, where });
    }
  });
}

/**
 * Ends the tenant's sessions on every worker (a tenant can log in to a worker
 * directly: its role and password are there too). A least-privilege admin
 * needs `pg_signal_backend` for it: the membership it borrows on the
 * coordinator reaches the workers only at commit.
 */
function endSessionsOnEveryWorker(username: string): PlanStep {
  return onEveryWorkerStep(
    new Statement(
      "end the tenant's sessions on this worker",
      compileDdl(sql`SELECT count(pg_catalog.pg_terminate_backend(a.pid)) FROM pg_catalog.pg_stat_activity a JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid WHERE r.rolname = ${sql.lit(username)}`),
    ),
  );
}

/**
 * Acting as the new tenant, a round trip to every worker: Citus connects to
 * the workers as the querying user, so a cluster whose nodes do not trust
 * each other (a `pg_dist_authinfo` password for the admin alone, say) lets
 * the admin through and fails the tenant's first table. Found here, the
 * tenant is removed again with the reason.
 */
function workersLetTheTenantIn(tenant: TenantNames, facts: ServerFacts): PlanStep[] {
  const admin = nonSuperuserAdmin(facts);
  const switchOptions = { roleGrantOptions: hasRoleGrantOptions(facts.versionNum), ownGrant: false };
  const enter = [
    ...(admin === undefined ? [] : [grantSetRoleStatement(tenant.username, admin, switchOptions)]),
    new Statement('act as the tenant, whose queries open their own worker connections', compileDdl(sql`SET LOCAL ROLE ${sql.id(tenant.username)}`)),
  ];
  const leave = [new Statement('act as the admin again', 'RESET ROLE'), ...(admin === undefined ? [] : [revokeSetRoleStatement(tenant.username, admin, switchOptions)])];
  return [
    runStep(enter),
    checkStep("every worker lets the tenant's sessions in", onEveryWorkerQuery('SELECT 1'), (rows) => {
      const refused = rows.find((row) => !row.success);
      if (refused === undefined) return;
      const node = `${refused.nodename}:${refused.nodeport}`;
      throw new ClusterNodeError({
        node,
        message:
          `Citus worker ${node} refused the coordinator's connection as tenant role "${tenant.username}" (${refused.result}). ` +
          'Citus connects to the workers as the user running the query, so every node must trust the others for every user: give the nodes a cluster certificate they trust (see the README, "On a Citus cluster"). A pg_dist_authinfo password for the admin alone lets the admin through and fails every tenant',
      });
    }),
    runStep(leave),
  ];
}

/** The plan, then each of `statements` on every worker (checked), in order. */
function withWorkerSteps(plan: ExecutablePlan, statements: readonly Statement[]): ExecutablePlan {
  const onWorkers = statements.map(onEveryWorkerStep);
  const allClosed = checkStep('PUBLIC holds nothing on schema public on any worker', onEveryWorkerQuery(publicPrivilegesOnWorkerCommand()), (rows) => {
    for (const row of requireEveryWorker(rows, 'read the privileges on schema public')) {
      if (row.result !== '') {
        const node = `${row.nodename}:${row.nodeport}`;
        throw new ClusterNodeError({ node, message: `PUBLIC still holds ${row.result} on schema public on Citus worker ${node} after prepare: the admin must own schema public there (or be superuser).` });
      }
    }
  });
  return executablePlan(plan.action, plan.atomicity, [...plan.steps, ...onWorkers, allClosed], plan.finally);
}
