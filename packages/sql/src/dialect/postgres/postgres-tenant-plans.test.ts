import { inspect } from 'node:util';
import { scramSha256Verifier, ValidationError } from '@tenantry/core';
import { describe, expect, it } from 'vitest';
import type { TenantConfig } from '@tenantry/core';
import { executablePlan } from '../../executable-plan.js';
import { validatePageLimit } from '../../page-size.js';
import { formatPlan, planToScript } from '../../plan.js';
import { decodeRoleMarker, decodeSchemaMarker } from '../../tenant-marker.js';
import type { ServerFacts } from '../dialect.js';
import { parseTenantNames, parseTenantSpec } from '../tenant-spec.js';
import { listTenantsQuery } from './postgres-catalog-queries.js';
import { PostgresDialect } from './postgres-dialect.js';
import { prepareDatabaseSteps } from './postgres-prepare-statements.js';

// Golden tests of the PostgreSQL plans, built as `DatabaseAdmin` builds them:
// the input parsed into a spec, the server's facts given.
const dialect = new PostgresDialect();

function factsFor(over: Partial<ServerFacts> = {}): ServerFacts {
  return { versionNum: 180000, version: '180000', database: 'app', adminRole: 'admin', isSuperuser: true, missingToCreate: [], extensions: [], ...over };
}

function planCreateTenant(spec: TenantConfig & { passwordVerifier: string; database: string; createdAt?: Date; requirePreparedDatabase?: boolean }) {
  const { passwordVerifier, database, createdAt, requirePreparedDatabase = true, ...config } = spec;
  const tenant = parseTenantSpec(config, dialect);
  return dialect.planCreateTenant({ tenant, passwordSecret: passwordVerifier, requirePreparedDatabase, createdAt }, factsFor({ database }));
}

/** A remove plan; `nonSuperuserAdmin` is the admin's role when it is not superuser. */
function planRemoveTenant(spec: { schemaName: string; username: string; nonSuperuserAdmin?: string; dropOwnedInOtherDatabases?: boolean }, versionNum = 180000) {
  const admin = { isSuperuser: spec.nonSuperuserAdmin === undefined, adminRole: spec.nonSuperuserAdmin ?? 'admin', versionNum };
  return dialect.planRemoveTenant({ ...parseTenantNames(spec, dialect.rules), dropOwnedInOtherDatabases: spec.dropOwnedInOtherDatabases ?? false }, factsFor(admin));
}

function planRotatePassword(
  spec: { schemaName: string; username: string; passwordVerifier: string; validUntil?: Date | null; terminateSessions?: boolean; nonSuperuserAdmin?: string },
  versionNum = 180000,
) {
  const admin = { isSuperuser: spec.nonSuperuserAdmin === undefined, adminRole: spec.nonSuperuserAdmin ?? 'admin', versionNum };
  const names = parseTenantNames(spec, dialect.rules);
  return dialect.planRotatePassword({ ...names, passwordSecret: spec.passwordVerifier, validUntil: spec.validUntil, terminateSessions: spec.terminateSessions ?? false }, factsFor(admin));
}

const verifier = await scramSha256Verifier('correct horse battery staple', { iterations: 4096 });
const createdAt = new Date('2026-01-02T03:04:05.000Z');

describe('planCreateTenant', () => {
  const plan = planCreateTenant({ schemaName: 'tenant_acme', username: 'acme_user', passwordVerifier: verifier, database: 'app', createdAt });

  it('pins the statements, in order, with every identifier quoted', () => {
    expect(plan.action).toBe('create-tenant');
    expect(plan.statements.map((s) => s.text)).toEqual([
      'SET LOCAL search_path = pg_catalog, pg_temp',
      expect.stringMatching(/^SELECT pg_advisory_xact_lock\(-?\d+\), pg_advisory_xact_lock\(-?\d+\)$/),
      `SELECT pg_catalog.set_config('tenantry.schema_name', 'tenant_acme', true), pg_catalog.set_config('tenantry.username', 'acme_user', true)`,
      expect.stringMatching(
        /^DO \$tenantry\$ BEGIN IF pg_catalog\.has_schema_privilege\('public', pg_catalog\.to_regnamespace\('public'\), 'USAGE, CREATE'\) THEN RAISE EXCEPTION .* USING ERRCODE = 'TRY01'; END IF; IF pg_catalog\.to_regrole\(.* USING ERRCODE = 'TRY02'; END IF; END \$tenantry\$$/,
      ),
      `CREATE ROLE "acme_user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT -1 PASSWORD '[redacted SCRAM-SHA-256 verifier]'`,
      'CREATE SCHEMA "tenant_acme"',
      'GRANT USAGE, CREATE ON SCHEMA "tenant_acme" TO "acme_user"',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA "tenant_acme" GRANT ALL ON TABLES TO "acme_user"',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA "tenant_acme" GRANT ALL ON SEQUENCES TO "acme_user"',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA "tenant_acme" GRANT ALL ON FUNCTIONS TO "acme_user"',
      'ALTER DEFAULT PRIVILEGES IN SCHEMA "tenant_acme" GRANT ALL ON TYPES TO "acme_user"',
      'ALTER ROLE "acme_user" IN DATABASE "app" SET search_path = "tenant_acme"',
      `COMMENT ON SCHEMA "tenant_acme" IS 'tenantry:{"v":1,"role":"acme_user","createdAt":"2026-01-02T03:04:05.000Z"}'`,
      `COMMENT ON ROLE "acme_user" IS 'tenantry:{"v":1,"schema":"tenant_acme","database":"app"}'`,
    ]);
  });

  it('puts the verifier only in the executable SQL, never in what prints', () => {
    const createRole = plan.statements.find((s) => s.text.startsWith('CREATE ROLE'))!;
    expect(createRole.sql).toContain(`PASSWORD '${verifier}'`);
    expect(createRole.hasSecret).toBe(true);
    expect(planToScript(plan)).toContain(verifier);
    for (const printable of [formatPlan(plan), inspect(plan, { depth: 10 }), JSON.stringify(plan), String(createRole.text)]) {
      expect(printable).not.toContain(verifier);
      expect(printable).not.toContain('SCRAM-SHA-256$');
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(plan)).toBe(true);
    expect(Object.isFrozen(plan.statements)).toBe(true);
    expect(Object.isFrozen(plan.statements[0])).toBe(true);
  });

  it('quotes hostile names so they stay one identifier, and escapes markers', () => {
    const hostile = planCreateTenant({
      schemaName: `t"; DROP SCHEMA public; --`,
      username: `o'brien`,
      passwordVerifier: verifier,
      database: 'app',
      createdAt,
    });
    const texts = hostile.statements.map((s) => s.text);
    expect(texts).toContain('CREATE SCHEMA "t""; DROP SCHEMA public; --"');
    // Names reach the guard as escaped literals, never inside the dollar-quoted body.
    expect(texts).toContain(
      `SELECT pg_catalog.set_config('tenantry.schema_name', 't"; DROP SCHEMA public; --', true), pg_catalog.set_config('tenantry.username', 'o''brien', true)`,
    );
    expect(texts).toContain(`GRANT USAGE, CREATE ON SCHEMA "t""; DROP SCHEMA public; --" TO "o'brien"`);
    expect(texts.find((t) => t.startsWith('COMMENT ON ROLE'))).toBe(
      `COMMENT ON ROLE "o'brien" IS E'tenantry:{"v":1,"schema":"t\\\\"; DROP SCHEMA public; --","database":"app"}'`,
    );
    const schemaComment = texts.find((t) => t.startsWith('COMMENT ON SCHEMA'))!;
    expect(schemaComment).toContain(`"role":"o''brien"`);
  });

  it('omits the prepared-database guard only when asked', () => {
    const unguarded = planCreateTenant({
      schemaName: 's',
      username: 'u',
      passwordVerifier: verifier,
      database: 'app',
      requirePreparedDatabase: false,
    });
    const guard = unguarded.statements.find((s) => s.text.startsWith('DO '))!;
    expect(guard.text).not.toContain('TRY01');
    expect(guard.text).toContain('TRY02'); // the role-shadowing check always stays
  });

  it('refuses a plaintext password, and invalid names while parsing the spec', () => {
    expect(() =>
      planCreateTenant({ schemaName: 's', username: 'u', passwordVerifier: 'hunter2', database: 'app' }),
    ).toThrow(/plaintext passwords are refused/);
    expect(() => planCreateTenant({ schemaName: 'pg_x', username: 'u', passwordVerifier: verifier, database: 'app' })).toThrow(
      ValidationError,
    );
    expect(() => planCreateTenant({ schemaName: 's', username: 'public', passwordVerifier: verifier, database: 'app' })).toThrow(
      ValidationError,
    );
  });

  it('writes markers that decode back to the tenant', () => {
    const texts = plan.statements.map((s) => s.text);
    const literal = (prefix: string) => /IS '(.*)'$/.exec(texts.find((t) => t.startsWith(prefix))!)![1]!.replace(/''/g, "'");
    expect(decodeSchemaMarker(literal('COMMENT ON SCHEMA'))).toEqual({ v: 1, role: 'acme_user', createdAt: createdAt.toISOString() });
    expect(decodeRoleMarker(literal('COMMENT ON ROLE'))).toEqual({ v: 1, schema: 'tenant_acme', database: 'app' });
    expect(decodeSchemaMarker('just a comment')).toBeUndefined();
    expect(decodeSchemaMarker('tenantry:{not json')).toBeUndefined();
  });
});

describe('planRemoveTenant', () => {
  it("ends the role's sessions, drops the schema, what the role owns here, ends sessions opened since, then drops the role", () => {
    const plan = planRemoveTenant({ schemaName: 'tenant_acme', username: 'acme_user' });
    const terminate = (wait: number) =>
      `SELECT pg_catalog.pg_terminate_backend(a.pid, ${wait}) FROM pg_catalog.pg_stat_activity a JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid WHERE r.rolname = 'acme_user' AND a.pid <> pg_catalog.pg_backend_pid()`;
    expect(plan.statements.map((s) => s.text)).toEqual([
      'SET LOCAL search_path = pg_catalog, pg_temp',
      expect.stringMatching(/^SELECT pg_advisory_xact_lock/),
      expect.stringMatching(/^SELECT t\.\*, .* AS elsewhere FROM \(.*pg_catalog\.quote_ident\('tenant_acme'\).*\) t$/s),
      terminate(5000),
      `SELECT pg_catalog.set_config('tenantry.credentials_of', 'acme_user', true), pg_catalog.set_config('tenantry.admin', '', true)`,
      expect.stringMatching(/^DO \$tenantry\$ .* LOOP .*DROP OWNED BY %I.*DROP ROLE %I.* END LOOP; END \$tenantry\$$/),
      'DROP SCHEMA "tenant_acme" CASCADE',
      'DROP OWNED BY "acme_user"',
      terminate(0),
      'DROP ROLE "acme_user"',
    ]);
    // Its check stands between the locks and the drops, in the same transaction: one catalog read, plain SQL, sent with the locks.
    expect(plan.atomicity).toBe('transaction');
    expect(plan.steps.map((step) => step.kind)).toEqual(['run', 'check', 'run']);
    const check = plan.statements[2]!;
    expect(check.purpose).toBe('the tenant is a whole Tenantry tenant the admin may drop');
    const step = plan.steps[1]!;
    expect(step.kind === 'check' && step.query.parameters).toEqual([]);
    expect(check.text).toContain('pg_catalog.pg_shdepend');
    // A caller that drops what the role has elsewhere first does not stop on it.
    const optedIn = planRemoveTenant({ schemaName: 'tenant_acme', username: 'acme_user', dropOwnedInOtherDatabases: true });
    expect(optedIn.steps.map((step) => step.kind)).toEqual(['run', 'check', 'run']);
    expect(optedIn.statements[2]!.text).not.toContain('pg_catalog.pg_shdepend');
    // Names reach the check as escaped literals.
    const quoted = planRemoveTenant({ schemaName: "it's", username: 'a"b' }).statements[2]!.text;
    expect(quoted).toContain(`pg_catalog.quote_ident('it''s')`);
    expect(quoted).toContain(`pg_catalog.quote_ident('a"b')`);
  });

  it('takes the same locks as create, in the same order', () => {
    const create = planCreateTenant({ schemaName: 'a', username: 'b', passwordVerifier: verifier, database: 'app' });
    const remove = planRemoveTenant({ schemaName: 'a', username: 'b' });
    const lockOf = (plan: typeof create) => plan.statements.find((s) => s.text.includes('pg_advisory_xact_lock'))!.text;
    expect(lockOf(remove)).toBe(lockOf(create));
  });
});

describe('the prepare plan', () => {
  const planPrepareDatabase = (spec: { publicPrivileges: string[]; grantUsageTo: string[] }) => executablePlan('prepare-database', 'transaction', prepareDatabaseSteps(spec));

  it('revokes from PUBLIC and keeps named roles, or does nothing when nothing is needed', () => {
    const plan = planPrepareDatabase({ publicPrivileges: ['CREATE', 'USAGE'], grantUsageTo: ['app', 'Reporting Role'] });
    expect(plan.statements.map((s) => s.text)).toEqual([
      'REVOKE ALL ON SCHEMA public FROM PUBLIC',
      'GRANT USAGE ON SCHEMA public TO "app", "Reporting Role"',
    ]);
    expect(planPrepareDatabase({ publicPrivileges: [], grantUsageTo: [] }).statements).toEqual([]);
  });
});

describe('the listing query', () => {
  it('binds the cursor and limit as parameters', () => {
    const query = listTenantsQuery({ limit: 50, after: `x' OR 1=1 --` });
    expect(query.parameters).toContain(`x' OR 1=1 --`);
    expect(query.parameters).toContain(50);
    expect(query.sql).not.toContain('OR 1=1');
  });

  it('rejects out-of-range page sizes', () => {
    expect(() => validatePageLimit(0)).toThrow(ValidationError);
    expect(() => validatePageLimit(10_001)).toThrow(ValidationError);
    expect(validatePageLimit(undefined)).toBe(100);
  });
});

describe('planRemoveTenant for an admin that is not superuser', () => {
  it('grants the admin the tenant role before ending its sessions and DROP OWNED BY, with INHERIT on PostgreSQL 16+', async () => {
    const spec = { schemaName: 'tenant_acme', username: 'acme_user', nonSuperuserAdmin: 'cloud admin' };
    const texts16 = planRemoveTenant(spec, 160000).statements.map((s) => s.text);
    expect(texts16.slice(3)).toEqual([
      'GRANT "acme_user" TO "cloud admin" WITH INHERIT TRUE, SET FALSE',
      expect.stringMatching(/^SELECT pg_catalog\.pg_terminate_backend\(a\.pid, 5000\)/),
      `SELECT pg_catalog.set_config('tenantry.credentials_of', 'acme_user', true), pg_catalog.set_config('tenantry.admin', 'cloud admin', true)`,
      expect.stringMatching(/^DO \$tenantry\$ .*GRANT %I TO %I WITH INHERIT TRUE, SET FALSE.*DROP ROLE %I/),
      'DROP SCHEMA "tenant_acme" CASCADE',
      'DROP OWNED BY "acme_user"',
      expect.stringMatching(/^SELECT pg_catalog\.pg_terminate_backend\(a\.pid, 0\)/),
      'DROP ROLE "acme_user"',
    ]);
    const texts15 = planRemoveTenant(spec, 150004).statements.map((s) => s.text);
    expect(texts15).toContain('GRANT "acme_user" TO "cloud admin"');
  });
});

describe('creation options in planCreateTenant', () => {
  it('spells out limit, expiry, settings, grants and labels, all quoted', () => {
    const plan = planCreateTenant({
      schemaName: 'tenant_acme',
      username: 'acme_user',
      passwordVerifier: verifier,
      database: 'app',
      createdAt,
      connectionLimit: 5,
      validUntil: new Date('2030-01-01T00:00:00.000Z'),
      settings: { statement_timeout: "5s'; DROP ROLE x; --" },
      memberOf: ['read "only"'],
      grantTo: ['reporting'],
      labels: { tier: "gold's" },
    });
    const texts = plan.statements.map((s) => s.text);
    expect(texts).toContain(
      `CREATE ROLE "acme_user" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE INHERIT NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 5 VALID UNTIL '2030-01-01T00:00:00.000Z' PASSWORD '[redacted SCRAM-SHA-256 verifier]'`,
    );
    expect(texts).toContain(`ALTER ROLE "acme_user" IN DATABASE "app" SET statement_timeout = '5s''; DROP ROLE x; --'`);
    expect(texts).toContain('GRANT "read ""only""" TO "acme_user"');
    expect(texts).toContain('GRANT "acme_user" TO "reporting"');
    expect(texts.find((t) => t.startsWith('COMMENT ON SCHEMA'))).toContain(`"labels":{"tier":"gold''s"}`);
  });

  it('refuses setting names that are not identifiers while parsing the spec (they are spliced as identifiers)', () => {
    expect(() =>
      planCreateTenant({ schemaName: 's', username: 'u', passwordVerifier: verifier, database: 'app', settings: { 'x = 1; DROP': 'y' } }),
    ).toThrow(ValidationError);
  });
});

describe('planRotatePassword', () => {
  it('sets the verifier (redacted in print), optionally ends sessions with a borrowed membership', async () => {
    const plan = planRotatePassword(
      { schemaName: 'tenant_acme', username: 'acme_user', passwordVerifier: verifier, validUntil: null, terminateSessions: true, nonSuperuserAdmin: 'cloud' },
      170000,
    );
    const texts = plan.statements.map((s) => s.text);
    expect(texts.slice(2)).toEqual([
      `ALTER ROLE "acme_user" WITH PASSWORD '[redacted SCRAM-SHA-256 verifier]' VALID UNTIL 'infinity'`,
      'GRANT "acme_user" TO "cloud" WITH INHERIT TRUE, SET FALSE',
      `SELECT pg_catalog.pg_terminate_backend(a.pid, 0) FROM pg_catalog.pg_stat_activity a JOIN pg_catalog.pg_roles r ON r.oid = a.usesysid WHERE r.rolname = 'acme_user' AND a.pid <> pg_catalog.pg_backend_pid()`,
      'REVOKE "acme_user" FROM "cloud"',
    ]);
    // It says how it runs: one transaction; the catalog check sits between the locks and the changes.
    expect(plan.atomicity).toBe('transaction');
    expect(plan.steps.map((step) => step.kind)).toEqual(['run', 'check', 'run']);
    expect(formatPlan(plan)).not.toContain(verifier);
    expect(planToScript(plan)).toContain(verifier);
    expect(() => planRotatePassword({ schemaName: 's', username: 'u', passwordVerifier: 'plain' })).toThrow(/plaintext/);
  });
});
