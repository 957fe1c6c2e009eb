import { createRequire } from 'node:module';
import type pgModule from 'pg';
import { ValidationError } from '@tenantry/core';

let loaded: typeof pgModule | undefined;

/**
 * The `pg` module, loaded when a PostgreSQL admin first needs it, not when
 * `@tenantry/admin` is imported: an application on MariaDB/MySQL need not
 * install `pg` (an optional peer, as `mysql2` is for PostgreSQL users).
 *
 * @throws ValidationError naming the package to install when it is missing.
 */
export function loadPg(): typeof pgModule {
  if (loaded === undefined) {
    try {
      loaded = createRequire(import.meta.url)('pg') as typeof pgModule;
    } catch (error) {
      if ((error as { code?: unknown }).code !== 'MODULE_NOT_FOUND') throw error;
      throw new ValidationError({
        field: 'connection',
        rule: 'unsupported-by-dialect',
        message: 'A PostgreSQL connection needs the pg package: install it (npm install pg) next to @tenantry/admin.',
      });
    }
  }
  return loaded;
}
