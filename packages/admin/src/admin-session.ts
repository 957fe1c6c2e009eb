import type { CompiledQuery } from 'kysely';
import type pg from 'pg';
import {
  DEFAULT_PASSWORD_LENGTH,
  DEFAULT_SCRAM_ITERATIONS,
  generatePassword,
  scramSha256Verifier,
  validatePassword,
  ValidationError,
} from '@tenantry/core';
import { planToScript, type ExecutablePlan, type Plan, type ServerFactsRow } from '@tenantry/sql';
import { pinSearchPathStatement, PostgresDialect } from '@tenantry/sql/postgres';
import { pgDriverConnection } from './drivers/pg-driver-connection.js';
import { executePlan } from './executor/execute-plan.js';
import { listenToClient, lostConnectionOf } from './client-error-listener.js';
import { openConnectionSource, type AdminConnection, type ConnectionSource } from './connection-source.js';
import type { DatabaseAdminOptions } from './database-admin-options.js';
import { mapDatabaseError, type ErrorContext } from './map-database-error.js';

/** Facts about the server and the admin role, read once per `DatabaseAdmin`. */
export interface ServerFacts {
  row: ServerFactsRow;
  dialect: PostgresDialect;
}

/**
 * What every lifecycle operation shares: the pool, the options, the server
 * facts, and the one way to run SQL (always with the search_path pinned, the
 * errors mapped, and dead connections handled). Internal to `@tenantry/admin`.
 */
export class AdminSession {
  readonly #source: ConnectionSource;
  readonly options: Required<Omit<DatabaseAdminOptions, 'dialect' | 'mysql'>>;
  #facts: Promise<ServerFacts> | undefined;

  constructor(connection: AdminConnection, options: DatabaseAdminOptions = {}) {
    this.options = {
      requirePreparedDatabase: options.requirePreparedDatabase ?? true,
      passwordLength: options.passwordLength ?? DEFAULT_PASSWORD_LENGTH,
      scramIterations: options.scramIterations ?? DEFAULT_SCRAM_ITERATIONS,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
      lockTimeoutMillis: validateLockTimeout(options.lockTimeoutMillis ?? 30_000),
      tenantConnection: options.tenantConnection ?? {},
    };
    this.#source = openConnectionSource(connection, this.options);
  }

  /** The pool: for work that needs its own connections (e.g. bulk creation). */
  get pool(): pg.Pool {
    return this.#source.pool;
  }

  /** The connection string a tenant gets. */
  tenantUrl(username: string, password: string): string {
    return this.#source.tenantUrl(username, password);
  }

  /** The given password, validated, or a generated one when it is empty or absent. */
  resolvePassword(password: string | undefined, field = 'password'): string {
    return password === undefined || password === '' ? generatePassword(this.options.passwordLength) : validatePassword(password, field);
  }

  /** The SCRAM verifier sent instead of the password (PBKDF2 on libuv's thread pool). */
  verifierFor(password: string): Promise<string> {
    return scramSha256Verifier(password, { iterations: this.options.scramIterations });
  }

  serverFacts(): Promise<ServerFacts> {
    this.#facts ??= this.read(new PostgresDialect().serverFactsQuery(), { action: 'connect to the database' }).then(
      ([row]) => ({ row: row!, dialect: new PostgresDialect({ serverVersionNum: row!.server_version_num }) }),
      (error: unknown) => {
        this.#facts = undefined; // let the next call try again
        throw error;
      },
    );
    return this.#facts;
  }

  async read<Row>(query: CompiledQuery<Row>, context: ErrorContext): Promise<Row[]> {
    return this.inTransaction(context, (client) => queryRows(client, query));
  }

  /** Sends a whole plan as one multi-statement query: one round trip, one implicit transaction. */
  async runScript(plan: Plan, context: ErrorContext): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#checkout();
      // One implicit transaction: SET LOCAL holds until its end.
      await client.query(`${this.#lockTimeoutStatement()};\n${planToScript(plan)}`);
    } catch (error) {
      throw mapDatabaseError(error, this.#withLockTimeout(context));
    } finally {
      this.#release(client);
    }
  }

  /**
   * Runs a plan as it says it must run. A plan of statements only is one
   * implicit transaction in one round trip; one with catalog checks runs in a
   * transaction, the checks where they stand. With `checksOnly` (a dry run),
   * only the checks run.
   */
  async runPlan(plan: ExecutablePlan, context: ErrorContext, options: { checksOnly?: boolean } = {}): Promise<void> {
    if (plan.atomicity !== 'transaction') {
      throw new Error(`A ${plan.atomicity} plan cannot run through pg: PostgreSQL plans run in one transaction.`);
    }
    if (!options.checksOnly && plan.steps.every((step) => step.kind === 'run')) return this.runScript(plan, context);
    await this.inTransaction(context, (client) => executePlan(pgDriverConnection(client), plan, options));
  }

  /** Runs `work` in a transaction with the search_path pinned; rolls back on any error. */
  async inTransaction<T>(context: ErrorContext, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    let client: pg.PoolClient | undefined;
    let broken = false;
    try {
      client = await this.#checkout();
      // Pinned for this transaction only, so a caller's own pool keeps its settings.
      // Standard strings too: the plans' literals do not depend on it, but the
      // migrations' SQL that runs later in this transaction may.
      await client.query(`BEGIN; ${pinSearchPathStatement().sql}; SET LOCAL standard_conforming_strings = on; ${this.#lockTimeoutStatement()}`);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (client) {
        // A ROLLBACK that fails means the connection is gone: do not reuse it.
        await client.query('ROLLBACK').catch(() => (broken = true));
      }
      throw mapDatabaseError(error, this.#withLockTimeout(context));
    } finally {
      this.#release(client, broken);
    }
  }

  #lockTimeoutStatement(): string {
    return `SET LOCAL lock_timeout = ${this.options.lockTimeoutMillis}`;
  }

  #withLockTimeout(context: ErrorContext): ErrorContext {
    return { ...context, lockTimeoutMillis: this.options.lockTimeoutMillis };
  }

  /** Ends the pool; a caller's own pool stays open, with Tenantry's pool listeners taken off. */
  async close(): Promise<void> {
    await this.#source.close();
  }

  /**
   * A checked-out client whose connection dies (server restart, terminated
   * backend) emits 'error' besides failing its query; pg-pool does not listen
   * on checked-out clients, and an unheard 'error' would end the process.
   * Clients get Tenantry's listener when the pool creates them (see
   * client-error-listener.ts); a caller's client made before Tenantry got its
   * pool gets it here. A client that died before it was handed over (the
   * server ended the backend as soon as it was ready) fails the call with that
   * error, which maps to `ConnectionError`.
   */
  async #checkout(): Promise<pg.PoolClient> {
    const client = await this.#source.pool.connect();
    listenToClient(client);
    const lost = lostConnectionOf(client);
    if (lost) {
      client.release(lost);
      throw lost;
    }
    return client;
  }

  #release(client: pg.PoolClient | undefined, broken = false): void {
    client?.release(broken || lostConnectionOf(client) !== undefined);
  }
}

/** Runs a compiled (parameterised) query on a client and returns its rows. */
export async function queryRows<Row>(client: pg.ClientBase, query: CompiledQuery<Row>): Promise<Row[]> {
  const result = await client.query<Row & pg.QueryResultRow>(query.sql, [...query.parameters]);
  return result.rows;
}

/** Runs a compiled query that returns exactly one row. */
export async function queryOne<Row>(client: pg.ClientBase, query: CompiledQuery<Row>): Promise<Row> {
  return (await queryRows(client, query))[0]!;
}

function validateLockTimeout(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
    throw new ValidationError({ field: 'lockTimeoutMillis', rule: 'out-of-range', message: `lockTimeoutMillis must be a whole number of milliseconds from 0 up, got ${String(value)}.` });
  }
  return value;
}
