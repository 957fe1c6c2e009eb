/**
 * Issue 12: the time to create one tenant against the size of its schema (the
 * benchmark schema cut to 10, 25, 50, 100 tables), three ways, interleaved in
 * one run (sizes and ways rotated every round):
 * - first tenant: `createTenant({ migrations })` with migrations no tenant was
 *   created with before (names unique to the sample, fresh provider, fresh
 *   `DatabaseAdmin`): the migrations run one by one, whatever the library
 *   caches;
 * - later tenants: the same call on one long-lived admin with one provider per
 *   size, after that provider's first tenant (an untimed warm-up): what the
 *   library does for the second tenant on (a recorded replay, once it has one);
 * - psql: the same DDL (schema, search_path, every statement) as one query,
 *   one round trip, timed by psql's `\timing` (no role, no grants: the floor).
 * Each tenant is removed again, so the catalog stays the same size.
 */
import { performance } from 'node:perf_hooks';
import { DatabaseAdmin, type TenantCredentials } from '@tenantry/admin';
import { PsqlSession } from './psql-session.js';
import { realisticSchemaMigrations, realisticSchemaStatements } from '@tenantry/testing';
import { tenantName, withClient } from './setup.js';
import { ident, migrationProvider } from './statement-migrations.js';
import { rotated, summarize, type Summary } from './stats.js';

const WAYS = ['first', 'later', 'psql'] as const;
type Way = (typeof WAYS)[number];

export interface SchemaSizePoint {
  tables: number;
  migrations: number;
  statements: number;
  /** ms per tenant, each way. */
  firstTenant: Summary;
  laterTenants: Summary;
  psql: Summary;
  /** How often createTenant reported each path (`result.migrations.path`, or 'not reported'), per way. */
  paths: { first: Record<string, number>; later: Record<string, number> };
  /** Ratios of medians. */
  laterOverPsql: number;
  firstOverLater: number;
  firstOverPsql: number;
}

export interface SchemaSizeResult {
  /** Timed samples per size and way (after one untimed warm-up round). */
  samples: number;
  points: SchemaSizePoint[];
}

/** The path field createTenant's result will carry with the fast path; absent today. */
function reportedPath(credentials: TenantCredentials): string {
  const path = (credentials as unknown as { migrations?: { path?: unknown } }).migrations?.path;
  return path === undefined ? 'not reported' : String(path);
}

export async function measureSchemaSize(options: { url: string; sizes: readonly number[]; samples: number; log?: (line: string) => void }): Promise<SchemaSizeResult> {
  const { url } = options;
  const sizes = options.sizes.map((tables) => ({
    tables,
    statements: realisticSchemaStatements(tables),
    // Names unique to the size: a cache keyed by migration names cannot mix two sizes up.
    laterProvider: migrationProvider(realisticSchemaMigrations(tables, `_s${tables}`)),
    times: { first: [] as number[], later: [] as number[], psql: [] as number[] },
    paths: { first: {} as Record<string, number>, later: {} as Record<string, number> },
  }));
  const admin = new DatabaseAdmin(url, { scramIterations: 4096 });
  const psql = new PsqlSession(url);
  const count = (paths: Record<string, number>, path: string) => (paths[path] = (paths[path] ?? 0) + 1);
  try {
    await admin.prepare();
    // Round 0 warms every way up (and gives each later-tenants provider its first tenant); it is not kept.
    for (let round = 0; round <= options.samples; round++) {
      for (const size of rotated(sizes, round)) {
        for (const way of rotated(WAYS, round + size.tables)) {
          const tenant = tenantName(`z${String(size.tables).padStart(3, '0')}`, way[0]!, round);
          let ms: number;
          if (way === 'psql') {
            ms = await psql.run([`CREATE SCHEMA ${ident(tenant.schemaName)}`, `SET LOCAL search_path = ${ident(tenant.schemaName)}`, ...size.statements.flat()]);
            await withClient(url, (client) => client.query(`DROP SCHEMA ${ident(tenant.schemaName)} CASCADE`));
          } else {
            ms = await createWay(way, url, admin, tenant, size.tables, size.laterProvider, round, (path) => round > 0 && count(size.paths[way], path));
          }
          if (round > 0) size.times[way].push(ms);
        }
      }
      options.log?.(`  schema-size ${round === 0 ? 'warm-up round' : `round ${round}/${options.samples}`} done`);
    }
  } finally {
    await psql.close();
    await admin.close();
  }
  return {
    samples: options.samples,
    points: sizes.map((size) => {
      const firstTenant = summarize(size.times.first);
      const laterTenants = summarize(size.times.later);
      const baseline = summarize(size.times.psql);
      return {
        tables: size.tables,
        migrations: size.statements.length,
        statements: size.statements.flat().length,
        firstTenant,
        laterTenants,
        psql: baseline,
        paths: size.paths,
        laterOverPsql: laterTenants.median / baseline.median,
        firstOverLater: firstTenant.median / laterTenants.median,
        firstOverPsql: firstTenant.median / baseline.median,
      };
    }),
  };
}

/** One createTenant, timed alone; the tenant is removed again afterwards. */
async function createWay(
  way: Exclude<Way, 'psql'>,
  url: string,
  admin: DatabaseAdmin,
  tenant: { schemaName: string; username: string },
  tables: number,
  laterProvider: ReturnType<typeof migrationProvider>,
  round: number,
  onPath: (path: string) => void,
): Promise<number> {
  // The first tenant of a migration set: an admin and migration names never seen before.
  const creator = way === 'first' ? new DatabaseAdmin(url, { scramIterations: 4096 }) : admin;
  try {
    // Opens the fresh admin's connection and reads the server's facts, so the timing holds only the create.
    await creator.serverInfo();
    const migrations = way === 'first' ? migrationProvider(realisticSchemaMigrations(tables, `_s${tables}_first${round}`)) : laterProvider;
    const started = performance.now();
    const credentials = await creator.createTenant(tenant, { migrations });
    const ms = performance.now() - started;
    onPath(reportedPath(credentials));
    await creator.removeTenant(tenant);
    return ms;
  } finally {
    if (creator !== admin) await creator.close();
  }
}
