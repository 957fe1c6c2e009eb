import { DummyDriver, Kysely, MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler, type RawBuilder } from 'kysely';

/**
 * Kysely's MySQL compiler, with string literals that mean the same whatever
 * `sql_mode` says.
 *
 * Kysely doubles a backslash in a literal, which is right under the default
 * `sql_mode` and wrong under `NO_BACKSLASH_ESCAPES` (the literal then keeps
 * both backslashes). The statements that need a literal (account names,
 * password hashes, registry values) cannot take a hex literal instead (MariaDB
 * refuses `X'..'` where DDL wants a string, error 1064), so a backslash is
 * refused here: the name rules already refuse it in every name, and hashes are
 * hex or base64. Quotes are doubled, which both modes read alike.
 *
 * The generated SQL (MariaDB/MySQL), for `sql.lit("it's")` and `sql.id('a`b')`:
 *
 * ```sql
 * 'it''s'
 * `a``b`
 * ```
 */
export class ModeProofMysqlQueryCompiler extends MysqlQueryCompiler {
  protected override sanitizeStringLiteral(value: string): string {
    if (value.includes('\\') || value.includes('\0')) {
      throw new RangeError('A MySQL string literal must not contain a backslash or NUL (its meaning would depend on sql_mode).');
    }
    return value.replace(/'/g, "''");
  }

  protected override sanitizeIdentifier(identifier: string): string {
    if (identifier.includes('\0')) throw new RangeError('A MySQL identifier must not contain NUL.');
    return super.sanitizeIdentifier(identifier);
  }
}

/**
 * A Kysely instance that never connects: it compiles catalog queries (values
 * become `?` parameters, sent as server-side prepared statements) and DDL
 * (values inlined with `sql.lit`, names with `sql.id`).
 */
export const mysqlCompiler = new Kysely<Record<string, never>>({
  dialect: {
    createAdapter: () => new MysqlAdapter(),
    createDriver: () => new DummyDriver(),
    createIntrospector: (db) => new MysqlIntrospector(db),
    createQueryCompiler: () => new ModeProofMysqlQueryCompiler(),
  },
});

/**
 * Compiles a statement to text. DDL takes no bind parameters here (the
 * executor sends statements as text), so a statement that compiled to any is
 * a bug: values must be `sql.lit` or `sql.id`.
 */
export function compileMysqlDdl(statement: RawBuilder<unknown>): string {
  const compiled = statement.compile(mysqlCompiler);
  if (compiled.parameters.length > 0) throw new Error('MySQL DDL must not carry bind parameters; use sql.id or sql.lit.');
  return compiled.sql;
}
