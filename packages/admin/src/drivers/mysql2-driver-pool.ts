import type { AdminConnectionParts } from '@tenantry/sql';
import type { DriverConnection } from '../executor/driver-connection.js';
import type { DriverPool, SeparateConnectionTarget } from './driver-pool.js';
import { Mysql2DriverConnection } from './mysql2-driver.js';

/**
 * The `mysql2` connections of one admin: a new connection for each call,
 * closed when the call ends, so named locks and session settings never
 * outlive it. It holds no pool and caps nothing.
 */
export class Mysql2DriverPool implements DriverPool {
  readonly maxConnections = undefined;
  readonly #admin: AdminConnectionParts;
  readonly #connectTimeoutMillis: number;
  readonly #tenantUrl: (tenant: { username: string; password: string; database: string }) => string;

  /** `tenantUrl` is the dialect's: the connection string format is its knowledge. */
  constructor(admin: AdminConnectionParts, options: { connectTimeoutMillis: number; tenantUrl: (tenant: { username: string; password: string; database: string }) => string }) {
    this.#admin = admin;
    this.#connectTimeoutMillis = options.connectTimeoutMillis;
    this.#tenantUrl = options.tenantUrl;
  }

  tenantUrl(tenant: { username: string; password: string; database: string }): string {
    return this.#tenantUrl(tenant);
  }

  async withConnection<T>(work: (connection: DriverConnection, markBroken: () => void) => Promise<T>): Promise<T> {
    // Closed after each call: a broken one is destroyed by close() alike.
    return this.#with(this.#admin, (connection) => work(connection, () => undefined));
  }

  withSeparateConnection<T>(target: SeparateConnectionTarget, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
    const login = target.login === undefined ? {} : { user: target.login.username, password: target.login.password };
    return this.#with({ ...this.#admin, ...login, ...(target.database === undefined ? {} : { database: target.database }) }, work);
  }

  async close(): Promise<void> {
    // Nothing stays open between calls.
  }

  async #with<T>(parts: AdminConnectionParts, work: (connection: DriverConnection) => Promise<T>): Promise<T> {
    const connection = await Mysql2DriverConnection.connect({ ...parts, connectTimeoutMillis: this.#connectTimeoutMillis });
    try {
      return await work(connection);
    } finally {
      await connection.close();
    }
  }
}
