import { ValidationError } from '@tenantry/core';
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
      return new Mysql2DriverPool(dialect.adminConnection(connection), {
        connectTimeoutMillis: options.connectionTimeoutMillis,
        tenantUrl: (tenant) => dialect.tenantConnectionString(connection, tenant),
      });
    }
  }
}
