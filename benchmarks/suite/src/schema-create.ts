/**
 * Issue 12's baseline: creating a tenant that carries the benchmark schema
 * (realistic-schema.ts), interleaved in rounds:
 * - Tenantry: `createTenant({ migrations })`, as it runs today (the 31
 *   migrations one by one, as the tenant, in the creating transaction);
 * - psql: the same DDL (schema, then every statement with the search_path on
 *   it) sent as one query, one round trip, timed by psql's `\timing`;
 * both on the same server, in the same run. Each tenant is removed again.
 */
import { performance } from 'node:perf_hooks';
import { DatabaseAdmin } from '@tenantry/admin';
import { PsqlSession } from './psql-session.js';
import { realisticSchemaMigrations, realisticSchemaStatements } from '@tenantry/testing';
import { ident, migrationProvider } from './statement-migrations.js';
import { summarize } from './stats.js';
import { tenantName, withClient } from './setup.js';

export interface SchemaCreateComparison {
  rounds: number;
  statements: number;
  migrations: number;
  /** ms per tenant: median and p95. */
  tenantry: { median: number; p95: number };
  psql: { median: number; p95: number };
  /** Tenantry's median over psql's. */
  ratio: number;
}

export async function compareSchemaCreate(url: string, rounds: number): Promise<SchemaCreateComparison> {
  const statements = realisticSchemaStatements();
  const migrations = migrationProvider(realisticSchemaMigrations());
  const admin = new DatabaseAdmin(url, { scramIterations: 4096 });
  const psql = new PsqlSession(url);
  const tenantry: number[] = [];
  const baseline: number[] = [];
  try {
    await admin.prepare();
    for (let round = 0; round < rounds + 1; round++) {
      const tenant = tenantName('schema', 'st', round);
      const started = performance.now();
      await admin.createTenant(tenant, { migrations });
      const tenantryMs = performance.now() - started;
      await admin.removeTenant(tenant);

      const schema = tenantName('schema', 'sp', round).schemaName;
      const psqlMs = await psql.run([`CREATE SCHEMA ${ident(schema)}`, `SET LOCAL search_path = ${ident(schema)}`, ...statements.flat()]);
      await withClient(url, (client) => client.query(`DROP SCHEMA ${ident(schema)} CASCADE`));
      if (round > 0) {
        // The first round warms both up.
        tenantry.push(tenantryMs);
        baseline.push(psqlMs);
      }
    }
  } finally {
    await psql.close();
    await admin.close();
  }
  const t = summarize(tenantry);
  const p = summarize(baseline);
  return {
    rounds,
    statements: statements.flat().length,
    migrations: statements.length,
    tenantry: { median: t.median, p95: t.p95 },
    psql: { median: p.median, p95: p.p95 },
    ratio: t.median / p.median,
  };
}
