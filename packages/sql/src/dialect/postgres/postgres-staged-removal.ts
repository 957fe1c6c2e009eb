import { sql } from 'kysely';
import { DatabaseError, TenantNotManagedError, TenantRemovalBlockedError, type TenantryError } from '@tenantry/core';
import { compileDdl } from '../../compile-sql.js';
import { checkStep, executablePlan, runStep, type ExecutablePlan, type PlanStep } from '../../executable-plan.js';
import { freezePlan, type Plan } from '../../plan.js';
import { Statement } from '../../statement.js';
import { decodeSchemaMarker, rewriteMarker } from '../../tenant-marker.js';
import type { CatalogReader, RemoveTenantPlanSpec, ServerFacts, StagedRemoval } from '../dialect.js';
import type { TenantNames } from '../tenant-spec.js';
import { tenantStateQuery } from './postgres-catalog-queries.js';
import type { TenantStateRow } from './postgres-catalog-rows.js';
import { hasRoleGrantOptions, nonSuperuserAdmin } from './postgres-dialect-config.js';
import { countedBlockers, roleDependenciesElsewhereQuery } from './postgres-role-dependency-queries.js';
import { removalBatchQuery, type RemovalBatchRow } from './postgres-removal-size-queries.js';
import { REMOVAL_NEEDS_STAGES_SQLSTATE } from './postgres-plan-specs.js';
import { SESSION_EXIT_WAIT_MILLIS } from './postgres-session-statements.js';
import { checkCanRemove, checkManagedTenant } from './postgres-tenant-checks.js';
import { tenantCredentialsStatements } from './postgres-tenant-credentials-block.js';
import { endTenantRoleSessionsStatements, lockStatement, NOTHING_ELSEWHERE_CHECK, pinSearchPathStatement, REMOVABLE_TENANT_CHECK } from './postgres-tenant-statements.js';

/** "out of shared memory": the lock table is full (its HINT: increase max_locks_per_transaction). */
const LOCK_TABLE_FULL_SQLSTATE = '53200';

/** The DROP command of each relation kind a batch drops. */
const DROP_COMMAND_OF_KIND: Readonly<Record<string, string>> = {
  r: 'TABLE',
  p: 'TABLE',
  f: 'FOREIGN TABLE',
  v: 'VIEW',
  m: 'MATERIALIZED VIEW',
  S: 'SEQUENCE',
};

/** The purpose of the check each batch makes before it drops anything, which fault tests name. */
export const STILL_REMOVING_CHECK = 'the tenant is still marked as being removed';

/**
 * PostgreSQL's removal in stages, for a schema too large for one
 * transaction (see postgres-removal-size-queries.ts): mark, batches, then
 * the usual remove plan. Every statement is the admin's DDL on names read
 * from the catalog, quoted: no tenant-owned code runs (DROP runs no
 * triggers, and a tenant cannot make event triggers).
 */
export const postgresStagedRemoval: StagedRemoval = Object.freeze({
  needsStages: (error: TenantryError) => error.sqlState === REMOVAL_NEEDS_STAGES_SQLSTATE || error.sqlState === LOCK_TABLE_FULL_SQLSTATE,
  planBeginRemoval: async (read: CatalogReader, spec: RemoveTenantPlanSpec & { mark: { since: Date; by: string } }, facts: ServerFacts) => {
    const roleGrantOptions = hasRoleGrantOptions(facts.versionNum);
    const [seen] = await read(tenantStateQuery(spec.schemaName, spec.username, roleGrantOptions));
    return executablePlan('remove-tenant', 'transaction', beginRemovalSteps(spec, facts, seen!));
  },
  planDropBatch: async (read: CatalogReader, tenant: TenantNames, facts: ServerFacts) => {
    const rows = await read(removalBatchQuery(tenant.schemaName));
    if (rows.length === 0) return undefined;
    const roleGrantOptions = hasRoleGrantOptions(facts.versionNum);
    const steps: PlanStep[] = [
      runStep([pinSearchPathStatement(), lockStatement(tenant.schemaName, tenant.username)]),
      // Never a batch in a tenant that is not being removed: the mark is what allows it.
      checkStep(STILL_REMOVING_CHECK, tenantStateQuery(tenant.schemaName, tenant.username, roleGrantOptions), ([state]) => {
        checkManagedTenant(state!, { ...tenant, database: facts.database }, { removing: 'allowed' });
        if (!decodeSchemaMarker(state!.schema_comment)?.removing) {
          throw new TenantNotManagedError({ objectKind: 'schema', objectName: tenant.schemaName, reason: 'it is not marked as being removed, so no batch of it is dropped' });
        }
      }),
      runStep(dropBatchStatements(tenant.schemaName, rows)),
    ];
    return executablePlan('remove-tenant', 'transaction', steps);
  },
  previewStages: (stages: { begin: ExecutablePlan; elsewhere: readonly Statement[]; firstBatch: ExecutablePlan | undefined; last: ExecutablePlan }): Plan => {
    const inStage = (label: string, statements: readonly Statement[]) => statements.map((statement) => new Statement(`${label}: ${statement.purpose}`, statement.sql, statement.text));
    return freezePlan('remove-tenant', [
      ...inStage('stage 1, its own transaction', stages.begin.statements),
      ...stages.elsewhere,
      ...inStage('first batch of the schema\'s relations (then more like it until none is left, each its own transaction)', stages.firstBatch?.statements ?? []),
      ...inStage('last stage, its own transaction', stages.last.statements),
    ]);
  },
});

/**
 * Under the tenant's locks, after the remove plan's checks: the schema's
 * marker gets `removing` (its other fields kept; unless it has it already),
 * the role can no longer log in, its sessions end and its credentials are
 * dropped, so nothing new lands in
 * the schema while the batches run. All of it commits together.
 */
function beginRemovalSteps(spec: RemoveTenantPlanSpec & { mark: { since: Date; by: string } }, facts: ServerFacts, seen: TenantStateRow): PlanStep[] {
  const tenant = { schemaName: spec.schemaName, username: spec.username, database: facts.database };
  const roleGrantOptions = hasRoleGrantOptions(facts.versionNum);
  const admin = nonSuperuserAdmin(facts);
  const marked = decodeSchemaMarker(seen.schema_comment)?.removing !== undefined;
  const newMarker = marked ? undefined : rewriteMarker(seen.schema_comment, { removing: { since: spec.mark.since.toISOString(), by: spec.mark.by } });
  const statements: Statement[] = [];
  if (newMarker !== undefined) {
    statements.push(
      new Statement('mark the tenant as being removed (listed as removing; removeTenant resumes it)', compileDdl(sql`COMMENT ON SCHEMA ${sql.id(spec.schemaName)} IS ${sql.lit(newMarker)}`)),
    );
  }
  statements.push(
    new Statement('stop new logins of the tenant while its objects are dropped', compileDdl(sql`ALTER ROLE ${sql.id(spec.username)} NOLOGIN`)),
    ...endTenantRoleSessionsStatements(
      spec.username,
      { nonSuperuserAdmin: admin, roleGrantOptions },
      "end the tenant's open sessions, so none adds objects or holds locks the batches wait for",
      SESSION_EXIT_WAIT_MILLIS,
    ),
    // The removal would drop them at its end anyway; a credential left able to log in could add objects between batches.
    ...tenantCredentialsStatements(spec, 'drop', { nonSuperuserAdmin: admin, roleGrantOptions }, 'drop every credential of the tenant, its sessions ended first'),
  );
  return [
    runStep([pinSearchPathStatement(), lockStatement(spec.schemaName, spec.username)]),
    checkStep(REMOVABLE_TENANT_CHECK, tenantStateQuery(spec.schemaName, spec.username, roleGrantOptions), ([state]) => {
      checkManagedTenant(state!, tenant, { removing: 'allowed' });
      checkCanRemove(state!, { ...tenant, adminRole: facts.adminRole });
      if (state!.schema_comment !== seen.schema_comment) {
        throw new DatabaseError({
          message: `Could not begin removing tenant "${spec.schemaName}": its marker changed while it was being read (another operation on it ran at the same time). Retry. Nothing was changed.`,
        });
      }
    }),
    ...(spec.dropOwnedInOtherDatabases
      ? []
      : [
          checkStep(NOTHING_ELSEWHERE_CHECK, roleDependenciesElsewhereQuery(spec.username), (rows) => {
            if (rows.length > 0) throw new TenantRemovalBlockedError({ ...tenant, blockers: countedBlockers(rows) });
          }),
        ]),
    runStep(statements),
  ];
}

/** One DROP ... IF EXISTS ... CASCADE per kind (one may already be gone with another's CASCADE). */
function dropBatchStatements(schemaName: string, rows: readonly RemovalBatchRow[]): Statement[] {
  const schema = sql.id(schemaName);
  const byCommand = new Map<string, string[]>();
  for (const row of rows) {
    const command = DROP_COMMAND_OF_KIND[row.kind];
    if (command === undefined) continue;
    byCommand.set(command, [...(byCommand.get(command) ?? []), row.name]);
  }
  return [...byCommand].map(([command, names]) => {
    const list = sql.join(names.map((name) => sql`${schema}.${sql.id(name)}`));
    return new Statement(
      `drop a batch of ${names.length} ${command.toLowerCase()} object(s) of the schema, each with what depends on it`,
      compileDdl(sql`DROP ${sql.raw(command)} IF EXISTS ${list} CASCADE`),
    );
  });
}
