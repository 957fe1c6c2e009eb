import type pg from 'pg';
import type { RemovalBlocker } from '@tenantry/core';
import { type Statement } from '@tenantry/sql';
import { countedBlockers, describeRoleDependenciesQuery, dropOwnedElsewhereStatements, type RoleDependencyElsewhereRow } from '@tenantry/sql/postgres';
import { queryRows, type ServerFacts } from './admin-session.js';
import type { ErrorContext } from './map-database-error.js';
import { inTransactionIn } from './other-database-connection.js';

/*
 * What a tenant's role owns or holds in databases other than its own (read
 * from the shared catalog in the removal's transaction), described by
 * connecting to each of them, and dropped there on request. In those
 * databases the admin runs catalog functions and DROP OWNED BY only: never a
 * tenant's object.
 */

/** How many objects per database an error message lists by name. */
const DESCRIBED_PER_DATABASE = 10;

/** The other databases, in the order the rows name them (by name). */
export function databasesOf(rows: readonly RoleDependencyElsewhereRow[]): string[] {
  return [...new Set(rows.map((row) => row.database))];
}

/**
 * One `RemovalBlocker` per database: the objects in `pg_describe_object`'s
 * words, read by a read-only connection there as the admin; or, when the admin
 * cannot connect there (no CONNECT, pg_hba, a URL that cannot be pointed
 * elsewhere), the counts per catalog that the shared catalog gave.
 */
export async function describeBlockers(pool: pg.Pool, username: string, rows: readonly RoleDependencyElsewhereRow[]): Promise<RemovalBlocker[]> {
  const blockers: RemovalBlocker[] = [];
  for (const counted of countedBlockers(rows)) {
    const { database } = counted;
    const context: ErrorContext = { action: `describe what role "${username}" has in database "${database}"`, database, username };
    const described = await inTransactionIn(pool, database, { readOnly: true, context }, (client) =>
      queryRows(client, describeRoleDependenciesQuery(username, DESCRIBED_PER_DATABASE)),
    ).catch(() => undefined);
    blockers.push(
      described && described.length > 0
        ? { database, objects: described.map((row) => row.description), count: described[0]!.total, described: true }
        : counted,
    );
  }
  return blockers;
}

/** The statements that drop the role's objects and privileges in one other database (for runs and dry runs alike). */
export function dropOwnedElsewhere(facts: ServerFacts, username: string, database: string): Statement[] {
  return dropOwnedElsewhereStatements(
    { username, database, nonSuperuserAdmin: facts.row.is_superuser ? undefined : facts.row.admin_role },
    facts.dialect.capabilities.roleGrantOptions,
  );
}

/**
 * Runs `dropOwnedElsewhere` in `database`: connected there as the admin, in
 * one transaction of its own, which commits before the tenant's own removal.
 */
export async function runDropOwnedElsewhere(pool: pg.Pool, facts: ServerFacts, username: string, database: string): Promise<void> {
  const context: ErrorContext = {
    action: `drop what role "${username}" owns or holds in database "${database}"`,
    database,
    username,
    adminRole: facts.row.admin_role,
  };
  const statements = dropOwnedElsewhere(facts, username, database);
  await inTransactionIn(pool, database, { readOnly: false, context }, async (client) => {
    await client.query(statements.map((statement) => statement.sql).join(';\n'));
  });
}
