import type { CompiledQuery } from 'kysely';
import type { Statement } from '@tenantry/sql';
import type { DriverConnection } from '../executor/driver-connection.js';

/** One operation the executor sends: a statement, or a catalog query. */
export type Operation = { kind: 'run'; text: string } | { kind: 'query'; text: string };

/**
 * A DriverConnection that calls `before` ahead of each operation it passes
 * on (statements one at a time), so a test can act between two steps of a
 * plan: create a name concurrently, or kill the connection.
 */
export class InterceptingConnection implements DriverConnection {
  readonly operations: Operation[] = [];

  constructor(
    private readonly inner: DriverConnection,
    private readonly before: (operation: Operation, index: number) => Promise<void>,
  ) {}

  async run(statements: readonly Statement[]): Promise<void> {
    for (const statement of statements) {
      const operation: Operation = { kind: 'run', text: statement.text };
      await this.before(operation, this.operations.push(operation) - 1);
      await this.inner.run([statement]);
    }
  }

  async query<Row>(query: CompiledQuery<Row>): Promise<Row[]> {
    const operation: Operation = { kind: 'query', text: query.sql };
    await this.before(operation, this.operations.push(operation) - 1);
    return this.inner.query(query);
  }
}
