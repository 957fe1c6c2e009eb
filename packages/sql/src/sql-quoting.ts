/*
 * Quoting of identifiers and string literals in PostgreSQL statement text.
 * The compiler (`SettingProofQueryCompiler`) and the statements built as plain
 * text (the create plan, whose text is built on every createTenant and must
 * not cost a compilation per statement) quote with these, so both write the
 * same bytes for the same name or value.
 */

/**
 * A name as a quoted identifier: `"` doubled, as Kysely's PostgreSQL compiler
 * writes `sql.id(name)`.
 *
 * ```ts
 * quoteIdentifier('we"ird'); // '"we""ird"'
 * ```
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * A string literal that means the same whatever `standard_conforming_strings`
 * says: `'` doubled, and a value with a backslash written as an escape string
 * (`E'a\\b'`), since with the setting off a backslash in an ordinary literal
 * escapes the quote after it. See `SettingProofQueryCompiler`.
 *
 * ```ts
 * quoteLiteral("it's"); // "'it''s'"
 * quoteLiteral('a\\b'); // "E'a\\\\b'"
 * ```
 */
export function quoteLiteral(value: string): string {
  const quoted = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${quoted.replace(/\\/g, '\\\\')}'` : `'${quoted}'`;
}
