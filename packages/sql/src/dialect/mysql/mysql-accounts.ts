import { sql, type RawBuilder } from 'kysely';
import type { MysqlFlavor } from './mysql-dialect-config.js';

/*
 * Where each flavor keeps accounts. MariaDB 10.4+: `mysql.global_priv`, one
 * JSON document per account (`$.access` global privilege bits,
 * `$.account_locked`); `mysql.user` is a view over it. MySQL 8 (paper):
 * `mysql.user` with `account_locked` = 'Y'/'N' and `mysql.global_grants` for
 * dynamic privileges.
 */

/** The table with one row per account, columns `User`, `Host`. */
export function accountsTable(flavor: MysqlFlavor): RawBuilder<unknown> {
  return flavor === 'mariadb' ? sql`${sql.id('mysql')}.${sql.id('global_priv')}` : sql`${sql.id('mysql')}.${sql.id('user')}`;
}

/** 1 when the account row `a` is locked, else 0. */
export function lockedExpression(flavor: MysqlFlavor, alias: string): RawBuilder<unknown> {
  return flavor === 'mariadb'
    ? sql`(COALESCE(JSON_VALUE(${sql.ref(`${alias}.Priv`)}, '$.account_locked'), '0') IN ('1', 'true'))`
    : sql`(${sql.ref(`${alias}.account_locked`)} = 'Y')`;
}

/** 1 when the account row holds any global privilege (USAGE is none), else 0. */
export function globalPrivilegeExpression(flavor: MysqlFlavor, alias: string): RawBuilder<unknown> {
  if (flavor === 'mariadb') return sql`(CAST(COALESCE(JSON_VALUE(${sql.ref(`${alias}.Priv`)}, '$.access'), '0') AS UNSIGNED) <> 0)`;
  const columns = ['Select_priv', 'Insert_priv', 'Update_priv', 'Delete_priv', 'Create_priv', 'Drop_priv', 'Reload_priv', 'Shutdown_priv', 'Process_priv', 'File_priv', 'Grant_priv', 'Super_priv', 'Create_user_priv', 'Execute_priv', 'Repl_slave_priv'];
  return sql`(${sql.join(columns.map((c) => sql`${sql.ref(`${alias}.${c}`)} = 'Y'`), sql` OR `)} OR EXISTS (SELECT 1 FROM ${sql.id('mysql')}.${sql.id('global_grants')} gg WHERE gg.USER = ${sql.ref(`${alias}.User`)} AND gg.HOST = ${sql.ref(`${alias}.Host`)}))`;
}

/** The plugin column (MariaDB: `$.plugin`). */
export function pluginExpression(flavor: MysqlFlavor, alias: string): RawBuilder<unknown> {
  return flavor === 'mariadb' ? sql`JSON_VALUE(${sql.ref(`${alias}.Priv`)}, '$.plugin')` : sql`${sql.ref(`${alias}.plugin`)}`;
}
