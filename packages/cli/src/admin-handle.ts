import pg from 'pg';
import { DatabaseAdmin } from '@tenantry/admin';
import { tenantTarget } from '@tenantry/core';
import type { TenantTargetSetting } from './args.js';
import type { ResolvedConnection } from './connection.js';

/**
 * A `DatabaseAdmin` on a pool the CLI owns. Commands do everything through
 * `admin`: the CLI opens no session of its own and runs no SQL (a tenant can
 * turn any table into a view over its own function, so the one place that
 * reads the database must be the one that knows what it may touch).
 */
export class AdminHandle {
  readonly admin: DatabaseAdmin;
  readonly connection: ResolvedConnection;
  readonly #pool: pg.Pool | undefined;

  constructor(connection: ResolvedConnection, options: { poolSize?: number | undefined; tenantConnection?: TenantTargetSetting | undefined } = {}) {
    this.connection = connection;
    const target = options.tenantConnection ?? {};
    if (connection.adminUrl !== undefined) {
      // A dialect that takes its URL as it is (mysql://): DatabaseAdmin opens its own connections (and refuses a tenant target).
      this.admin = new DatabaseAdmin(connection.adminUrl, { mysql: connection.mysql ?? {}, tenantConnection: target });
      return;
    }
    const tenantConnection = { ...connection.tenantConnection, ...target };
    // Checked before the pool exists (DatabaseAdmin checks it again): a bad target leaves no pool behind.
    tenantTarget(tenantConnection);
    // Bulk creation caps its concurrency at the pool's size: make room for it.
    this.#pool = new pg.Pool({ ...connection.config, max: Math.max(10, options.poolSize ?? 0) });
    // An idle client whose server went away emits 'error' on the pool; the next query reports it.
    this.#pool.on('error', () => undefined);
    // Before any connection: DatabaseAdmin puts its 'error' listener on every
    // client of the pool from its creation on (a FATAL right after login must
    // fail the command, not crash it), and names PGSSLROOTCERT in tenants' URLs.
    this.admin = new DatabaseAdmin(this.#pool, { tenantConnection });
  }

  async close(): Promise<void> {
    await this.admin.close();
    await this.#pool?.end();
  }
}
