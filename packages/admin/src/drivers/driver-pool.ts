import type { DriverConnection } from '../executor/driver-connection.js';

/** Whom a separate connection logs in as, and where. */
export interface SeparateConnectionTarget {
  /** Another login than the admin's (a short-lived delegate); the admin's when absent. WARNING: holds a password. */
  readonly login?: { readonly username: string; readonly password: string } | undefined;
  /** Another database of the same server; the admin's when absent. */
  readonly database?: string | undefined;
}

/**
 * The connections of one client library (`pg`, `mysql2`) for one admin: the
 * I/O half of the dialect seam. It opens, hands out and closes connections,
 * and knows no dialect; errors come out as the driver raised them (the admin
 * session maps them with the dialect).
 */
export interface DriverPool {
  /**
   * One admin connection for `work`, given back afterwards. `work` calls
   * `markBroken` when the connection must not be used again (a ROLLBACK that
   * failed).
   */
  withConnection<T>(work: (connection: DriverConnection, markBroken: () => void) => Promise<T>): Promise<T>;
  /** A new connection as another login or to another database, closed when `work` ends. */
  withSeparateConnection<T>(target: SeparateConnectionTarget, work: (connection: DriverConnection) => Promise<T>): Promise<T>;
  /** The connection string a tenant gets: the admin's server, the tenant's login and database. */
  tenantUrl(tenant: { username: string; password: string; database: string }): string;
  /** The most connections it opens at once; undefined when it sets no cap. */
  readonly maxConnections: number | undefined;
  /** Ends what it opened; leaves a caller's own pool open. */
  close(): Promise<void>;
}
