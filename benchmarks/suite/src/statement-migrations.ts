/** Helpers for the benchmark's migration lists (the lists themselves are `statementMigrations` of @tenantry/testing). */
import type { Migration, MigrationProvider } from 'kysely';

/** A provider over a fixed set of migrations (a new object each call: nothing can be cached on its identity across calls). */
export function migrationProvider(migrations: Readonly<Record<string, Migration>>): MigrationProvider {
  return { getMigrations: async () => ({ ...migrations }) };
}

/** A double-quoted SQL identifier. */
export const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
