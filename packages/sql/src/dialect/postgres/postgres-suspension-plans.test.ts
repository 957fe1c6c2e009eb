import { describe, expect, it } from 'vitest';
import { PostgresDialect } from './postgres-dialect.js';
import { parseTenantNames } from '../tenant-spec.js';
import type { ServerFacts } from '../dialect.js';

const dialect = new PostgresDialect();
const suspension = dialect.suspension;
const tenant = parseTenantNames({ schemaName: 'tenant_acme', username: 'acme_user' }, dialect.rules);

function facts(versionNum: number, adminRole?: string): ServerFacts {
  return { versionNum, version: String(versionNum), database: 'app', adminRole: adminRole ?? 'admin', isSuperuser: adminRole === undefined, missingToCreate: [], extensions: [] };
}

describe('the suspension plans', () => {
  it('suspends: NOLOGIN, the marker patched with who and when, the credentials NOLOGIN; sessions end in a plan of their own', () => {
    const texts = suspension.planSuspend(tenant, { by: 'admin', since: '2026-01-02T03:04:05.000Z' }, facts(180000)).statements.map((s) => s.text);
    expect(texts.slice(4)).toEqual([
      'ALTER ROLE "acme_user" NOLOGIN',
      `SELECT pg_catalog.set_config('tenantry.marker_role', 'acme_user', true), pg_catalog.set_config('tenantry.marker_patch', '{"suspended":{"by":"admin","since":"2026-01-02T03:04:05.000Z"}}', true)`,
      expect.stringMatching(/^DO \$tenantry\$ .*COMMENT ON ROLE %I IS %L.* END \$tenantry\$$/),
      `SELECT pg_catalog.set_config('tenantry.credentials_of', 'acme_user', true), pg_catalog.set_config('tenantry.admin', '', true)`,
      expect.stringMatching(/^DO \$tenantry\$ .*ALTER ROLE %I NOLOGIN.* END \$tenantry\$$/),
    ]);
    expect(texts.join('\n')).not.toMatch(/pg_terminate_backend/);
    const end = suspension.planEndSessions(tenant, facts(150004, 'cloud admin')).statements.map((s) => s.text);
    expect(end.slice(2)).toEqual([
      'GRANT "acme_user" TO "cloud admin"',
      expect.stringMatching(/^SELECT pg_catalog\.pg_terminate_backend\(a\.pid, 5000\)/),
      'REVOKE "acme_user" FROM "cloud admin"',
      `SELECT pg_catalog.set_config('tenantry.credentials_of', 'acme_user', true), pg_catalog.set_config('tenantry.admin', 'cloud admin', true)`,
      expect.stringMatching(/^DO \$tenantry\$ .*GRANT %I TO %I'.*pg_terminate_backend.*REVOKE %I FROM %I.* END \$tenantry\$$/),
    ]);
  });

  it('resumes: LOGIN, the mark removed, unexpired credentials LOGIN', () => {
    const texts = suspension.planResume(tenant, facts(180000)).statements.map((s) => s.text);
    expect(texts.slice(4)).toEqual([
      'ALTER ROLE "acme_user" LOGIN',
      `SELECT pg_catalog.set_config('tenantry.marker_role', 'acme_user', true), pg_catalog.set_config('tenantry.marker_patch', '{"suspended":null}', true)`,
      expect.stringMatching(/^DO \$tenantry\$ /),
      expect.stringMatching(/^SELECT pg_catalog\.set_config\('tenantry\.credentials_of'/),
      expect.stringMatching(/^DO \$tenantry\$ .*valid_until > pg_catalog\.now\(\) THEN EXECUTE pg_catalog\.format\('ALTER ROLE %I LOGIN'/),
    ]);
  });
});
