import { sql, type RawBuilder } from 'kysely';
import { MYSQL_REGISTRY_TABLE } from './mysql-dialect-config.js';

/**
 * Where a tenant stands in the registry. A tenant is listed when `active`, or
 * `unlocking` with its account unlocked (the unlock ran, the last update did
 * not). Anything else is a half-made or half-removed tenant: never listed,
 * its account locked, finished by `removeTenant` (any state) or by a
 * `createTenant` of the same two names (`creating`, `unlocking` while locked).
 *
 * - `creating`: the row is written first; user (locked), database, grant follow.
 * - `unlocking`: everything is made; the account is about to be unlocked.
 * - `active`: made and unlocked.
 * - `removing`: removal started (account locked, sessions ended, then drops).
 */
export type MysqlTenantState = 'creating' | 'unlocking' | 'active' | 'removing';

/**
 * Why a registry and not a marker on the objects: a tenant holds ALL on its
 * database, so it can `ALTER DATABASE ... COMMENT` (or drop and recreate it)
 * and forge a comment marker; MySQL 8 has no database comments and MariaDB
 * no user comments. A table in the admin's own database is out of every
 * tenant's reach and works on both.
 */
export function registryTable(registryDatabase: string): RawBuilder<unknown> {
  return sql`${sql.id(registryDatabase)}.${sql.id(MYSQL_REGISTRY_TABLE)}`;
}

/**
 * The registry's DDL. Names compare byte for byte (`utf8mb4_bin`), like the
 * server's own user names; a user name is unique over all hosts.
 *
 * The generated SQL (MariaDB/MySQL), registry `tenantry`:
 * ```sql
 * CREATE DATABASE IF NOT EXISTS `tenantry`
 * CREATE TABLE IF NOT EXISTS `tenantry`.`tenants` (...) ENGINE=InnoDB
 * ```
 */
export function registryDdl(registryDatabase: string): RawBuilder<unknown>[] {
  return [
    sql`CREATE DATABASE IF NOT EXISTS ${sql.id(registryDatabase)} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
    sql`CREATE TABLE IF NOT EXISTS ${registryTable(registryDatabase)} (
  schema_name VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  username VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  host VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  state VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  created_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (schema_name),
  UNIQUE KEY tenants_username (username)
) ENGINE=InnoDB`,
  ];
}
