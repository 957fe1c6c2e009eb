import type { CompiledQuery, Kysely } from 'kysely';
import type { Statement } from '@tenantry/sql';

/**
 * One connection of a driver (`pg`, `mysql2`), as the executor sees it: it
 * runs statements and parameterised catalog queries, and knows no dialect.
 */
export interface DriverConnection {
  /**
   * Runs statements in order. A driver that can send several statements in one
   * round trip (pg's simple query protocol) does; others send them one by one.
   * WARNING: statements may hold a password secret; drivers never log them.
   */
  run(statements: readonly Statement[]): Promise<void>;
  /** Runs a compiled (parameterised) query and returns its rows. */
  query<Row>(query: CompiledQuery<Row>): Promise<Row[]>;
  /**
   * Where the driver can: runs statements, then a query without bind
   * parameters, in one round trip (pg's simple query protocol), and returns
   * the query's rows. Nothing after an error runs.
   */
  readonly runThenRead?: (<Row>(statements: readonly Statement[], query: CompiledQuery<Row>) => Promise<Row[]>) | undefined;
  /**
   * Where the driver can: runs statements as one implicit transaction in one
   * round trip, outside any open transaction (pg's simple query protocol).
   */
  readonly runAtomically?: ((statements: readonly Statement[]) => Promise<void>) | undefined;
  /**
   * Where the driver can: a Kysely instance over this connection, inside the
   * transaction it has open (Kysely's own transactions become savepoints), for
   * migrations that must commit or roll back with it. The caller destroys it.
   */
  readonly kyselyInTransaction?: ((options: KyselyInTransactionOptions) => Kysely<any>) | undefined;
}

/** How `kyselyInTransaction` is bound to one tenant's work. */
export interface KyselyInTransactionOptions {
  /** The tenant's schema: Kysely's introspection sees it only (never the other tenants'). */
  readonly schema: string;
  /** Told of every query Kysely runs, for the creation's recording. */
  readonly observer?: QueryObserver | undefined;
}

/** Watches the queries Kysely runs on a connection, in order. */
export interface QueryObserver {
  onQuery(query: CompiledQuery, outcome: 'succeeded' | 'failed'): void;
  /** A nested Kysely transaction was rolled back (to its savepoint). */
  onRollback(): void;
}
