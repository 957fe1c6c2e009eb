// Without an import of 'vitest', TypeScript reports the augmentation below as
// "module 'vitest' cannot be found" (TS2664) under NodeNext resolution.
import type {} from 'vitest';

/**
 * Values that `@tenantry/testing/citus-global-setup` provides to every test
 * file. Read them with vitest's `inject('tenantryCitusUrl')`.
 */
export interface TenantryCitusProvidedContext {
  /** The coordinator's superuser URL (`postgresql://`, TCP on 127.0.0.1); `''` when the lane cannot run. Contains the password. */
  tenantryCitusUrl: string;
  /** The workers' superuser URLs, as a JSON array of strings; `'[]'` when the lane cannot run. Contain the password. */
  tenantryCitusWorkerUrls: string;
  /** Why the lane cannot run here; `''` when it can. */
  tenantryCitusUnavailable: string;
}

// Types `inject()` for every program that loads this file: importing anything
// from '@tenantry/testing', or `import type {} from '@tenantry/testing/citus-vitest-context'`.
declare module 'vitest' {
  export interface ProvidedContext {
    tenantryCitusUrl: string;
    tenantryCitusWorkerUrls: string;
    tenantryCitusUnavailable: string;
  }
}
