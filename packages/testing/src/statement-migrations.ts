import { sql, type Kysely, type Migration } from 'kysely';

/**
 * Kysely migrations made of plain SQL statements, one per entry, named by its
 * key; each runs its statements one by one, with unqualified names (the
 * tenant's schema is first on the search_path), so a baseline can send
 * exactly the same DDL. New function objects on every call.
 */
export function statementMigrations(named: Readonly<Record<string, readonly string[]>>): Record<string, Migration> {
  const migrations: Record<string, Migration> = {};
  for (const [name, statements] of Object.entries(named)) {
    migrations[name] = {
      async up(db: Kysely<unknown>) {
        for (const statement of statements) await sql.raw(statement).execute(db);
      },
    };
  }
  return migrations;
}
