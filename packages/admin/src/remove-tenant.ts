import { DatabaseError, TenantRemovalBlockedError, TenantryError, ValidationError, type TenantRef } from '@tenantry/core';
import { parseTenantNames, type CatalogReader, type ErrorContext, type OtherDatabases, type Plan, type StagedRemoval, type TenantryDialect } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import { describeBlockers, runDropOwnedElsewhere } from './role-in-other-databases.js';

/** Options of `removeTenant` and `planRemoveTenant`. */
export interface RemoveTenantOptions {
  /**
   * PostgreSQL: also drop what the tenant's role owns or holds in OTHER
   * databases of the cluster (large objects, default privileges, privileges
   * granted to it), which otherwise stop the removal with
   * `TenantRemovalBlockedError`. The admin connects to each such database
   * with its own credentials and runs DROP OWNED BY there, in one transaction
   * per database, before removing the tenant. Default false: Tenantry changes
   * nothing outside the tenant's database unless asked.
   */
  dropOwnedInOtherDatabases?: boolean;
}

/**
 * Removes a managed tenant: its plan runs as the dialect says (on
 * PostgreSQL one transaction under the tenant's locks in two round trips: the
 * locks with the checks' one catalog read, then the drops and the commit). With `dropOwnedInOtherDatabases`, once the same checks passed, what
 * the role has in other databases is dropped first, in a transaction of its
 * own in each of them.
 *
 * A schema too large for one transaction (the dialect's `stagedRemoval`:
 * PostgreSQL's lock table) is removed in stages: marked as being removed
 * first, then its relations dropped in batches, each its own transaction, then
 * the usual plan. Staged when the one-transaction plan's check (under its
 * locks) finds the estimate over the admin's lock budget or
 * the tenant already marked (a removal to resume), and when the one
 * transaction ran out of locks after all (it rolled back whole). Either way a failure on the way
 * leaves the tenant whole or marked as being removed, never half-removed and
 * listed as whole, and calling this again resumes it.
 */
export async function removeTenant(session: AdminSession, ref: TenantRef, options: RemoveTenantOptions = {}): Promise<void> {
  const removal = await removePlan(session, ref, options, { stageWhenLarge: true });
  const staged = removal.dialect.stagedRemoval;
  try {
    await removeInOneTransaction(session, removal);
  } catch (error) {
    if (!staged || !TenantryError.isInstance(error) || !staged.needsStages(error)) throw error;
    await removeInStages(session, staged, removal);
  }
}

type Removal = Awaited<ReturnType<typeof removePlan>>;

async function removeInOneTransaction(session: AdminSession, { plan, facts, context, username, elsewhere }: Removal): Promise<void> {
  if (elsewhere) {
    // The checks first: nothing is dropped anywhere for a role that is not a whole tenant of ours.
    await session.runPlan(plan, context, { checksOnly: true });
    for (const database of await otherDatabases(session, elsewhere, username, context)) {
      await runDropOwnedElsewhere(session, facts, username, database);
    }
  }
  await withDescribedBlockers(session, username, () => session.runPlan(plan, context));
}

/**
 * Mark (committed), what the role has elsewhere (on request), the schema's
 * relations batch by batch, then the usual plan for the rest: each stage its
 * own transaction, each safe to repeat.
 */
async function removeInStages(session: AdminSession, staged: StagedRemoval, { names, lastStage, facts, context, username, elsewhere }: Removal): Promise<void> {
  const read: CatalogReader = (query) => session.read(query, context);
  const mark = { since: new Date(), by: facts.adminRole };
  const begin = await staged.planBeginRemoval(read, { ...names, dropOwnedInOtherDatabases: elsewhere !== undefined, mark }, facts);
  await withDescribedBlockers(session, username, () => session.runPlan(begin, context));
  if (elsewhere) {
    for (const database of await otherDatabases(session, elsewhere, username, context)) {
      await runDropOwnedElsewhere(session, facts, username, database);
    }
  }
  let previous: string | undefined;
  for (let batch = await staged.planDropBatch(read, names, facts); batch; batch = await staged.planDropBatch(read, names, facts)) {
    // A batch that would run again as it was means its drops did nothing: stop rather than loop.
    const statements = batch.statements.map((statement) => statement.text).join(';');
    if (statements === previous) throw new DatabaseError({ message: `Could not remove tenant "${names.schemaName}": a batch of its objects was not dropped (${statements.slice(0, 200)}). It stays marked as being removed; removeTenant resumes it.` });
    previous = statements;
    await session.runPlan(batch, context);
  }
  await withDescribedBlockers(session, username, () => session.runPlan(lastStage, context));
}

/**
 * The statements `removeTenant` would run, after the same checks, without
 * running them: a dry run. With `dropOwnedInOtherDatabases`, the statements
 * for each other database are shown where they run in order, their purpose
 * naming the database they run in.
 */
export async function planRemoveTenant(session: AdminSession, ref: TenantRef, options: RemoveTenantOptions = {}): Promise<Plan> {
  const removal = await removePlan(session, ref, options, { stageWhenLarge: true });
  const { plan, facts, context, username, elsewhere, dialect } = removal;
  const staged = dialect.stagedRemoval;
  try {
    await withDescribedBlockers(session, username, () => session.runPlan(plan, context, { checksOnly: true }));
  } catch (error) {
    if (!staged || !TenantryError.isInstance(error) || !staged.needsStages(error)) throw error;
    return previewInStages(session, staged, removal);
  }
  if (!elsewhere) return plan;
  return elsewhere.previewRemoval(plan, username, await otherDatabases(session, elsewhere, username, context), facts);
}

/** What `removeInStages` would run, after the checks of its first stage: the first batch stands for all of them. */
async function previewInStages(session: AdminSession, staged: StagedRemoval, { names, lastStage, facts, context, username, elsewhere }: Removal): Promise<Plan> {
  const read: CatalogReader = (query) => session.read(query, context);
  const begin = await staged.planBeginRemoval(read, { ...names, dropOwnedInOtherDatabases: elsewhere !== undefined, mark: { since: new Date(), by: facts.adminRole } }, facts);
  await withDescribedBlockers(session, username, () => session.runPlan(begin, context, { checksOnly: true }));
  const elsewhereStatements = elsewhere
    ? (await otherDatabases(session, elsewhere, username, context)).flatMap((database) => elsewhere.dropOwnedStatements(username, database, facts))
    : [];
  return staged.previewStages({ begin, elsewhere: elsewhereStatements, firstBatch: await staged.planDropBatch(read, names, facts), last: lastStage });
}

/** The other databases where the role owns or holds something, from the shared catalog. */
async function otherDatabases(session: AdminSession, elsewhere: OtherDatabases, username: string, context: ErrorContext): Promise<string[]> {
  return elsewhere.databasesOf(await session.read(elsewhere.dependenciesQuery(username), context));
}

/**
 * The plan's blocker names objects elsewhere by counts (all the shared catalog
 * tells); connecting to each database, the admin names them in words.
 */
async function withDescribedBlockers(session: AdminSession, username: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (error) {
    const elsewhere = session.dialect.otherDatabases;
    if (!(error instanceof TenantRemovalBlockedError) || !elsewhere) throw error;
    const rows = await session.read(elsewhere.dependenciesQuery(username), { action: `read what role "${username}" has in other databases` });
    throw new TenantRemovalBlockedError({ schemaName: error.schemaName, username, database: (await session.serverFacts()).database, blockers: await describeBlockers(session, username, rows) });
  }
}

async function removePlan(session: AdminSession, ref: TenantRef, options: RemoveTenantOptions, how: { stageWhenLarge: boolean } = { stageWhenLarge: false }) {
  const names = parseTenantNames(ref, session.dialect.rules);
  const elsewhere = options.dropOwnedInOtherDatabases ? requireOtherDatabases(session.dialect) : undefined;
  const { facts, dialect } = await session.server();
  const context: ErrorContext = { action: `remove tenant "${names.schemaName}"`, schemaName: names.schemaName, username: names.username, database: facts.database, adminRole: facts.adminRole };
  // The plan that stops when stages are needed, where the dialect has them; the last stage runs without that check.
  const stageWhenLarge = how.stageWhenLarge && dialect.stagedRemoval !== undefined;
  const plan = dialect.planRemoveTenant({ ...names, dropOwnedInOtherDatabases: elsewhere !== undefined, stageWhenLarge }, facts);
  const lastStage = stageWhenLarge ? dialect.planRemoveTenant({ ...names, dropOwnedInOtherDatabases: elsewhere !== undefined }, facts) : plan;
  return { names, dialect, plan, lastStage, facts, context, username: names.username, elsewhere };
}

function requireOtherDatabases(dialect: TenantryDialect): OtherDatabases {
  if (dialect.otherDatabases) return dialect.otherDatabases;
  throw new ValidationError({
    field: 'dropOwnedInOtherDatabases',
    rule: 'unsupported-by-dialect',
    message: `dropOwnedInOtherDatabases is not available for the ${dialect.name} dialect: its tenants own nothing outside their own database. Nothing was changed.`,
  });
}
