import { quoteMysqlIdentifier } from './mysql-identifier.js';
import { queryRows, withMysqlConnection } from './with-mysql-connection.js';

/** What {@link dropMariadbObjectsWithPrefix} dropped. */
export interface MariadbCleanupReport {
  /** Accounts, as `name@host`. */
  readonly users: readonly string[];
  readonly databases: readonly string[];
  /** Sessions of those accounts it ended first. */
  readonly killedSessions: number;
}

/**
 * Drops every account and database whose name starts with `prefix`, after
 * ending the sessions of those accounts (a dropped account's open sessions
 * would live on, and an open session can hold a metadata lock that stalls
 * DROP DATABASE). Run it as an account with ALL PRIVILEGES (the lane's root).
 *
 * Names are compared with `LEFT(name, n) = prefix`, not `LIKE`: no wildcard
 * can widen the match.
 *
 * @throws {RangeError} for a prefix shorter than 4 characters: too likely to
 * match what another run or a person made.
 */
export async function dropMariadbObjectsWithPrefix(rootUrl: string, prefix: string): Promise<MariadbCleanupReport> {
  if (prefix.length < 4) throw new RangeError(`dropMariadbObjectsWithPrefix: prefix ${JSON.stringify(prefix)} is too short to be safe`);
  return withMysqlConnection(rootUrl, async (c) => {
    const length = [...prefix].length;
    const users = await queryRows<{ name: string; host: string }>(c, 'SELECT User AS name, Host AS host FROM mysql.user WHERE LEFT(User, ?) = ?', [length, prefix]);
    const sessions = await queryRows<{ id: number }>(c, 'SELECT ID AS id FROM information_schema.PROCESSLIST WHERE LEFT(USER, ?) = ? AND ID <> CONNECTION_ID()', [length, prefix]);
    let killedSessions = 0;
    for (const { id } of sessions) {
      try {
        await c.query(`KILL CONNECTION ${Number(id)}`);
        killedSessions++;
      } catch (error) {
        // ER_NO_SUCH_THREAD: it ended on its own meanwhile.
        if ((error as { errno?: number }).errno !== 1094) throw error;
      }
    }
    for (const { name, host } of users) {
      await c.query(`DROP USER IF EXISTS ${quoteMysqlIdentifier(name)}@${quoteMysqlIdentifier(host)}`);
    }
    const databases = await queryRows<{ name: string }>(c, 'SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA WHERE LEFT(SCHEMA_NAME, ?) = ?', [length, prefix]);
    for (const { name } of databases) {
      await c.query(`DROP DATABASE IF EXISTS ${quoteMysqlIdentifier(name)}`);
    }
    return { users: users.map((u) => `${u.name}@${u.host}`), databases: databases.map((d) => d.name), killedSessions };
  });
}
