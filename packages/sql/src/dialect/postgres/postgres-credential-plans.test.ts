import { describe, expect, it } from 'vitest';
import { scramSha256Verifier, ValidationError } from '@tenantry/core';
import { PostgresDialect } from './postgres-dialect.js';
import { parseTenantNames } from '../tenant-spec.js';
import type { ServerFacts } from '../dialect.js';

const dialect = new PostgresDialect();
const credentials = dialect.credentials;
const verifier = await scramSha256Verifier('correct horse battery staple', { iterations: 4096 });
const tenant = parseTenantNames({ schemaName: 'tenant_acme', username: 'acme_user' }, dialect.rules);

function facts(versionNum: number, adminRole?: string): ServerFacts {
  return { versionNum, version: String(versionNum), database: 'app', adminRole: adminRole ?? 'admin', isSuperuser: adminRole === undefined, missingToCreate: [], extensions: [] };
}

describe('the credential plans', () => {
  const credential = credentials.newCredentialName();
  const validUntil = new Date('2026-01-02T04:04:05.000Z');
  const createdAt = new Date('2026-01-02T03:04:05.000Z');

  it('names credentials in a recognisable form, and refuses any other name given back', () => {
    expect(credential).toMatch(/^tenantry_cred_[a-z0-9]{20}$/);
    expect(credentials.newCredentialName()).not.toBe(credential);
    expect(credentials.validateCredentialName(credential)).toBe(credential);
    for (const bad of ['acme_user', 'tenantry_cred_ABCDEFGHIJKLMNOPQRST', `${credential}x`, 'tenantry_cred_"x', 42, undefined]) {
      expect(() => credentials.validateCredentialName(bad)).toThrow(ValidationError);
    }
  });

  it('issues with statements only (one round trip): lock, server-side check, then the role, quoted, its verifier redacted', () => {
    const plan = credentials.planIssue({ tenant, credential, passwordSecret: verifier, validUntil, createdAt }, facts(180000));
    expect(plan.steps.every((step) => step.kind === 'run')).toBe(true);
    expect(plan.statements.map((s) => s.text)).toEqual([
      'SET LOCAL search_path = pg_catalog, pg_temp',
      expect.stringMatching(/^SELECT pg_advisory_xact_lock\(-?\d+\), pg_advisory_xact_lock\(-?\d+\)$/),
      `SELECT pg_catalog.set_config('tenantry.schema_name', 'tenant_acme', true), pg_catalog.set_config('tenantry.username', 'acme_user', true)`,
      expect.stringMatching(/^DO \$tenantry\$ .*'TRY05'.*'TRY06'.*'TRY07'.* END \$tenantry\$$/),
      `CREATE ROLE "${credential}" WITH LOGIN NOINHERIT NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS VALID UNTIL '2026-01-02T04:04:05.000Z' PASSWORD '[redacted SCRAM-SHA-256 verifier]'`,
      `GRANT "acme_user" TO "${credential}" WITH SET TRUE, INHERIT FALSE`,
      `ALTER ROLE "${credential}" SET role = 'acme_user'`,
      `ALTER ROLE "${credential}" IN DATABASE "app" SET search_path = "tenant_acme"`,
      `SELECT pg_catalog.set_config('tenantry.settings_from', 'acme_user', true), pg_catalog.set_config('tenantry.settings_to', '${credential}', true)`,
      expect.stringMatching(/^DO \$tenantry\$ .*pg_db_role_setting.* END \$tenantry\$$/),
      `COMMENT ON ROLE "${credential}" IS 'tenantry:{"v":1,"credentialFor":"acme_user","schema":"tenant_acme","database":"app","createdAt":"2026-01-02T03:04:05.000Z"}'`,
    ]);
    const create = plan.statements[4]!;
    expect(create.sql).toContain(verifier);
    expect(JSON.stringify(plan)).not.toContain(verifier);
    // Before PostgreSQL 16 a membership has no options: NOINHERIT on the role does it.
    const plan15 = credentials.planIssue({ tenant, credential, passwordSecret: verifier, validUntil, createdAt }, facts(150004));
    expect(plan15.statements.map((s) => s.text)).toContain(`GRANT "acme_user" TO "${credential}"`);
  });

  it('refuses a plaintext password', () => {
    expect(() => credentials.planIssue({ tenant, credential, passwordSecret: 'plaintext', validUntil, createdAt }, facts(180000))).toThrow(ValidationError);
  });

  it('revokes in two plans: no login first, then sessions ended and the role dropped, each after a server-side check', () => {
    const disable = credentials.planDisable(tenant, credential, facts(180000)).statements.map((s) => s.text);
    expect(disable.slice(2)).toEqual([
      `SELECT pg_catalog.set_config('tenantry.schema_name', 'tenant_acme', true), pg_catalog.set_config('tenantry.username', 'acme_user', true), pg_catalog.set_config('tenantry.credential', '${credential}', true)`,
      expect.stringMatching(/^DO \$tenantry\$ .*'TRY08'.* END \$tenantry\$$/),
      `ALTER ROLE "${credential}" NOLOGIN`,
    ]);
    const drop = credentials.planDrop(tenant, credential, facts(160000, 'cloud admin')).statements.map((s) => s.text);
    expect(drop.slice(4)).toEqual([
      `GRANT "${credential}" TO "cloud admin" WITH INHERIT TRUE, SET FALSE`,
      expect.stringMatching(/^SELECT pg_catalog\.pg_terminate_backend\(a\.pid, 5000\)/),
      `DROP OWNED BY "${credential}"`,
      `DROP ROLE "${credential}"`,
    ]);
  });
});
