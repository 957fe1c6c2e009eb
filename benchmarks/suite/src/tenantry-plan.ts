import { parseTenantSpec, planToScript, type ServerFacts } from '@tenantry/sql';
import { PostgresDialect } from '@tenantry/sql/postgres';

const dialect = new PostgresDialect();

/** The facts of a superuser admin on PostgreSQL 18, in `database`. */
function factsFor(database: string): ServerFacts {
  return { versionNum: 180000, version: '18', database, adminRole: 'postgres', isSuperuser: true, missingToCreate: [], extensions: [] };
}

/**
 * Tenantry's create plan as one script, built as `DatabaseAdmin.createTenant`
 * builds it: the input parsed into a spec, then the dialect's plan.
 */
export function tenantryCreateScript(tenant: { schemaName: string; username: string }, database: string, verifier: string, createdAt?: Date): string {
  const spec = parseTenantSpec(tenant, dialect);
  return planToScript(dialect.planCreateTenant({ tenant: spec, passwordSecret: verifier, requirePreparedDatabase: true, createdAt }, factsFor(database)));
}
