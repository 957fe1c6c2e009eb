import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type RawBuilder } from 'kysely';

/**
 * A Kysely instance that never connects: it only compiles. Identifiers and
 * literals are quoted by Kysely's PostgreSQL compiler, the one place quoting
 * is done (`sql.id` doubles `"`, `sql.lit` doubles `'`).
 */
export const compiler = new Kysely<Record<string, never>>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new PostgresQueryCompiler(),
  },
});

/**
 * Compiles a DDL statement to text. DDL takes no bind parameters, so a
 * statement that compiled to any is a bug: values must be `sql.lit` or `sql.id`.
 */
export function compileDdl(statement: RawBuilder<unknown>): string {
  const compiled = statement.compile(compiler);
  if (compiled.parameters.length > 0) {
    throw new Error('DDL must not carry bind parameters; use sql.id or sql.lit.');
  }
  return compiled.sql;
}
