import { Kysely, type CompiledQuery } from 'kysely';
import type pg from 'pg';
import type { Statement } from '@tenantry/sql';
import type { DriverConnection } from '../executor/driver-connection.js';
import { TransactionBoundDialect } from './pg-transaction-bound-dialect.js';

/**
 * A `pg` client as the executor's `DriverConnection`: statements go in one
 * simple-protocol round trip (one implicit transaction when no transaction is
 * open), catalog queries with bind parameters.
 */
export function pgDriverConnection(client: pg.ClientBase): DriverConnection {
  const run = async (statements: readonly Statement[]): Promise<void> => {
    if (statements.length > 0) await client.query(statements.map((statement) => statement.sql).join(';\n'));
  };
  return {
    run,
    runAtomically: run,
    async query<Row>(query: CompiledQuery<Row>): Promise<Row[]> {
      const result = await client.query<Row & pg.QueryResultRow>(query.sql, [...query.parameters]);
      return result.rows;
    },
    async runThenRead<Row>(statements: readonly Statement[], query: CompiledQuery<Row>): Promise<Row[]> {
      if (query.parameters.length > 0) throw new Error('runThenRead sends plain SQL: the query must have no bind parameters.');
      const results = await client.query([...statements.map((statement) => statement.sql), query.sql].join(';\n'));
      // One result per statement when there are several; the query's is the last.
      const last = (Array.isArray(results) ? results.at(-1) : results) as pg.QueryResult<Row & pg.QueryResultRow>;
      return last.rows;
    },
    kyselyInTransaction: (options) => new Kysely<any>({ dialect: new TransactionBoundDialect(client, options) }),
  };
}
