import { ValidationError } from '@tenantry/core';

/** Where tenants connect: the admin URL's host and port. */
export interface MysqlServerAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Host and port of a `mysql://` or `mariadb://` URL (3306 when none). The
 * input may hold a password: it is never echoed in an error.
 */
export function mysqlServerAddress(url: string): MysqlServerAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationError({ field: 'databaseUrl', rule: 'type', message: 'Expected a connection URL of the form mysql://user:password@host:port/database (input not shown).' });
  }
  if (parsed.protocol !== 'mysql:' && parsed.protocol !== 'mariadb:') {
    throw new ValidationError({ field: 'databaseUrl', rule: 'type', message: `Expected a mysql:// or mariadb:// URL, got ${parsed.protocol}// (rest not shown).` });
  }
  const host = parsed.hostname.startsWith('[') ? parsed.hostname.slice(1, -1) : parsed.hostname;
  return { host, port: parsed.port === '' ? 3306 : Number.parseInt(parsed.port, 10) };
}

/**
 * A tenant's connection string, `mysql://user:password@host:port/database`,
 * user, password and database percent-encoded. No query parameter of the
 * admin URL is carried over: they may hold the admin's identity or secrets.
 *
 * @example
 * ```ts
 * mysqlTenantConnectionString({ host: '127.0.0.1', port: 3306 }, { username: 'a@b', password: 'p/w', database: 'acme' });
 * // 'mysql://a%40b:p%2Fw@127.0.0.1:3306/acme'
 * ```
 */
export function mysqlTenantConnectionString(address: MysqlServerAddress, tenant: { username: string; password: string; database: string }): string {
  const host = address.host.includes(':') ? `[${address.host}]` : address.host;
  return `mysql://${encodeURIComponent(tenant.username)}:${encodeURIComponent(tenant.password)}@${host}:${address.port}/${encodeURIComponent(tenant.database)}`;
}

/**
 * Host, port, user, password and database of a `mysql://` or `mariadb://`
 * admin URL, percent-decoded, for the driver. The input is never echoed in an
 * error (it holds a password).
 */
export function mysqlAdminConnection(url: string): { host: string; port: number; user: string; password: string; database?: string | undefined } {
  const address = mysqlServerAddress(url);
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  return {
    ...address,
    user: decodeURIComponent(parsed.username),
    password: decodeURIComponent(parsed.password),
    ...(database === '' ? {} : { database }),
  };
}
