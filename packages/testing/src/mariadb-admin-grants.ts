import { escapeMysqlGrantDatabase, quoteMysqlIdentifier } from './mysql-identifier.js';

/**
 * The two admin lanes, named as for PostgreSQL (`TENANTRY_ADMIN_LANE`):
 * `superuser` holds ALL PRIVILEGES ON *.* WITH GRANT OPTION (a root-like
 * admin); `least-privilege` holds only what tenant provisioning needs.
 */
export type MariadbAdminLane = 'superuser' | 'least-privilege';

/** The catalog tables a least-privilege admin reads (account state, every kind of grant). */
export const MARIADB_CATALOG_TABLES = ['global_priv', 'user', 'db', 'tables_priv', 'columns_priv', 'procs_priv', 'proxies_priv', 'roles_mapping'] as const;

/**
 * The GRANT statements that make `account` (already quoted: `` `name`@`%` ``)
 * an admin of `lane` on MariaDB 10.5+.
 *
 * least-privilege, measured on MariaDB 10.11 (docs/dialects/mysql-facts.md):
 * - `CREATE USER` on *.*: CREATE USER, DROP USER, ALTER USER ... ACCOUNT LOCK/UNLOCK.
 * - `PROCESS`: see other users' sessions in information_schema.PROCESSLIST
 *   (without it an admin sees only its own).
 * - `CONNECTION ADMIN` (10.5.2+; SUPER before): KILL another user's connection
 *   (`KILL CONNECTION USER ...` or by id; error 1095 without it).
 * - SELECT on the mysql.* grant tables: catalog checks (`SHOW GRANTS FOR` needs
 *   SELECT on the whole mysql database, so checks read the tables instead).
 * - ALL PRIVILEGES WITH GRANT OPTION on the databases whose names start with
 *   `databasePrefix`: CREATE/DROP DATABASE, and `GRANT ALL ON \`db\`.* TO tenant`
 *   (the grantor must hold every privilege it grants, with GRANT OPTION, on that
 *   database pattern). A global `ALL ON *.*` would cover the mysql database too.
 *
 * WARNING: `CREATE USER` lets its holder ALTER USER any account, root included
 * (MariaDB has no SYSTEM_USER guard), and `CONNECTION ADMIN` lets it
 * `SET GLOBAL init_connect` and `max_connections`: this admin is least-privilege
 * in what it is meant to do, not a security boundary against itself.
 *
 * The generated SQL (MariaDB), least-privilege, prefix `tr1_`:
 * ```sql
 * GRANT CREATE USER, PROCESS, CONNECTION ADMIN ON *.* TO `tr1_admin`@`%`
 * GRANT SELECT ON `mysql`.`global_priv` TO `tr1_admin`@`%`   -- one per catalog table
 * GRANT ALL PRIVILEGES ON `tr1\_%`.* TO `tr1_admin`@`%` WITH GRANT OPTION
 * ```
 */
export function mariadbAdminGrants(lane: MariadbAdminLane, account: string, databasePrefix: string): string[] {
  if (lane === 'superuser') return [`GRANT ALL PRIVILEGES ON *.* TO ${account} WITH GRANT OPTION`];
  return [
    `GRANT CREATE USER, PROCESS, CONNECTION ADMIN ON *.* TO ${account}`,
    ...MARIADB_CATALOG_TABLES.map((table) => `GRANT SELECT ON ${quoteMysqlIdentifier('mysql')}.${quoteMysqlIdentifier(table)} TO ${account}`),
    `GRANT ALL PRIVILEGES ON ${quoteMysqlIdentifier(`${escapeMysqlGrantDatabase(databasePrefix)}%`)}.* TO ${account} WITH GRANT OPTION`,
  ];
}
