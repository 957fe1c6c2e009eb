import { hasTenantTarget, tenantTarget, ValidationError } from '@tenantry/core';
import type { TenantryDialect } from '@tenantry/sql';
import type { DriverPool } from './driver-pool.js';
import { Mysql2DriverPool } from './mysql2-driver-pool.js';
import { PgDriverPool } from './pg-driver-pool.js';
import type { AdminConnection, ConnectionSourceOptions } from './pg-connection-source.js';

/**
 * The driver pool of the client library the dialect names. Each library is
 * loaded on first use (an optional peer), so an application installs only the
 * one it uses.
 */
export function openDriverPool(dialect: TenantryDialect, connection: AdminConnection, options: ConnectionSourceOptions): DriverPool {
  switch (dialect.client) {
    case 'pg':
      return new PgDriverPool(connection, options);
    case 'mysql2': {
      if (typeof connection !== 'string') {
        throw new ValidationError({ field: 'connection', rule: 'type', message: `The ${dialect.name} dialect connects with a URL (mysql://user:password@host:port/database).` });
      }
      if (hasTenantTarget(tenantTarget(options.tenantConnection))) {
        // Its migrations at creation log in as the new tenant, which a proxy in between would change: not promised yet.
        throw new ValidationError({
          field: 'tenantConnection',
          rule: 'unsupported-by-dialect',
          message: `tenantConnection's host, port and params are not available for the ${dialect.name} dialect yet: its tenants connect to the admin's server.`,
        });
      }
      return new Mysql2DriverPool(dialect.adminConnection(connection), {
        connectTimeoutMillis: options.connectionTimeoutMillis,
        tenantUrl: (tenant) => dialect.tenantConnectionString(connection, tenant),
      });
    }
  }
}
