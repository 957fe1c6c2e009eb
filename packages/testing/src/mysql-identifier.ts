/**
 * Quotes a MariaDB/MySQL identifier with backticks, doubling any backtick
 * inside, as `SHOW CREATE` does. Valid whatever `sql_mode` says
 * (`ANSI_QUOTES` only adds double quotes as a second way).
 *
 * @example
 * ```ts
 * quoteMysqlIdentifier('a`b'); // '`a``b`'
 * ```
 */
export function quoteMysqlIdentifier(name: string): string {
  if (name.includes('\0')) throw new RangeError('quoteMysqlIdentifier: NUL is not allowed in an identifier');
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * Escapes `\`, `_` and `%` in a database name for the `db` part of a
 * database-level `GRANT`/`REVOKE`, where `_` and `%` are wildcards: without
 * it, `GRANT ALL ON \`t_1\`.*` also grants on a database named `tx1`.
 * Quote the result with {@link quoteMysqlIdentifier}.
 *
 * WARNING: use it only in the `ON db.*` of GRANT and REVOKE (and for the
 * pattern of an admin's wildcard grant); `CREATE DATABASE` and `USE` take the name as is.
 *
 * @example
 * ```ts
 * quoteMysqlIdentifier(escapeMysqlGrantDatabase('t_1')); // '`t\\_1`'
 * ```
 */
export function escapeMysqlGrantDatabase(name: string): string {
  return name.replace(/[\\_%]/g, (c) => `\\${c}`);
}
