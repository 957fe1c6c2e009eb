import type { ExecutablePlan, PlanStep, Statement } from '@tenantry/sql';
import type { DriverConnection } from './driver-connection.js';

/** A statement of an undo that failed too, kept for the report. */
export interface UndoFailure {
  readonly statement: Statement;
  readonly error: unknown;
}

/**
 * An error raised by a compensation plan after its undo ran: the original
 * error, and the undo statements that failed as well (each printable, never
 * with a secret). With none, the database is as before the plan.
 */
export class PlanFailedError extends Error {
  override readonly name = 'PlanFailedError';
  readonly undoFailures: readonly UndoFailure[];

  constructor(cause: unknown, undoFailures: readonly UndoFailure[]) {
    super('a plan step failed', { cause });
    this.undoFailures = undoFailures;
  }
}

/**
 * Runs a plan's steps on `connection`, for every dialect alike.
 *
 * A `transaction` plan runs inside the transaction the caller opened: runs of
 * consecutive `run` steps go in one round trip, `check` steps read and decide
 * (a plain one in the round trip of the statements before it, where the driver can),
 * and any error propagates for the caller to roll back. The caller's `opening`
 * statements (its BEGIN) go with the first round trip, its `closing` ones (its
 * COMMIT) with the last. A `compensation` plan
 * runs each step as it comes; when one fails, the `undo` of every step that
 * completed runs in reverse order, then `PlanFailedError` carries the cause.
 * `finally` statements run in every case. With `checksOnly` (a dry run) only
 * the `check` steps run.
 */
export async function executePlan(connection: DriverConnection, plan: ExecutablePlan, options: { checksOnly?: boolean; opening?: readonly Statement[]; closing?: readonly Statement[] } = {}): Promise<void> {
  if (options.checksOnly) {
    // A dry run: the same checks against the catalog as now, nothing changed.
    for (const step of plan.steps) {
      if (step.kind === 'check') step.verify(await connection.query(step.query));
    }
    return;
  }
  if (plan.atomicity === 'transaction') {
    await runSteps(connection, plan.steps, undefined, options.opening ?? [], [...plan.finally, ...(options.closing ?? [])]);
    return;
  }
  const done: PlanStep[] = [];
  try {
    await runSteps(connection, plan.steps, done, [], []);
  } catch (error) {
    const undoFailures = await undo(connection, done);
    throw new PlanFailedError(error, undoFailures);
  } finally {
    if (plan.finally.length > 0) await connection.run(plan.finally).catch(() => undefined);
  }
}

/**
 * Runs the steps; in a transaction (`done` undefined) the statements wait for
 * the next round trip: `opening` with the first steps, a plain check with the
 * statements before it, `closing` with the last.
 */
async function runSteps(connection: DriverConnection, steps: readonly PlanStep[], done: PlanStep[] | undefined, opening: readonly Statement[], closing: readonly Statement[]): Promise<void> {
  let pending: Statement[] = [...opening];
  const flush = async () => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    await connection.run(batch);
  };
  for (const step of steps) {
    if (step.kind === 'run') {
      if (done === undefined) {
        pending.push(...step.statements); // one transaction: batch into one round trip
      } else {
        await connection.run(step.statements);
        done.push(step);
      }
    } else if (step.kind === 'check' && step.statement && done === undefined && connection.runThenRead) {
      const batch = pending;
      pending = [];
      step.verify(await connection.runThenRead(batch, step.query));
    } else {
      await flush();
      step.verify(await connection.query(step.query));
      done?.push(step);
    }
  }
  pending.push(...closing);
  await flush();
}

/** Undoes completed steps, last first; a failing undo statement is recorded and the rest still run. */
async function undo(connection: DriverConnection, done: readonly PlanStep[]): Promise<UndoFailure[]> {
  const failures: UndoFailure[] = [];
  for (const step of [...done].reverse()) {
    if (step.kind !== 'run') continue;
    for (const statement of step.undo) {
      await connection.run([statement]).catch((error: unknown) => failures.push({ statement, error }));
    }
  }
  return failures;
}
