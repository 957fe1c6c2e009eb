import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type RawBuilder } from 'kysely';
import { quoteLiteral } from './sql-quoting.js';

/**
 * Kysely's PostgreSQL compiler, with string literals that mean the same
 * whatever `standard_conforming_strings` says.
 *
 * Kysely writes `'it''s'`: with the setting off (a role, database or
 * connection default the admin may carry), a backslash in such a literal
 * escapes the quote after it, and a value like `\'; DROP ...` ends the
 * literal early. A plan is sent as one query string that the server parses
 * whole before a `SET LOCAL` in it could run, so the setting cannot be fixed
 * from inside the plan. A value with a backslash is therefore written as an
 * escape string, `E'a\\b'`, whose meaning does not depend on the setting;
 * other values keep the ordinary form, which is the same under both.
 *
 * The generated SQL (PostgreSQL), for `sql.lit("it's")` and `sql.lit('a\\b')`:
 *
 * ```sql
 * 'it''s'
 * E'a\\b'
 * ```
 */
export class SettingProofQueryCompiler extends PostgresQueryCompiler {
  protected override appendStringLiteral(value: string): void {
    this.append(quoteLiteral(value));
  }
}

/**
 * A Kysely instance that never connects: it only compiles. Identifiers and
 * literals are quoted by this compiler (`sql.id` doubles `"`; `sql.lit`
 * doubles `'`, see `SettingProofQueryCompiler`), or, in statements built as
 * plain text, by `quoteIdentifier` and `quoteLiteral`, which write the same bytes.
 */
export const compiler = new Kysely<Record<string, never>>({
  dialect: {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new PostgresIntrospector(db),
    createQueryCompiler: () => new SettingProofQueryCompiler(),
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
