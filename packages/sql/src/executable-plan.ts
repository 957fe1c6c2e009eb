import type { CompiledQuery } from 'kysely';
import type { Plan, PlanAction } from './plan.js';
import { Statement } from './statement.js';

/**
 * A plan that describes its own execution, so that one executor can run the
 * plans of every dialect without knowing any of them.
 *
 * - `transaction`: every step runs in one transaction (PostgreSQL, whose DDL
 *   is transactional); any failure rolls all of it back. Consecutive `run`
 *   steps go to the server in one round trip.
 * - `compensation`: the database commits each DDL statement on its own
 *   (MySQL, MariaDB). Steps run in order on one connection; when one fails,
 *   the `undo` statements of the steps that completed run in reverse order,
 *   then the error is raised. `finally` statements run in every case (they
 *   release session-level locks).
 *
 * `statements` lists every statement the plan may run, in order, for dry
 * runs; it is what `formatPlan` prints.
 */
export interface ExecutablePlan extends Plan {
  readonly atomicity: 'transaction' | 'compensation';
  readonly steps: readonly PlanStep[];
  /** Run last whatever happened (compensation plans); never undone. */
  readonly finally: readonly Statement[];
}

export type PlanStep = RunStep | CheckStep | RemoteStep;

/** Statements to run, in order. */
export interface RunStep {
  readonly kind: 'run';
  readonly statements: readonly Statement[];
  /** What undoes this step if a later one fails (compensation plans only). */
  readonly undo: readonly Statement[];
}

/**
 * A catalog read whose rows decide whether the plan may go on: `verify`
 * throws a Tenantry error (not found, not managed, no permission) to stop it.
 * It runs where the plan runs: inside the transaction, under the locks the
 * steps before it took, so no race slips between the check and the change.
 */
export interface CheckStep<Row = unknown> {
  readonly kind: 'check';
  readonly purpose: string;
  readonly query: CompiledQuery<Row>;
  readonly verify: (rows: readonly Row[]) => void;
  /**
   * The query as a statement, when it has no bind parameters (`plainCheckStep`):
   * the plan's statements show it, and an executor may send it in the round
   * trip of the statements before it.
   */
  readonly statement?: Statement;
}

/**
 * A change made on the other nodes of a cluster through a query whose rows
 * say, node by node, whether it worked (Citus's `run_command_on_workers`,
 * which does not raise): `verify` throws for a node where it failed. It runs
 * where it stands, like a check, but changes something: a dry run skips it,
 * and `statement` is what prints.
 */
export interface RemoteStep<Row = unknown> {
  readonly kind: 'remote';
  readonly statement: Statement;
  readonly query: CompiledQuery<Row>;
  readonly verify: (rows: readonly Row[]) => void;
}

/** A step that runs `statements`, undone by `undo` in compensation plans. */
export function runStep(statements: readonly Statement[], undo: readonly Statement[] = []): RunStep {
  return Object.freeze({ kind: 'run', statements: Object.freeze([...statements]), undo: Object.freeze([...undo]) });
}

/** A step that reads the catalog and stops the plan when `verify` throws. */
export function checkStep<Row>(purpose: string, query: CompiledQuery<Row>, verify: (rows: readonly Row[]) => void): CheckStep {
  // The query and its reader are paired here, where both types are known; the plan holds them as one step.
  return Object.freeze({ kind: 'check', purpose, query: query as CompiledQuery<unknown>, verify: (rows: readonly unknown[]) => verify(rows as readonly Row[]) });
}

/**
 * A check whose query is plain SQL, its values written as literals: a dry run
 * prints it where it stands, and it can go to the server with the statements
 * before it, in one round trip.
 */
export function plainCheckStep<Row>(purpose: string, query: CompiledQuery<Row>, verify: (rows: readonly Row[]) => void): CheckStep {
  if (query.parameters.length > 0) throw new Error(`The check "${purpose}" has bind parameters: a plain check writes its values as literals.`);
  return Object.freeze({ ...checkStep(purpose, query, verify), statement: new Statement(purpose, query.sql) });
}

/** A change on the cluster's other nodes: `query` runs it, `verify` reads where it failed; `statement` prints it. */
export function remoteStep<Row>(statement: Statement, query: CompiledQuery<Row>, verify: (rows: readonly Row[]) => void): RemoteStep {
  return Object.freeze({ kind: 'remote', statement, query: query as CompiledQuery<unknown>, verify: (rows: readonly unknown[]) => verify(rows as readonly Row[]) });
}

/** What steps show as statements, in order: those of the run steps, the remote steps' and the plain checks'. */
export function statementsOfSteps(steps: readonly PlanStep[]): Statement[] {
  return steps.flatMap((step) => (step.kind === 'run' ? step.statements : step.statement ? [step.statement] : []));
}

/** Freezes a plan; `statements` is derived from its steps (`statementsOfSteps`) and `finally`. */
export function executablePlan(
  action: PlanAction,
  atomicity: ExecutablePlan['atomicity'],
  steps: readonly PlanStep[],
  finallyStatements: readonly Statement[] = [],
): ExecutablePlan {
  const statements = [...statementsOfSteps(steps), ...finallyStatements];
  return Object.freeze({
    action,
    atomicity,
    steps: Object.freeze([...steps]),
    finally: Object.freeze([...finallyStatements]),
    statements: Object.freeze(statements),
  });
}
