import {
  CompiledQuery,
  PostgresAdapter,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type pg from 'pg';
import type { KyselyInTransactionOptions, QueryObserver } from '../executor/driver-connection.js';
import { SchemaScopedIntrospector } from './schema-scoped-introspector.js';

/**
 * A Kysely dialect over one `pg` client that is already inside a transaction
 * the caller owns. Kysely's transactions become savepoints in it: `begin` is
 * `SAVEPOINT`, `commit` is `RELEASE SAVEPOINT`, `rollback` is `ROLLBACK TO
 * SAVEPOINT`. Nothing Kysely does can commit or end the caller's transaction,
 * and whatever it commits is undone if the caller rolls back.
 *
 * Internal to `@tenantry/admin`: it is how a Kysely `Migrator` runs inside
 * the transaction that creates (or locks) a tenant. Introspection sees the
 * tenant's schema only; an `observer` is told of each query Kysely runs
 * (not of the savepoints this driver sets), for the creation's recording.
 *
 * ```ts
 * const db = new Kysely<any>({ dialect: new TransactionBoundDialect(client, { schema: 'tenant_acme' }) });
 * await new Migrator({ db, provider }).migrateToLatest(); // no BEGIN, no COMMIT
 * ```
 */
export class TransactionBoundDialect implements Dialect {
  readonly #client: pg.ClientBase;
  readonly #options: KyselyInTransactionOptions;

  constructor(client: pg.ClientBase, options: KyselyInTransactionOptions) {
    this.#client = client;
    this.#options = options;
  }

  createDriver(): Driver {
    return new TransactionBoundDriver(new TransactionBoundConnection(this.#client, this.#options.observer));
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new TransactionBoundAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SchemaScopedIntrospector(db, this.#options.schema);
  }
}

/**
 * PostgreSQL's adapter without Kysely's migration lock. That lock is one
 * session-level advisory lock for the whole server: it would run the
 * migrations of all tenants one at a time, and, taken inside a transaction
 * that fails, it is not released by the rollback. The caller holds the
 * tenant's own advisory locks until its transaction ends instead, which keep
 * two Tenantry operations on one tenant apart.
 */
class TransactionBoundAdapter extends PostgresAdapter {
  override async acquireMigrationLock(): Promise<void> {
    // The caller's transaction holds the tenant's advisory locks.
  }

  override async releaseMigrationLock(): Promise<void> {
    // Released when the caller's transaction ends.
  }
}

/** Statements that would end or nest the caller's transaction behind the savepoints' back. */
const TRANSACTION_CONTROL = /^(?:begin|start\s+transaction|commit|end|abort|rollback(?!\s+(?:work\s+|transaction\s+)?to\b)|prepare\s+transaction)\b/i;

class TransactionBoundDriver implements Driver {
  readonly #connection: TransactionBoundConnection;
  readonly #savepoints: string[] = [];
  #counter = 0;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  constructor(connection: TransactionBoundConnection) {
    this.#connection = connection;
  }

  async init(): Promise<void> {
    // The client is the caller's, connected and in its transaction.
  }

  /** One client, so one user at a time, as Kysely's single-connection drivers do. */
  async acquireConnection(): Promise<DatabaseConnection> {
    while (this.#held) await this.#held;
    this.#held = new Promise((resolve) => (this.#release = resolve));
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#held = undefined;
    this.#release = undefined;
    release?.();
  }

  async beginTransaction(_connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (settings.isolationLevel || settings.accessMode) {
      throw new Error("A transaction inside the caller's transaction takes its isolation level and access mode; none can be set.");
    }
    const name = `tenantry_kysely_${++this.#counter}`;
    await this.#connection.control(`SAVEPOINT ${name}`);
    this.#savepoints.push(name);
  }

  async commitTransaction(): Promise<void> {
    const name = this.#savepoints.pop();
    if (name === undefined) throw new Error('commit without a transaction');
    await this.#connection.control(`RELEASE SAVEPOINT ${name}`);
  }

  async rollbackTransaction(): Promise<void> {
    const name = this.#savepoints.pop();
    if (name === undefined) throw new Error('rollback without a transaction');
    await this.#connection.rollbackTo(name);
    // ROLLBACK TO keeps the savepoint: release it, as a rolled-back transaction is gone.
    await this.#connection.control(`RELEASE SAVEPOINT ${name}`);
  }

  async savepoint(_connection: DatabaseConnection, savepointName: string): Promise<void> {
    await this.#connection.control(`SAVEPOINT ${quoteIdentifier(savepointName)}`);
  }

  async rollbackToSavepoint(_connection: DatabaseConnection, savepointName: string): Promise<void> {
    await this.#connection.rollbackTo(quoteIdentifier(savepointName));
  }

  async releaseSavepoint(_connection: DatabaseConnection, savepointName: string): Promise<void> {
    await this.#connection.control(`RELEASE SAVEPOINT ${quoteIdentifier(savepointName)}`);
  }

  async destroy(): Promise<void> {
    // The client belongs to the caller, who releases it.
  }
}

class TransactionBoundConnection implements DatabaseConnection {
  readonly #client: pg.ClientBase;
  readonly #observer: QueryObserver | undefined;

  constructor(client: pg.ClientBase, observer: QueryObserver | undefined) {
    this.#client = client;
    this.#observer = observer;
  }

  /** The driver's own savepoint statements: never observed, never guarded. */
  async control(statement: string): Promise<void> {
    await this.#client.query(statement);
  }

  async rollbackTo(savepoint: string): Promise<void> {
    this.#observer?.onRollback();
    await this.control(`ROLLBACK TO SAVEPOINT ${savepoint}`);
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // A guard against mistakes, not a security boundary: it sees only the first statement.
    if (TRANSACTION_CONTROL.test(stripLeadingComments(compiledQuery.sql))) {
      throw new Error("Migrations run inside Tenantry's transaction and must not begin, commit or roll back transactions themselves.");
    }
    let result: pg.QueryResult<R & pg.QueryResultRow>;
    try {
      result = await this.#client.query<R & pg.QueryResultRow>(compiledQuery.sql, [...compiledQuery.parameters]);
    } catch (error) {
      this.#observer?.onQuery(compiledQuery, 'failed');
      throw error;
    }
    this.#observer?.onQuery(compiledQuery, 'succeeded');
    const { command, rowCount, rows } = result;
    return {
      numAffectedRows:
        command === 'INSERT' || command === 'UPDATE' || command === 'DELETE' || command === 'MERGE' ? BigInt(rowCount ?? 0) : undefined,
      rows: rows ?? [],
    };
  }

  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('Streaming is not supported inside a tenant migration.');
  }
}

function stripLeadingComments(text: string): string {
  let rest = text;
  for (;;) {
    const trimmed = rest.trimStart();
    if (trimmed.startsWith('--')) {
      const end = trimmed.indexOf('\n');
      rest = end === -1 ? '' : trimmed.slice(end + 1);
    } else if (trimmed.startsWith('/*')) {
      const end = trimmed.indexOf('*/');
      rest = end === -1 ? '' : trimmed.slice(end + 2);
    } else {
      return trimmed;
    }
  }
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
