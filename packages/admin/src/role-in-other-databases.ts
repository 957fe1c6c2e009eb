import { ConnectionError, PermissionError, TenantryError, type RemovalBlocker } from '@tenantry/core';
import type { ErrorContext, OtherDatabases, ServerFacts } from '@tenantry/sql';
import type { AdminSession } from './admin-session.js';
import type { DriverConnection } from './executor/driver-connection.js';

/*
 * What a tenant's role owns or holds in databases other than its own (read
 * from the shared catalog in the removal's transaction), described by
 * connecting to each of them, and dropped there on request. In those
 * databases the admin runs catalog functions and the dialect's drop
 * statements only: never a tenant's object.
 */

/** How many objects per database an error message lists by name. */
const DESCRIBED_PER_DATABASE = 10;

/**
 * One `RemovalBlocker` per database: the objects in the server's words, read
 * by a read-only connection there as the admin; or, when the admin cannot
 * connect there (no CONNECT, pg_hba, a URL that cannot be pointed
 * elsewhere), the counts per catalog that the shared catalog gave.
 */
export async function describeBlockers(session: AdminSession, username: string, rows: readonly unknown[]): Promise<RemovalBlocker[]> {
  const elsewhere = otherDatabasesOf(session);
  const blockers: RemovalBlocker[] = [];
  for (const counted of elsewhere.countedBlockers(rows)) {
    const { database } = counted;
    const context: ErrorContext = { action: `describe what role "${username}" has in database "${database}"`, database, username };
    const described = await inOtherDatabase(session, database, context, true, async (connection) =>
      elsewhere.readDescriptions(await connection.query(elsewhere.describeQuery(username, DESCRIBED_PER_DATABASE))),
    ).catch(() => undefined);
    blockers.push(described ? { database, objects: described.objects, count: described.total, described: true } : counted);
  }
  return blockers;
}

/**
 * Drops what the role owns or holds in `database`: connected there as the
 * admin, in one transaction of its own, which commits before the tenant's own
 * removal.
 */
export async function runDropOwnedElsewhere(session: AdminSession, facts: ServerFacts, username: string, database: string): Promise<void> {
  const context: ErrorContext = { action: `drop what role "${username}" owns or holds in database "${database}"`, database, username, adminRole: facts.adminRole };
  const statements = otherDatabasesOf(session).dropOwnedStatements(username, database, facts);
  await inOtherDatabase(session, database, context, false, (connection) => connection.run(statements));
}

/**
 * Runs `work` in a transaction of a new connection to `database` as the
 * admin, and closes it. Refuses to run anything when the connection reached
 * another database. Not reaching the database at all is a connection
 * problem, whatever the server said (e.g. it does not accept connections); a
 * missing CONNECT privilege stays a PermissionError.
 */
async function inOtherDatabase<T>(session: AdminSession, database: string, context: ErrorContext, readOnly: boolean, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
  const elsewhere = otherDatabasesOf(session);
  let reached = false;
  try {
    return await session.withSeparateConnection(
      { database },
      context,
      async (connection) => {
        reached = true;
        const [current] = await connection.query(elsewhere.currentDatabaseQuery());
        if (current?.database !== database) {
          throw new ConnectionError({
            message: `Could not ${context.action}: the admin's connection, pointed at database "${database}", reached database "${current?.database}" instead. Nothing was run there.`,
          });
        }
        return work(connection);
      },
      { readOnly },
    );
  } catch (error) {
    if (reached || !TenantryError.isInstance(error) || error instanceof ConnectionError || error instanceof PermissionError) throw error;
    throw new ConnectionError({ message: error.message, sqlState: error.sqlState, cause: error.cause ?? error });
  }
}

function otherDatabasesOf(session: AdminSession): OtherDatabases {
  const elsewhere = session.dialect.otherDatabases;
  if (!elsewhere) throw new Error(`The ${session.dialect.name} dialect keeps nothing of a tenant in other databases.`);
  return elsewhere;
}
