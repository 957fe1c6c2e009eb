import { createHash } from 'node:crypto';

/**
 * The GET_LOCK names that serialise operations on a tenant's database and
 * user: one per name, so two creates sharing either name wait for each other.
 * Hashed to 49 ASCII characters: MySQL 8 takes at most 64 characters and
 * MariaDB 192 bytes, and a 64-character name in UTF-8 may not fit.
 *
 * Any session can take any lock name (a tenant too), so a lock is a way to
 * wait, never a permission: the steps after it re-check the catalog, and a
 * lock not granted within the timeout is `TenantBusyError`.
 */
export function tenantLockNames(schemaName: string, username: string): [string, string] {
  return [lockName(`database\0${schemaName}`), lockName(`user\0${username}`)];
}

function lockName(key: string): string {
  return `tenantry:${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 40)}`;
}
