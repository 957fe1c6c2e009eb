import type { AdminConnectionParts, DialectClient } from '@tenantry/sql';
import type { DriverConnection } from '../executor/driver-connection.js';
import { Mysql2DriverConnection } from './mysql2-driver.js';

/** A driver connection the caller closes. */
export interface ClosableDriverConnection extends DriverConnection {
  /** Never throws. */
  close(): Promise<void>;
}

/**
 * A new connection through the client library a dialect names. The library is
 * loaded on first use, so an application installs only the one it uses.
 *
 * @throws the driver's error (for the dialect's `mapError`).
 */
export async function openDriverConnection(client: DialectClient, parts: AdminConnectionParts, connectTimeoutMillis: number): Promise<ClosableDriverConnection> {
  switch (client) {
    case 'mysql2':
      return Mysql2DriverConnection.connect({ ...parts, connectTimeoutMillis });
    case 'pg':
      // PostgreSQL still runs through AdminSession's pool (see docs/architecture/dialect-seam.md).
      throw new Error('pg connections are opened by AdminSession, not by openDriverConnection.');
  }
}
