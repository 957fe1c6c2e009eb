import { sql, type RawBuilder } from 'kysely';

/**
 * Escapes `\`, `_` and `%` in a database name for the `db` of a
 * database-level GRANT or REVOKE, where `_` and `%` are wildcards: without
 * it `GRANT ALL ON \`t_1\`.*` also covers a database named `tx1`
 * (docs/dialects/mysql-facts.md §3). `mysql.db.Db` stores this form.
 *
 * WARNING: only for `ON db.*` of GRANT/REVOKE and `mysql.db` lookups;
 * CREATE/DROP DATABASE take the name as it is.
 */
export function escapeGrantDatabase(name: string): string {
  return name.replace(/[\\_%]/g, (c) => `\\${c}`);
}

/** An account, `` `user`@`host` ``, as DDL takes it. */
export function accountName(username: string, host: string): RawBuilder<unknown> {
  return sql`${sql.id(username)}@${sql.id(host)}`;
}

/** `` `database`.* `` with the GRANT wildcards escaped. */
export function grantTarget(database: string): RawBuilder<unknown> {
  return sql`${sql.id(escapeGrantDatabase(database))}.*`;
}
