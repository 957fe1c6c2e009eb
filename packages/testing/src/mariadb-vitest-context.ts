// Without an import of 'vitest', TypeScript reports the augmentation below as
// "module 'vitest' cannot be found" (TS2664) under NodeNext resolution.
import type {} from 'vitest';

/**
 * Values that `@tenantry/testing/mariadb-global-setup` provides to every test
 * file. Read them with vitest's `inject('tenantryMysqlUrl')`.
 */
export interface TenantryMysqlProvidedContext {
  /** URL of the lane's root-like account (`mysql://`); `''` when the lane cannot run. Contains the password. */
  tenantryMysqlUrl: string;
  /** `SELECT VERSION()`; `''` when the lane cannot run. */
  tenantryMysqlVersion: string;
  /** Why the lane cannot run here; `''` when it can. */
  tenantryMysqlUnavailable: string;
  /** The run's name prefix, for `createMariadbScratch({ runPrefix })`: the run's teardown drops everything under it. */
  tenantryMysqlRunPrefix: string;
}

// Types `inject()` for every program that loads this file: importing anything
// from '@tenantry/testing', or `import type {} from '@tenantry/testing/mariadb-vitest-context'`.
declare module 'vitest' {
  export interface ProvidedContext {
    tenantryMysqlUrl: string;
    tenantryMysqlVersion: string;
    tenantryMysqlUnavailable: string;
    tenantryMysqlRunPrefix: string;
  }
}
