import type { TenantryDialect } from './dialect.js';
import { PostgresDialect } from './postgres/postgres-dialect.js';
import { MysqlDialect } from './mysql/mysql-dialect.js';
import { CitusDialect } from './citus/citus-dialect.js';
import type { ServerFacts } from './dialect.js';

/** The dialects Tenantry ships, by name. */
export type DialectName = 'postgres' | 'mysql';

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

/** Options of every dialect, each read by its own. */
export interface DialectOptions {
  mysql?: MysqlFamilyOptions | undefined;
}

/** The registry: one line per dialect. A dialect is a folder under `dialect/` and a line here. */
const FACTORIES: Readonly<Record<DialectName, (options: DialectOptions) => TenantryDialect>> = {
  postgres: () => new PostgresDialect(),
  mysql: (options) => new MysqlDialect(options.mysql),
};

/** URL schemes and the dialect each selects. */
const SCHEMES: Readonly<Record<string, DialectName>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
};

/**
 * The dialect `name`, with its options.
 *
 * ```ts
 * const dialect = createDialect('mysql', { mysql: { flavor: 'mariadb' } });
 * ```
 */
export function createDialect(name: DialectName, options: DialectOptions = {}): TenantryDialect {
  const factory = FACTORIES[name];
  if (factory === undefined) throw new RangeError(`Unknown dialect "${String(name)}": expected one of ${Object.keys(FACTORIES).join(', ')}.`);
  return factory(options);
}

/** The dialect a connection URL's scheme selects, or undefined for a scheme Tenantry does not run. */
export function dialectNameForUrl(url: string): DialectName | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]?.toLowerCase();
  return scheme === undefined ? undefined : SCHEMES[scheme];
}

/** The dialect for a connection URL, by its scheme; undefined for a scheme Tenantry does not run. */
export function dialectForUrl(url: string, options: DialectOptions = {}): TenantryDialect | undefined {
  const name = dialectNameForUrl(url);
  return name === undefined ? undefined : createDialect(name, options);
}

/**
 * Variants of a dialect, picked by what the server turns out to be: an
 * extension installed in the admin's database. Each keeps its family's rules.
 */
const VARIANTS: Readonly<Record<string, readonly { extension: string; create: () => TenantryDialect }[]>> = {
  postgres: [{ extension: 'citus', create: () => new CitusDialect() }],
};

/**
 * The dialect for this server: a variant of `dialect` when the server has the
 * extension it is for (PostgreSQL with Citus: the Citus dialect), else
 * `dialect` itself. `DatabaseAdmin` asks once, after reading the server's facts.
 */
export function dialectForServer(dialect: TenantryDialect, facts: ServerFacts): TenantryDialect {
  const variant = VARIANTS[dialect.name]?.find((candidate) => facts.extensions.includes(candidate.extension));
  return variant === undefined ? dialect : variant.create();
}
