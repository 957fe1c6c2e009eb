import type pg from 'pg';
import { loadPg } from './load-pg.js';
import {
  connectionUrlSetsTls,
  formatConnectionString,
  tenantConnectionString,
  tenantTarget,
  tenantTlsParameters,
  validateConnectionUrl,
  ValidationError,
  type PgSslSetting,
  type TenantConnectionOptions,
  type TenantTarget,
} from '@tenantry/core';
import { libpqUrlForPg, pgVerifiedFully, refuseUnreadEnvironment, sslFromLibpqEnvironment } from './libpq-semantics.js';
import { listenToPoolClients } from './pg-client-error-listener.js';

/**
 * What `DatabaseAdmin` accepts: the seed's URL, a `pg` pool config, or a pool
 * the caller owns. Any object that behaves as a `pg` pool (`connect`, `query`,
 * `end` and `options`) is taken as one, so a pool from another copy of `pg`
 * works too.
 *
 * On a caller's pool Tenantry adds an 'error' listener to the pool and, through
 * its 'connect' event, one to each new client, so that a connection that dies
 * while Tenantry holds it fails the call instead of ending the process. The
 * caller's own listeners stay and still fire; `close()` takes the pool's off
 * again and leaves the pool open.
 */
export type AdminConnection = string | pg.PoolConfig | pg.Pool;

export interface ConnectionSource {
  pool: pg.Pool;
  /** True when Tenantry created the pool and so must end it. */
  ownsPool: boolean;
  /**
   * The connection string a tenant gets: the admin's, with the tenant's user
   * and password, pointed at `tenantConnection`'s host, port and parameters
   * when given (a pooler, a proxy).
   */
  tenantUrl(username: string, password: string): string;
  /**
   * The admin's server, directly, as another login (a short-lived delegate):
   * never through the tenants' pooler, whose transaction pooling would break
   * a session's state and whose login lookup answers for tenants only.
   */
  directLoginUrl(username: string, password: string): string;
  /** Ends the pool Tenantry created; from a caller's pool, takes Tenantry's listeners off and leaves it open. */
  close(): Promise<void>;
}

export interface ConnectionSourceOptions {
  connectionTimeoutMillis: number;
  tenantConnection: TenantConnectionOptions;
}

export function openConnectionSource(connection: AdminConnection, options: ConnectionSourceOptions): ConnectionSource {
  // Checked before anything is opened.
  const target = tenantTarget(options.tenantConnection);
  if (isPool(connection)) {
    // Built before any listener goes on: it may refuse the pool's TLS settings.
    const tenantUrl = tenantUrlFrom(connection.options, options.tenantConnection, target, { readByPg: true });
    const directLoginUrl = tenantUrlFrom(connection.options, options.tenantConnection, NO_TARGET, { readByPg: true });
    const detach = listenToPoolClients(connection);
    return { pool: connection, ownsPool: false, tenantUrl, directLoginUrl, close: async () => detach() };
  }
  if (isKyselyInstance(connection)) {
    throw new ValidationError({
      field: 'connection',
      rule: 'type',
      message:
        "DatabaseAdmin takes the pg pool your Kysely instance was made with, not the Kysely instance: pass the same pool (new DatabaseAdmin(pool) beside new Kysely({ dialect: new PostgresDialect({ pool }) })). Tenantry also connects as other logins and to other databases of the server, and hands tenants its address, which a Kysely instance does not tell.",
    });
  }
  if (typeof connection !== 'string' && (typeof connection !== 'object' || connection === null)) {
    throw new ValidationError({
      field: 'connection',
      rule: 'type',
      message: 'DatabaseAdmin expects a postgresql:// URL, a pg pool config, or a pg pool.',
    });
  }
  const config: pg.PoolConfig =
    typeof connection === 'string' ? { connectionString: validateConnectionUrl(connection) } : { ...connection };
  config.connectionTimeoutMillis ??= options.connectionTimeoutMillis;
  // libpq's meanings of sslmode, PGSSLMODE and PGSSLROOTCERT, not pg's (see libpq-semantics.ts).
  refuseUnreadEnvironment(process.env);
  let tenantConnection = options.tenantConnection;
  if (config.ssl === undefined && !(config.connectionString !== undefined && connectionUrlSetsTls(validateConnectionUrl(config.connectionString)))) {
    const fromEnvironment = sslFromLibpqEnvironment(process.env);
    if (fromEnvironment.ssl !== undefined) config.ssl = fromEnvironment.ssl;
    if (fromEnvironment.sslrootcert !== undefined) tenantConnection = { ...tenantConnection, sslrootcert: tenantConnection.sslrootcert ?? fromEnvironment.sslrootcert };
  }
  const tenantUrl = tenantUrlFrom(config, tenantConnection, target);
  const directLoginUrl = tenantUrlFrom(config, tenantConnection, NO_TARGET);
  const pgConfig = config.connectionString === undefined ? config : { ...config, connectionString: libpqUrlForPg(config.connectionString) };
  const pool = new (loadPg().Pool)(pgConfig);
  listenToPoolClients(pool);
  return { pool, ownsPool: true, tenantUrl, directLoginUrl, close: () => pool.end() };
}

/**
 * A pool by behaviour, not by class: `instanceof pg.Pool` fails for a pool from
 * another copy of `pg`, which would then be taken for a config (its `options`
 * object sent to the server as the `options` startup parameter).
 */
function isPool(connection: unknown): connection is pg.Pool {
  if (typeof connection !== 'object' || connection === null) return false;
  const candidate = connection as Record<string, unknown>;
  return (
    ['connect', 'query', 'end'].every((method) => typeof candidate[method] === 'function') &&
    typeof candidate['options'] === 'object' &&
    candidate['options'] !== null
  );
}

/**
 * A Kysely instance passed where a pool belongs (JavaScript callers; the
 * types refuse it). Taken for a pool config, its fields would be sent to the
 * server as connection settings.
 */
function isKyselyInstance(connection: unknown): boolean {
  if (typeof connection !== 'object' || connection === null) return false;
  const candidate = connection as Record<string, unknown>;
  return ['selectFrom', 'executeQuery', 'destroy'].every((method) => typeof candidate[method] === 'function');
}

const NO_TARGET: TenantTarget = { host: undefined, port: undefined, params: {} };

/**
 * A login's connection string from the admin's connection: its TLS
 * requirements, then `target`'s host, port and parameters on top.
 * `readByPg`: a caller's pool, whose URL pg read with its own meanings of sslmode.
 */
function tenantUrlFrom(
  config: pg.PoolConfig,
  tenantConnection: TenantConnectionOptions,
  target: TenantTarget,
  { readByPg = false } = {},
): (username: string, password: string) => string {
  const ssl = effectiveSsl(config.ssl);
  if (config.connectionString) {
    const adminUrl = validateConnectionUrl(config.connectionString);
    // pg takes TLS from the URL when it names any (kept as written; a given
    // sslrootcert replaces the URL's), else from `ssl` or PGSSLMODE.
    let tls: Record<string, string>;
    if (connectionUrlSetsTls(adminUrl)) {
      const { sslrootcert } = tenantTlsParameters(true, tenantConnection); // checks the option
      tls = sslrootcert === undefined ? {} : { sslrootcert };
      if (readByPg && pgVerifiedFully(adminUrl)) tls['sslmode'] = 'verify-full';
    } else {
      tls = tenantTlsParameters(ssl, tenantConnection);
    }
    const params = { ...tls, ...target.params };
    return (username, password) => tenantConnectionString(adminUrl, { username, password }, params, target);
  }
  const params = tenantTlsParameters(ssl, tenantConnection);
  if (config.application_name) params['application_name'] = config.application_name;
  Object.assign(params, target.params);
  return (username, password) =>
    formatConnectionString({
      host: target.host ?? config.host ?? process.env['PGHOST'] ?? 'localhost',
      port: target.port ?? (config.port === undefined ? undefined : Number(config.port)),
      database: config.database ?? process.env['PGDATABASE'],
      user: username,
      password,
      params,
    });
}

/**
 * The `ssl` a `pg` client ends up with: the config's, else what pg reads from
 * PGSSLMODE, with pg's meanings. Tenantry's own pools have `ssl` set from
 * PGSSLMODE with libpq's meanings already; a caller's pool was made by pg.
 * The tenant's string travels to other machines, the environment
 * does not: what the admin's connection required goes into the string.
 */
function effectiveSsl(ssl: pg.PoolConfig['ssl']): PgSslSetting {
  if (ssl !== undefined) return ssl;
  switch (process.env['PGSSLMODE']) {
    case 'prefer':
    case 'require':
    case 'verify-ca':
    case 'verify-full':
      return true; // pg verifies fully for all four
    case 'no-verify':
      return 'no-verify';
    default:
      return false;
  }
}
