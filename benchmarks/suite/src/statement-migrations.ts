/**
 * Kysely migrations made of plain SQL statements, run in order with
 * unqualified names (the tenant's schema is first on the search_path), so a
 * baseline can send exactly the same DDL.
 */
import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

/** One migration per entry, named by its key; each runs its statements one by one. */
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

/** A provider over a fixed set of migrations (a new object each call: nothing can be cached on its identity across calls). */
export function migrationProvider(migrations: Readonly<Record<string, Migration>>): MigrationProvider {
  return { getMigrations: async () => ({ ...migrations }) };
}

/** A double-quoted SQL identifier. */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
