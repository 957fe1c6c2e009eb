import type { CompiledQuery } from 'kysely';
import { DEFAULT_PASSWORD_LENGTH, DEFAULT_SCRAM_ITERATIONS, generatePassword, TenantryError, validatePassword, ValidationError, type TenantConnectionOptions } from '@tenantry/core';
import { dialectForServer, type ErrorContext, type ExecutablePlan, type ServerFacts, type Statement, type TenantryDialect, type TransactionalSessions } from '@tenantry/sql';
import type { DatabaseAdminOptions } from './database-admin-options.js';
import type { DriverPool, SeparateConnectionTarget } from './drivers/driver-pool.js';
import type { DriverConnection } from './executor/driver-connection.js';
import { executePlan, PlanFailedError } from './executor/execute-plan.js';
import { DEFAULT_GENERATED_SECRET_RESERVE, GeneratedSecretReserve, MAX_GENERATED_SECRET_RESERVE } from './generated-secret-reserve.js';

/** `DatabaseAdminOptions` with every default filled in. */
export interface ResolvedAdminOptions {
  readonly requirePreparedDatabase: boolean;
  readonly passwordLength: number;
  readonly scramIterations: number;
  readonly generatedSecretReserve: number;
  readonly connectionTimeoutMillis: number;
  readonly lockTimeoutMillis: number;
  readonly tenantConnection: TenantConnectionOptions;
}

export function resolveAdminOptions(options: DatabaseAdminOptions): ResolvedAdminOptions {
  return {
    requirePreparedDatabase: options.requirePreparedDatabase ?? true,
    passwordLength: options.passwordLength ?? DEFAULT_PASSWORD_LENGTH,
    scramIterations: options.scramIterations ?? DEFAULT_SCRAM_ITERATIONS,
    generatedSecretReserve: validateReserveSize(options.generatedSecretReserve ?? DEFAULT_GENERATED_SECRET_RESERVE),
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 10_000,
    lockTimeoutMillis: validateLockTimeout(options.lockTimeoutMillis ?? 30_000),
    tenantConnection: options.tenantConnection ?? {},
  };
}

/** The server as read once per admin, and the dialect for it (a variant of the admin's: Citus for PostgreSQL with the extension). */
export interface ServerOf {
  readonly facts: ServerFacts;
  readonly dialect: TenantryDialect;
}

/** How a transaction of `AdminSession` starts and ends. */
interface TransactionOptions {
  /** READ ONLY, and rolled back at the end whatever happened: for dry runs. */
  readOnly?: boolean;
  /** What the transaction sets first; the dialect's admin settings when absent. */
  settings?: readonly Statement[];
}

/**
 * What every lifecycle operation shares, for every dialect: the dialect, the
 * options, the server facts, and the one way to run SQL (in a transaction
 * where the dialect's DDL is transactional, with its settings; errors mapped
 * by the dialect; broken connections dropped). The connections come from the
 * driver pool of the dialect's client library. Internal to `@tenantry/admin`.
 */
export class AdminSession {
  readonly options: ResolvedAdminOptions;
  readonly #pool: DriverPool;
  readonly #reserve: GeneratedSecretReserve;
  #dialect: TenantryDialect;
  #server: Promise<ServerOf> | undefined;
  /** Set once the server has been read. */
  #knownFacts: ServerFacts | undefined;

  constructor(dialect: TenantryDialect, pool: DriverPool, options: ResolvedAdminOptions) {
    this.#dialect = dialect;
    this.#pool = pool;
    this.options = options;
    this.#reserve = new GeneratedSecretReserve({ size: options.generatedSecretReserve, passwordLength: options.passwordLength, scramIterations: options.scramIterations });
  }

  /**
   * The dialect: the admin's own until the server is read, then the one for
   * the server (`server()`). Its name rules are the same either way, so
   * input can be checked before any I/O; plans and readers come from `server()`.
   */
  get dialect(): TenantryDialect {
    return this.#dialect;
  }

  /** The most connections the admin opens at once; undefined when uncapped. */
  get maxConnections(): number | undefined {
    return this.#pool.maxConnections;
  }

  /** The connection string a tenant gets. WARNING: holds the password. */
  tenantUrl(tenant: { username: string; password: string; database: string }): string {
    return this.#pool.tenantUrl(tenant);
  }

  /** The given password, validated (before any I/O); undefined when it is empty or absent: one is then generated. */
  givenPassword(password: string | undefined, field = 'password'): string | undefined {
    return password === undefined || password === '' ? undefined : validatePassword(password, field);
  }

  /**
   * The password (the given one, or a generated one when undefined) and what
   * the server stores for it, computed here: the plaintext never reaches SQL.
   * A generated one comes from the reserve where the dialect stores SCRAM verifiers.
   */
  async passwordWithSecret(given: string | undefined): Promise<{ password: string; passwordSecret: string }> {
    if (given === undefined && this.dialect.passwordSecretIsScram) {
      const { password, verifier } = await this.#reserve.take();
      return { password, passwordSecret: verifier };
    }
    const password = given ?? generatePassword(this.options.passwordLength);
    return { password, passwordSecret: await this.dialect.passwordSecret(password, { scramIterations: this.options.scramIterations }) };
  }

  /** Generated passwords with their verifiers, made ahead. Internal: tests reach it through `generatedSecretReserveOf`. */
  get generatedSecretReserve(): GeneratedSecretReserve {
    return this.#reserve;
  }

  /** The server's facts and the dialect for this server, read once (the first call connects). */
  server(): Promise<ServerOf> {
    this.#server ??= this.#readServer().catch((error: unknown) => {
      this.#server = undefined; // let the next call try again
      throw error;
    });
    return this.#server;
  }

  async serverFacts(): Promise<ServerFacts> {
    return (await this.server()).facts;
  }

  /** The server's facts if they have been read, without connecting: for reports made after a call, even a failed one. */
  get knownFacts(): ServerFacts | undefined {
    return this.#knownFacts;
  }

  async #readServer(): Promise<ServerOf> {
    const context = { action: 'connect to the database' };
    const [row] = await this.read(this.#dialect.serverFactsQuery(), context);
    const facts = this.#dialect.readServerFacts(row);
    const dialect = dialectForServer(this.#dialect, facts);
    this.#knownFacts = facts;
    if (dialect === this.#dialect) return { facts, dialect };
    // A variant reads what it needs besides (Citus: is this the coordinator?), and may refuse the server.
    const [variantRow] = await this.read(dialect.serverFactsQuery(), context);
    const variantFacts = dialect.readServerFacts(variantRow);
    this.#dialect = dialect;
    this.#knownFacts = variantFacts;
    return { facts: variantFacts, dialect };
  }

  /** A Tenantry error for anything a driver or a plan threw, in the dialect's words. */
  mapError(error: unknown, context: ErrorContext): TenantryError {
    // A compensation plan's failure carries the step's own error: that is what happened.
    const cause = error instanceof PlanFailedError ? error.cause : error;
    return TenantryError.isInstance(cause) ? cause : this.dialect.mapError(cause, { ...context, lockTimeoutMillis: context.lockTimeoutMillis ?? this.options.lockTimeoutMillis });
  }

  read<Row>(query: CompiledQuery<Row>, context: ErrorContext): Promise<Row[]> {
    return this.transaction(context, (connection) => connection.query(query));
  }

  /**
   * Runs `work` on one admin connection, in a transaction where the dialect's
   * DDL is transactional (rolled back on any error), as it is elsewhere.
   */
  transaction<T>(context: ErrorContext, work: (connection: DriverConnection) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.#atServer(context, () => this.#pool.withConnection((connection, markBroken) => this.#inTransaction(connection, markBroken, work, options)));
  }

  /**
   * Runs a plan as it says it must run. A transaction plan of statements only
   * (its checks the server's own guards) goes in one round trip where the driver can (one implicit transaction);
   * one with plain checks (no bind parameters) in one round trip per check
   * plus one for the rest, each check with the statements before it; one with
   * other catalog checks runs in a transaction, the checks where they
   * stand. A compensation plan runs step by step with its undo. With
   * `checksOnly` (a dry run), only the checks run.
   */
  async runPlan(plan: ExecutablePlan, context: ErrorContext, options: { checksOnly?: boolean } = {}): Promise<void> {
    const transactions = this.dialect.transactions;
    const statementsOnly = !options.checksOnly && plan.atomicity === 'transaction' && plan.steps.every((step) => step.kind === 'run');
    if (transactions && statementsOnly) {
      const oneTrip = await this.#atServer(context, () =>
        this.#pool.withConnection(async (connection) => {
          if (!connection.runAtomically) return false;
          await connection.runAtomically([...transactions.transactionSettings(this.options), ...plan.statements]);
          return true;
        }),
      );
      if (oneTrip) return;
    }
    if (transactions && !options.checksOnly && plan.atomicity === 'transaction' && plan.steps.some((step) => step.kind === 'check' && step.statement)) {
      // Its plain checks go with the statements before them: the transaction's start with the first, its commit with the last.
      await this.#atServer(context, () =>
        this.#pool.withConnection((connection, markBroken) =>
          this.#rollingBack(connection, transactions, markBroken, () =>
            executePlan(connection, plan, {
              opening: [transactions.begin({ readOnly: false }), ...transactions.transactionSettings(this.options)],
              closing: [transactions.commit()],
            }),
          ),
        ),
      );
      return;
    }
    if (plan.atomicity === 'compensation') {
      // Each step commits on its own, by design: no transaction around them.
      await this.#atServer(context, () => this.#pool.withConnection((connection) => executePlan(connection, plan, options)));
      return;
    }
    await this.transaction(context, (connection) => executePlan(connection, plan, options), { readOnly: false });
  }

  /**
   * Runs `work` in a transaction of a separate connection (another login, or
   * another database), closed afterwards. With `readOnly` the transaction is
   * READ ONLY and rolled back whatever `work` does.
   */
  withSeparateConnection<T>(target: SeparateConnectionTarget, context: ErrorContext, work: (connection: DriverConnection) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.#atServer(context, () => this.#pool.withSeparateConnection(target, (connection) => this.#inTransaction(connection, () => undefined, work, options)));
  }

  /**
   * Runs work at the server: counted, so the reserve refills between such
   * work and never beside it, and its errors in the dialect's words.
   */
  async #atServer<T>(context: ErrorContext, work: () => Promise<T>): Promise<T> {
    this.#reserve.serverWorkStarted();
    try {
      return await work();
    } catch (error) {
      throw this.mapError(error, context);
    } finally {
      this.#reserve.serverWorkEnded();
    }
  }

  /** Ends the connections and the reserve's worker (its entries zeroed); a caller's own pool stays open, with Tenantry's listeners taken off. */
  async close(): Promise<void> {
    await Promise.all([this.#reserve.close(), this.#pool.close()]);
  }

  async #inTransaction<T>(connection: DriverConnection, markBroken: () => void, work: (connection: DriverConnection) => Promise<T>, options: TransactionOptions): Promise<T> {
    const transactions = this.dialect.transactions;
    if (!transactions) return work(connection); // DDL commits on its own: plans compensate instead
    const readOnly = options.readOnly ?? false;
    await connection.run([transactions.begin({ readOnly }), ...(options.settings ?? transactions.transactionSettings(this.options))]);
    return this.#rollingBack(connection, transactions, markBroken, async () => {
      const result = await work(connection);
      await connection.run([readOnly ? transactions.rollback() : transactions.commit()]);
      return result;
    });
  }

  /** Runs `work` of an open transaction; when it fails, rolls the transaction back and rethrows. */
  async #rollingBack<T>(connection: DriverConnection, transactions: TransactionalSessions, markBroken: () => void, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      // A ROLLBACK that fails means the connection is gone: it must not be reused.
      await connection.run([transactions.rollback()]).catch(markBroken);
      throw error;
    }
  }
}

/** Checks a lock timeout (PostgreSQL's `lock_timeout` takes at most 2^31 - 1 ms). */
export function validateLockTimeout(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 2_147_483_647) {
    throw new ValidationError({ field: 'lockTimeoutMillis', rule: 'out-of-range', message: `lockTimeoutMillis must be a whole number of milliseconds from 0 up, got ${String(value)}.` });
  }
  return value;
}

/** Checks `generatedSecretReserve`: a whole number of entries, 0 (off) to MAX_GENERATED_SECRET_RESERVE. */
function validateReserveSize(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_GENERATED_SECRET_RESERVE) {
    throw new ValidationError({ field: 'generatedSecretReserve', rule: 'out-of-range', message: `generatedSecretReserve must be a whole number from 0 (off) to ${MAX_GENERATED_SECRET_RESERVE}, got ${String(value)}.` });
  }
  return value;
}
