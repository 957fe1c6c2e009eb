import { describe, expect, it } from 'vitest';
import { scramSha256Verifier } from '@tenantry/core';
import { Statement } from '../../statement.js';
import type { ServerFacts } from '../dialect.js';
import { createDialect, dialectForServer } from '../dialect-registry.js';
import { parseTenantSpec } from '../tenant-spec.js';
import { CitusDialect } from './citus-dialect.js';
import { onEveryWorkerStep } from './citus-worker-commands.js';

const facts: ServerFacts = { versionNum: 150020, version: '150020', database: 'app', adminRole: 'postgres', isSuperuser: true, missingToCreate: [], extensions: ['citus', 'plpgsql'] };

describe('the Citus dialect (golden: the live proof is the admin Citus lane)', () => {
  it('is what the registry picks for PostgreSQL with the citus extension, and only then', () => {
    const postgres = createDialect('postgres');
    expect(dialectForServer(postgres, facts).name).toBe('citus');
    expect(dialectForServer(postgres, { ...facts, extensions: ['plpgsql'] })).toBe(postgres);
    expect(dialectForServer(createDialect('mysql'), facts).name).toBe('mysql');
  });

  it('creates under the locks, checks the names on every worker, then makes the schema distributed', async () => {
    const dialect = new CitusDialect();
    const tenant = parseTenantSpec({ schemaName: 'tenant_acme', username: 'acme_user' }, dialect);
    const plan = dialect.planCreateTenant({ tenant, passwordSecret: await scramSha256Verifier('pw', { iterations: 1 }), requirePreparedDatabase: true }, facts);
    const shape = plan.steps.map((step) => (step.kind === 'check' ? step.purpose : step.kind === 'run' ? step.statements[0]!.text : step.statement.purpose));
    expect(shape.slice(0, 3)).toEqual(['SET LOCAL search_path = pg_catalog, pg_temp', 'neither name is taken on any worker', 'SET LOCAL citus.enable_schema_based_sharding = on']);
    const check = plan.steps[1]!;
    expect(check.kind === 'check' && check.query.sql).toContain('pg_catalog.run_command_on_workers($1)');
    expect(check.kind === 'check' && check.query.parameters[0]).toBe(
      "SELECT (SELECT count(*) FROM pg_catalog.pg_roles WHERE rolname = 'acme_user')::text || ',' || (SELECT count(*) FROM pg_catalog.pg_namespace WHERE nspname = 'tenant_acme')::text",
    );
  });

  it("prints prepare's statements on every worker, and never sends a statement with a secret there", () => {
    const plan = new CitusDialect().planPrepareOffline(facts, { keepPublicFor: [] }).plan;
    expect(plan.statements.map((statement) => statement.text)).toEqual([
      'REVOKE ALL ON SCHEMA public FROM PUBLIC',
      "SELECT w.nodename::text AS nodename, w.nodeport::int AS nodeport, w.success, w.result FROM pg_catalog.run_command_on_workers('REVOKE ALL ON SCHEMA public FROM PUBLIC') w",
    ]);
    const secret = new Statement('set a password', "ALTER ROLE x PASSWORD 'SCRAM-SHA-256$4096:...'", "ALTER ROLE x PASSWORD '[redacted]'");
    expect(() => onEveryWorkerStep(secret)).toThrow(/never goes to run_command_on_workers/);
  });
});
