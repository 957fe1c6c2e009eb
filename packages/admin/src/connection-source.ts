import pg from 'pg';
import { formatConnectionString, tenantConnectionString, validateConnectionUrl } from '@tenantry/core';

/** What `DatabaseAdmin` accepts: the seed's URL, a `pg` pool config, or a pool the caller owns. */
export type AdminConnection = string | pg.PoolConfig | pg.Pool;

export interface ConnectionSource {
  pool: pg.Pool;
  /** True when Tenantry created the pool and so must end it. */
  ownsPool: boolean;
  /** The connection string a tenant gets: the admin's, with the tenant's user and password. */
  tenantUrl(username: string, password: string): string;
}

export function openConnectionSource(connection: AdminConnection, connectionTimeoutMillis: number): ConnectionSource {
  if (connection instanceof pg.Pool) {
    return { pool: connection, ownsPool: false, tenantUrl: tenantUrlFrom(connection.options) };
  }
  const config: pg.PoolConfig =
    typeof connection === 'string' ? { connectionString: validateConnectionUrl(connection) } : { ...connection };
  config.connectionTimeoutMillis ??= connectionTimeoutMillis;
  const pool = new pg.Pool(config);
  // An idle client whose server went away emits 'error' on the pool; without a
  // listener Node would crash. The next query reports the problem instead.
  pool.on('error', () => undefined);
  return { pool, ownsPool: true, tenantUrl: tenantUrlFrom(config) };
}

function tenantUrlFrom(config: pg.PoolConfig): (username: string, password: string) => string {
  if (config.connectionString) {
    const adminUrl = config.connectionString;
    return (username, password) => tenantConnectionString(adminUrl, { username, password });
  }
  const params: Record<string, string> = {};
  if (config.ssl) params.sslmode = 'require';
  if (config.application_name) params.application_name = config.application_name;
  return (username, password) =>
    formatConnectionString({
      host: config.host ?? process.env.PGHOST ?? 'localhost',
      port: config.port === undefined ? undefined : Number(config.port),
      database: config.database ?? process.env.PGDATABASE,
      user: username,
      password,
      params,
    });
}
