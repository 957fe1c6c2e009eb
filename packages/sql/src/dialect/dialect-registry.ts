import type { TenantryDialect } from './tenantry-dialect.js';
import type { TenantryDialect as SeamDialect } from './dialect.js';
import { PostgresDialect } from './postgres/postgres-dialect.js';
import { MysqlDialect } from './mysql/mysql-dialect.js';

/** The dialects Tenantry ships, by name. */
export type DialectName = 'postgres' | 'mysql';

/** What a dialect is built for: the server's version (e.g. 180004), which changes some statements. */
export interface DialectServer {
  serverVersionNum: number;
}

const FACTORIES: Readonly<Record<'postgres', (server: DialectServer) => TenantryDialect>> = {
  postgres: (server) => new PostgresDialect(server),
};

/** URL schemes and the dialect each selects. */
const SCHEMES: Readonly<Record<string, DialectName>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
};

/** Options of the MySQL family's dialect that an admin may set. */
export interface MysqlFamilyOptions {
  /** `mariadb` (default for `mariadb://` and `mysql://`) or `mysql` (MySQL 8). */
  flavor?: 'mariadb' | 'mysql';
  /** Host pattern of tenant accounts, `'%'` by default. */
  tenantHost?: string;
  /** The database of Tenantry's registry, `tenantry` by default. */
  registryDatabase?: string;
  /** How long to wait for a tenant's named locks, in milliseconds. */
  lockTimeoutMillis?: number;
}

/**
 * The dialect `name` for a server of that version. A dialect is a folder under
 * `dialect/` and a line in this registry.
 *
 * ```ts
 * const dialect = createDialect('postgres', { serverVersionNum: 180004 });
 * ```
 */
export function createDialect(name: 'postgres', server: DialectServer): TenantryDialect {
  return FACTORIES[name](server);
}

/** The dialect a connection URL's scheme selects, or undefined for a scheme Tenantry does not run. */
export function dialectNameForUrl(url: string): DialectName | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]?.toLowerCase();
  return scheme === undefined ? undefined : SCHEMES[scheme];
}

/**
 * The dialect behind the seam for a URL of a family that runs there (MySQL,
 * MariaDB); undefined for PostgreSQL, which `DatabaseAdmin` still runs on its
 * own path until it moves behind the seam too.
 */
export function seamDialectForUrl(url: string, options: MysqlFamilyOptions = {}): SeamDialect | undefined {
  return dialectNameForUrl(url) === 'mysql' ? new MysqlDialect(options) : undefined;
}
