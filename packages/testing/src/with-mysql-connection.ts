import { createConnection, type Connection } from 'mysql2/promise';
import { parseMysqlUrl } from './mysql-url.js';

/** mysql2's promise connection, as {@link withMysqlConnection} hands it out. */
export type MysqlConnection = Connection;

/**
 * Opens one mysql2 connection on a `mysql://` or `mariadb://` URL, runs `work`
 * with it and always closes it. The harness needs a handful of admin
 * statements, not a pool.
 *
 * @example
 * ```ts
 * const version = await withMysqlConnection(url, async (c) => (await c.query('SELECT VERSION() AS v'))[0]);
 * ```
 */
export async function withMysqlConnection<T>(url: string, work: (connection: MysqlConnection) => Promise<T>, options: { connectTimeoutMs?: number } = {}): Promise<T> {
  const { host, port, user, password, database } = parseMysqlUrl(url);
  const connection = await createConnection({
    host,
    port,
    user,
    password,
    ...(database === undefined ? {} : { database }),
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    // One statement per query: the harness never needs more.
    multipleStatements: false,
  });
  // A server that goes away while idle emits 'error'; without a listener that
  // would crash the test process instead of failing the current query.
  connection.on('error', () => undefined);
  try {
    return await work(connection);
  } finally {
    await connection.end().catch(() => connection.destroy());
  }
}

/** Runs `sql` on a connection and returns its rows as plain objects. */
export async function queryRows<Row extends object = Record<string, unknown>>(connection: MysqlConnection, sql: string, values: readonly (string | number | null)[] = []): Promise<Row[]> {
  // execute(): a server-side prepared statement, so values are never escaped
  // into the text (client-side escaping assumes backslash escapes, which
  // sql_mode NO_BACKSLASH_ESCAPES turns off).
  const [rows] = values.length === 0 ? await connection.query(sql) : await connection.execute(sql, [...values]);
  return rows as Row[];
}
