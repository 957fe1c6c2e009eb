import type pg from 'pg';
import { loadPg } from './load-pg.js';
import { ConnectionError, PermissionError, type TenantryError } from '@tenantry/core';
import { pinSearchPathStatement } from '@tenantry/sql/postgres';
import { mapDatabaseError, type ErrorContext } from './map-database-error.js';

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
 * them), and `?`, `#` stay encoded. Callers check `current_database()` after
 * connecting anyway (see `inTransactionIn`).
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

/** How long a connection to another database may take when the admin's pool sets no limit. */
const OTHER_DATABASE_CONNECT_TIMEOUT_MS = 10_000;

/**
 * Runs `work` in a transaction of a new connection to `database` as the
 * admin, names resolved in pg_catalog only, and closes the connection. Refuses
 * to run anything when the connection reached another database. Errors are
 * mapped to Tenantry's with `context`.
 */
export async function inTransactionIn<T>(
  pool: pg.Pool,
  database: string,
  options: { readOnly: boolean; context: ErrorContext },
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  let client: pg.Client | undefined;
  let connected = false;
  try {
    const config = adminConfigForDatabase(pool, database);
    // A caller's pool may wait forever for a connection; this one must not hold up the removal.
    config.connectionTimeoutMillis ??= OTHER_DATABASE_CONNECT_TIMEOUT_MS;
    client = new (loadPg().Client)(config);
    // A server that ends the session emits 'error'; the failing query reports it.
    client.on('error', ignore);
    await client.connect().catch((error: unknown) => {
      throw connectionFailure(error, options.context);
    });
    connected = true;
    await client.query(`BEGIN${options.readOnly ? ' READ ONLY' : ''}; ${pinSearchPathStatement().sql}`);
    const reached = (await client.query<{ database: string }>('SELECT pg_catalog.current_database() AS database')).rows[0]?.database;
    if (reached !== database) {
      throw new ConnectionError({
        message: `Could not ${options.context.action}: the admin's connection, pointed at database "${database}", reached database "${reached}" instead. Nothing was run there.`,
      });
    }
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    // A client that never connected would queue the ROLLBACK (and wait on end) forever.
    if (connected) await client?.query('ROLLBACK').catch(ignore);
    throw mapDatabaseError(error, options.context);
  } finally {
    if (connected) await client?.end().catch(ignore);
    else void client?.end().catch(ignore);
  }
}

/**
 * Not reaching the other database is a connection problem, whatever the
 * server said (e.g. 55000: it does not accept connections); a missing CONNECT
 * privilege stays a PermissionError.
 */
function connectionFailure(error: unknown, context: ErrorContext): TenantryError {
  const mapped = mapDatabaseError(error, context);
  if (mapped instanceof ConnectionError || mapped instanceof PermissionError) return mapped;
  return new ConnectionError({ message: mapped.message, sqlState: mapped.sqlState, cause: error });
}

function ignore(): void {
  // See inTransactionIn.
}
