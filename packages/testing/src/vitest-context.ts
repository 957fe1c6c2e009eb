// Without an import of 'vitest', TypeScript reports the augmentation below as
// "module 'vitest' cannot be found" (TS2664) under NodeNext resolution.
import type {} from 'vitest';

/**
 * Values that `@tenantry/testing/global-setup` provides to every test file.
 * Read them with vitest's `inject('tenantryAdminUrl')`.
 */
export interface TenantryProvidedContext {
  /** Superuser connection URL of the run's PostgreSQL server. Contains the password. */
  tenantryAdminUrl: string;
  /** Its `server_version_num`, e.g. `180004`. */
  tenantryServerVersion: number;
  /** False on a server with `trust` authentication, which accepts any password. */
  tenantryPasswordsChecked: boolean;
}

// Types `inject()` for every program that loads this file: importing anything
// from '@tenantry/testing', or `import type {} from '@tenantry/testing/vitest-context'`.
declare module 'vitest' {
  export interface ProvidedContext {
    tenantryAdminUrl: string;
    tenantryServerVersion: number;
    tenantryPasswordsChecked: boolean;
  }
}
