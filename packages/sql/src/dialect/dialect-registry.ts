import type { TenantryDialect } from './tenantry-dialect.js';
import { PostgresDialect } from './postgres/postgres-dialect.js';

/** The dialects `DatabaseAdmin` can run today, by name. */
export type DialectName = 'postgres';

/** What a dialect is built for: the server's version (e.g. 180004), which changes some statements. */
export interface DialectServer {
  serverVersionNum: number;
}

const FACTORIES: Readonly<Record<DialectName, (server: DialectServer) => TenantryDialect>> = {
  postgres: (server) => new PostgresDialect(server),
};

/** URL schemes and the dialect each selects. */
const SCHEMES: Readonly<Record<string, DialectName>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
};

/**
 * The dialect `name` for a server of that version. A dialect is a folder under
 * `dialect/` and a line in this registry.
 *
 * ```ts
 * const dialect = createDialect('postgres', { serverVersionNum: 180004 });
 * ```
 */
export function createDialect(name: DialectName, server: DialectServer): TenantryDialect {
  return FACTORIES[name](server);
}

/** The dialect a connection URL's scheme selects, or undefined for a scheme Tenantry does not run. */
export function dialectNameForUrl(url: string): DialectName | undefined {
  const scheme = /^[a-z][a-z0-9+.-]*:/i.exec(url)?.[0]?.toLowerCase();
  return scheme === undefined ? undefined : SCHEMES[scheme];
}
