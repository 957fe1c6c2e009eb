import { CompiledQuery, sql } from 'kysely';
import { ClusterNodeError } from '@tenantry/core';
import { compileDdl, compiler } from '../../compile-sql.js';
import { remoteStep, type RemoteStep } from '../../executable-plan.js';
import { Statement } from '../../statement.js';

/** One row of `run_command_on_workers`: the node, whether the command succeeded, its one value or its error. */
export interface WorkerCommandRow {
  nodename: string;
  nodeport: number;
  success: boolean;
  result: string;
}

/**
 * Runs `command` on every worker, as the current login, each in a connection
 * of its own that commits by itself (Citus's `run_command_on_workers`): for
 * what Citus does not propagate, and for reading each worker's catalog. The
 * command goes as a bound parameter; it holds no secret.
 */
export function onEveryWorkerQuery(command: string): CompiledQuery<WorkerCommandRow> {
  return sql<WorkerCommandRow>`
    SELECT w.nodename::text AS nodename, w.nodeport::int AS nodeport, w.success, w.result
    FROM pg_catalog.run_command_on_workers(${command}) w
    ORDER BY w.nodename, w.nodeport`.compile(compiler);
}

/**
 * A plan step that runs `statement` on every worker (its purpose says so when
 * printed), each worker checked: one where it failed stops the plan with
 * `ClusterNodeError`. Refused for a statement that holds a secret.
 */
export function onEveryWorkerStep(statement: Statement): RemoteStep {
  if (statement.hasSecret) throw new Error(`A statement with a secret never goes to run_command_on_workers: ${statement.purpose}.`);
  const text = compileDdl(sql`SELECT w.nodename::text AS nodename, w.nodeport::int AS nodeport, w.success, w.result FROM pg_catalog.run_command_on_workers(${sql.lit(statement.sql)}) w`);
  return remoteStep(new Statement(`on every worker: ${statement.purpose}`, text), CompiledQuery.raw(text) as CompiledQuery<WorkerCommandRow>, (rows) => {
    requireEveryWorker(rows, statement.purpose);
  });
}

/**
 * The rows of a worker command, each checked: a worker where it failed stops
 * the plan with `ClusterNodeError` naming the node and what it said.
 */
export function requireEveryWorker(rows: readonly WorkerCommandRow[], what: string): readonly WorkerCommandRow[] {
  for (const row of rows) {
    if (!row.success) {
      throw new ClusterNodeError({
        node: `${row.nodename}:${row.nodeport}`,
        message: `Could not ${what} on Citus worker ${row.nodename}:${row.nodeport}: ${row.result}. Nothing was changed on the coordinator.`,
      });
    }
  }
  return rows;
}

/**
 * A parameterised catalog query as one SQL text, for `onEveryWorkerQuery`
 * (which takes text only): each `$n` becomes its value as a literal written
 * by Tenantry's compiler. Only for catalog queries whose values are names and
 * numbers: refused for anything else.
 */
export function withParametersInlined(query: CompiledQuery<unknown>): string {
  return query.sql.replace(/\$(\d+)\b/g, (_placeholder, index: string) => {
    const value: unknown = query.parameters[Number(index) - 1];
    if (value === null) return 'NULL';
    if (typeof value === 'number' && Number.isFinite(value)) return String(value);
    if (typeof value === 'boolean') return value ? 'true' : 'false';
    if (typeof value === 'string') return compileDdl(sql`${sql.lit(value)}`);
    throw new Error(`Cannot write parameter $${index} of a catalog query as a literal (${typeof value}).`);
  });
}
