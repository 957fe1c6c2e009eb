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
    kyselyInTransaction: (options) => new Kysely<any>({ dialect: new TransactionBoundDialect(client, options) }),
  };
}
