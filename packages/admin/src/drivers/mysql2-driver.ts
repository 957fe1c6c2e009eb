import type { CompiledQuery } from 'kysely';
import type { Statement } from '@tenantry/sql';
import type { Connection, ConnectionOptions } from 'mysql2/promise';
import type { DriverConnection } from '../executor/driver-connection.js';

/** What a mysql2 connection needs: host, port, user, password and, optionally, a database. */
export interface Mysql2ConnectionConfig {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  /** WARNING: a secret; never logged. */
  readonly password: string;
  readonly database?: string | undefined;
  readonly connectTimeoutMillis?: number;
  /** TLS options passed to mysql2 as they are. */
  readonly ssl?: ConnectionOptions['ssl'];
}

/** mysql2 attaches the statement text to its errors; it may hold a password hash. */
function withoutStatementText(error: unknown): unknown {
  if (typeof error === 'object' && error !== null && 'sql' in error) delete (error as { sql?: unknown }).sql;
  return error;
}

/**
 * A {@link DriverConnection} over one mysql2/promise connection. Statements
 * run one at a time as text (`query`, no values: nothing is interpolated);
 * catalog queries run with `execute`, as server-side prepared statements, so
 * their values are never escaped into the text (client-side escaping assumes
 * backslash escapes, which `NO_BACKSLASH_ESCAPES` turns off).
 *
 * The connection has an 'error' listener from creation on: a connection that
 * dies while idle (a KILL, a server restart) would otherwise crash the
 * process; the error is kept and the next call reports it.
 */
export class Mysql2DriverConnection implements DriverConnection {
  readonly #connection: Connection;
  #lost: Error | undefined;

  private constructor(connection: Connection) {
    this.#connection = connection;
    connection.on('error', (error: Error) => {
      this.#lost ??= error;
    });
  }

  /**
   * Opens a connection; `mysql2` is loaded here, on first use, so a
   * PostgreSQL user never needs it installed.
   * @throws the driver's error (map it with the dialect's `mapError`).
   */
  static async connect(config: Mysql2ConnectionConfig): Promise<Mysql2DriverConnection> {
    const mysql = await import('mysql2/promise');
    const connection = await mysql.createConnection({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      ...(config.database === undefined ? {} : { database: config.database }),
      ...(config.ssl === undefined ? {} : { ssl: config.ssl }),
      connectTimeout: config.connectTimeoutMillis ?? 10_000,
      multipleStatements: false,
      // Counts and ids as numbers, dates as Date.
      supportBigNumbers: true,
      bigNumberStrings: false,
    }).catch((error: unknown) => {
      throw withoutStatementText(error);
    });
    return new Mysql2DriverConnection(connection);
  }

  /** The server's id of this session (`CONNECTION_ID()`). */
  get threadId(): number | null {
    return this.#connection.threadId;
  }

  async run(statements: readonly Statement[]): Promise<void> {
    for (const statement of statements) {
      this.#throwIfLost();
      try {
        await this.#connection.query(statement.sql);
      } catch (error) {
        throw withoutStatementText(error);
      }
    }
  }

  async query<Row>(query: CompiledQuery<Row>): Promise<Row[]> {
    this.#throwIfLost();
    try {
      const [rows] = await this.#connection.execute(query.sql, query.parameters as Parameters<Connection['execute']>[1]);
      return rows as Row[];
    } catch (error) {
      throw withoutStatementText(error);
    }
  }

  /** Closes the connection; a broken one is destroyed. Never throws. */
  async close(): Promise<void> {
    await this.#connection.end().catch(() => this.#connection.destroy());
  }

  #throwIfLost(): void {
    if (this.#lost !== undefined) throw this.#lost;
  }
}
