import type pg from 'pg';
import { ConnectionError } from '@tenantry/core';
import type { DriverConnection } from '../executor/driver-connection.js';
import type { DriverPool, SeparateConnectionTarget } from './driver-pool.js';
import { loadPg } from './load-pg.js';
import { listenToClient, lostConnectionOf } from './pg-client-error-listener.js';
import { openConnectionSource, type AdminConnection, type ConnectionSource, type ConnectionSourceOptions } from './pg-connection-source.js';
import { pgDriverConnection } from './pg-driver-connection.js';

/** How long a separate connection may take when the admin's pool sets no limit. */
const SEPARATE_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The `pg` connections of one admin: a pool (Tenantry's, or the caller's own)
 * for the admin's work, and separate clients for a delegate login or another
 * database of the cluster, made from the pool's own settings.
 */
export class PgDriverPool implements DriverPool {
  readonly #source: ConnectionSource;

  constructor(connection: AdminConnection, options: ConnectionSourceOptions) {
    this.#source = openConnectionSource(connection, options);
  }

  get maxConnections(): number | undefined {
    return this.#source.pool.options.max;
  }

  tenantUrl(tenant: { username: string; password: string }): string {
    // A PostgreSQL tenant lives in the admin's database.
    return this.#source.tenantUrl(tenant.username, tenant.password);
  }

  async withConnection<T>(work: (connection: DriverConnection, markBroken: () => void) => Promise<T>): Promise<T> {
    const client = await this.#checkout();
    let broken = false;
    try {
      return await work(pgDriverConnection(client), () => (broken = true));
    } finally {
      client.release(broken || lostConnectionOf(client) !== undefined);
    }
  }

  async withSeparateConnection<T>(target: SeparateConnectionTarget, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
    const config = this.#separateConfig(target);
    // A caller's pool may wait forever for a connection; this one must not hold the operation up.
    config.connectionTimeoutMillis ??= SEPARATE_CONNECT_TIMEOUT_MS;
    const client = new (loadPg().Client)(config);
    // A server that ends the session emits 'error'; the failing query reports it.
    client.on('error', ignore);
    try {
      await client.connect();
    } catch (error) {
      // A client that never connected would wait on end() forever.
      void client.end().catch(ignore);
      throw error;
    }
    try {
      return await work(pgDriverConnection(client));
    } finally {
      await client.end().catch(ignore);
    }
  }

  close(): Promise<void> {
    return this.#source.close();
  }

  #separateConfig(target: SeparateConnectionTarget): pg.ClientConfig {
    if (target.login !== undefined) {
      if (target.database !== undefined) throw new Error('A separate connection changes the login or the database, not both.');
      // The admin's server directly, never the tenants' pooler or proxy.
      return { connectionString: this.#source.directLoginUrl(target.login.username, target.login.password) };
    }
    if (target.database === undefined) throw new Error('A separate connection needs another login or another database.');
    return adminConfigForDatabase(this.#source.pool, target.database);
  }

  /**
   * A checked-out client whose connection dies (server restart, terminated
   * backend) emits 'error' besides failing its query; pg-pool does not listen
   * on checked-out clients, and an unheard 'error' would end the process.
   * Clients get Tenantry's listener when the pool creates them (see
   * pg-client-error-listener.ts); a caller's client made before Tenantry got
   * its pool gets it here. A client that died before it was handed over (the
   * server ended the backend as soon as it was ready) fails the call with that
   * error, which maps to `ConnectionError`.
   */
  async #checkout(): Promise<pg.PoolClient> {
    const client = await this.#source.pool.connect();
    listenToClient(client);
    const lost = lostConnectionOf(client);
    if (lost) {
      client.release(lost);
      throw lost;
    }
    return client;
  }
}

// scheme://authority, then the path (the database), then ?query#fragment: as
// validateConnectionUrl reads a URL, whose user info holds no raw / ? #.
const URL_PARTS = /^(postgres(?:ql)?:\/\/[^/?#]*)(?:\/[^?#]*)?(.*)$/is;

/**
 * The admin's connection config, pointed at another database of the same
 * server: same credentials, host, port, TLS and parameters; only the database
 * differs. Works from what the pool was made with (a URL, a `pg` config, or
 * the caller's own pool).
 *
 * pg-connection-string reads the path with `decodeURI`, which leaves `%2F`,
 * `%3A` and the like encoded: those few characters go in raw (a path may hold
 * them), and `?`, `#` stay encoded. The admin session checks the database it
 * reached after connecting anyway.
 */
export function adminConfigForDatabase(pool: pg.Pool, database: string): pg.ClientConfig {
  const options: pg.PoolConfig = pool.options;
  if (!options.connectionString) return withPasswordOf(options, { ...options, database });
  const parts = URL_PARTS.exec(options.connectionString);
  if (!parts) {
    throw new ConnectionError({
      message: `Cannot point the admin's connection at database "${database}": its connection string is not a postgresql:// URL. Pass a URL or a pg config with host, user and database.`,
    });
  }
  const path = encodeURIComponent(database).replace(/%(2F|3A|40|26|3D|2B|24|2C|3B)/gi, (escaped) => decodeURIComponent(escaped));
  return withPasswordOf(options, { ...options, connectionString: `${parts[1]}/${path}${parts[2]}` });
}

/**
 * pg-pool keeps the password as a non-enumerable property of its options, so a
 * spread loses it: carry it over the same way (out of util.inspect's sight).
 */
function withPasswordOf(options: pg.PoolConfig, config: pg.ClientConfig): pg.ClientConfig {
  if (options.password !== undefined) {
    Object.defineProperty(config, 'password', { value: options.password, enumerable: false, writable: true, configurable: true });
  }
  return config;
}

function ignore(): void {
  // An error event of a client whose failing call reports it.
}
