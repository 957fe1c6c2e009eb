import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { TenantNotFoundError, TenantNotManagedError, ValidationError } from '@tenantry/core';
import type { VerificationReport } from './database-admin-options.js';
import { connectAs, uniqueName, useAdminFixture, type AdminFixture } from './test-support/tenant-fixture.js';

const id = (name: string) => pg.escapeIdentifier(name);
const lit = (text: string) => pg.escapeLiteral(text);

/** Every check, in report order. */
const CHECK_IDS = [
  'markers.intact',
  'role.can-login',
  'role.not-superuser',
  'role.no-createdb',
  'role.no-createrole',
  'role.no-replication',
  'role.no-bypassrls',
  'role.memberships',
  'role.search-path',
  'schema.owner',
  'schema.tenant-privileges',
  'schema.default-privileges',
  'schema.no-public-access',
  'schema.no-other-tenant-access',
  'schema.objects-owned-by-others',
  'role.objects-outside-schema',
];

function failing(report: VerificationReport): string[] {
  return report.checks.filter((check) => !check.ok).map((check) => check.id);
}

function detailOf(report: VerificationReport, checkId: string): string | undefined {
  return report.checks.find((check) => check.id === checkId)?.detail;
}

interface Tenant {
  schema: string;
  role: string;
}

/** What a case may use to break a tenant, and register for cleanup. */
interface BreakContext extends Tenant {
  fixture: AdminFixture;
  database: string;
  /** Creates a role that is dropped after the test. */
  extraRole(prefix: string): Promise<string>;
  /** A second tenant in the same database. */
  otherTenant(): Promise<Tenant>;
  /** The tenant's role will no longer be marked: drop it after the test. */
  dropAfter(): void;
}

interface BreakCase {
  promise: string;
  check: string;
  detail: RegExp;
  apply(context: BreakContext): Promise<unknown>;
}

describe('verifyTenant', () => {
  const fixture = useAdminFixture();
  const extraRoles: string[] = [];
  const unmarkedTenants: Tenant[] = [];

  afterEach(async () => {
    const { superuser } = fixture();
    for (const tenant of unmarkedTenants.splice(0)) {
      await superuser.query(`DROP SCHEMA IF EXISTS ${id(tenant.schema)} CASCADE; DROP OWNED BY ${id(tenant.role)}; DROP ROLE ${id(tenant.role)}`);
    }
    for (const role of extraRoles.splice(0)) {
      await superuser.query(`DROP OWNED BY ${id(role)}; DROP ROLE ${id(role)}`);
    }
  });

  async function newTenant(username = uniqueName('vu')): Promise<Tenant> {
    const credentials = await fixture().admin.createTenant({ schemaName: uniqueName('vt'), username });
    return { schema: credentials.schemaName, role: credentials.username };
  }

  async function context(tenant: Tenant): Promise<BreakContext> {
    const f = fixture();
    return {
      ...tenant,
      fixture: f,
      database: f.database.name,
      extraRole: async (prefix) => {
        const role = uniqueName(prefix);
        await f.superuser.query(`CREATE ROLE ${id(role)} NOLOGIN`);
        extraRoles.push(role);
        return role;
      },
      otherTenant: () => newTenant(),
      dropAfter: () => void unmarkedTenants.push(tenant),
    };
  }

  it('passes every check for a fresh tenant', async () => {
    const { admin } = fixture();
    const tenant = await newTenant();
    const report = await admin.verifyTenant(tenant.schema);
    expect(report).toMatchObject({ schemaName: tenant.schema, username: tenant.role, ok: true });
    expect(report.checks.map((check) => check.id)).toEqual(CHECK_IDS);
    for (const check of report.checks) {
      expect(check, check.id).toEqual({ id: check.id, description: expect.any(String), ok: true });
      expect(check.description.length, check.id).toBeGreaterThan(10);
    }
  });

  const cases: BreakCase[] = [
    { promise: 'markers', check: 'markers.intact', detail: /carries no Tenantry marker/, apply: async (t) => {
      t.dropAfter();
      await t.fixture.superuser.query(`COMMENT ON ROLE ${id(t.role)} IS NULL`);
    } },
    { promise: 'markers (pointing elsewhere)', check: 'markers.intact', detail: /points to schema "elsewhere"/, apply: (t) =>
      t.fixture.superuser.query(
        `COMMENT ON ROLE ${id(t.role)} IS ${lit(`tenantry:${JSON.stringify({ v: 1, schema: 'elsewhere', database: t.database })}`)}`,
      ) },
    { promise: 'login', check: 'role.can-login', detail: /NOLOGIN/, apply: (t) => t.fixture.superuser.query(`ALTER ROLE ${id(t.role)} NOLOGIN`) },
    { promise: 'not superuser', check: 'role.not-superuser', detail: /SUPERUSER/, apply: (t) => t.fixture.superuser.query(`ALTER ROLE ${id(t.role)} SUPERUSER`) },
    { promise: 'no CREATEDB', check: 'role.no-createdb', detail: /CREATEDB/, apply: (t) => t.fixture.superuser.query(`ALTER ROLE ${id(t.role)} CREATEDB`) },
    { promise: 'no CREATEROLE', check: 'role.no-createrole', detail: /CREATEROLE/, apply: (t) => t.fixture.superuser.query(`ALTER ROLE ${id(t.role)} CREATEROLE`) },
    { promise: 'no REPLICATION', check: 'role.no-replication', detail: /REPLICATION/, apply: (t) => t.fixture.superuser.query(`ALTER ROLE ${id(t.role)} REPLICATION`) },
    { promise: 'no BYPASSRLS', check: 'role.no-bypassrls', detail: /BYPASSRLS/, apply: (t) => t.fixture.superuser.query(`ALTER ROLE ${id(t.role)} BYPASSRLS`) },
    { promise: 'no memberships', check: 'role.memberships', detail: /member of "vx_/, apply: async (t) => {
      const extra = await t.extraRole('vx');
      await t.fixture.superuser.query(`GRANT ${id(extra)} TO ${id(t.role)}`);
    } },
    { promise: 'search_path', check: 'role.search-path', detail: /search_path in this database is public\./, apply: (t) =>
      t.fixture.superuser.query(`ALTER ROLE ${id(t.role)} IN DATABASE ${id(t.database)} SET search_path = public`) },
    { promise: 'search_path (reset)', check: 'role.search-path', detail: /no search_path setting in this database \(for all databases it is public\)/, apply: (t) =>
      t.fixture.superuser.query(
        `ALTER ROLE ${id(t.role)} IN DATABASE ${id(t.database)} RESET search_path; ALTER ROLE ${id(t.role)} SET search_path = public`,
      ) },
    { promise: 'schema owned by the admin side', check: 'schema.owner', detail: /tenant owns its schema/, apply: (t) =>
      t.fixture.superuser.query(`ALTER SCHEMA ${id(t.schema)} OWNER TO ${id(t.role)}`) },
    { promise: 'schema owned by the admin side (another tenant)', check: 'schema.owner', detail: /another tenant's role/, apply: async (t) => {
      const other = await t.otherTenant();
      await t.fixture.superuser.query(`ALTER SCHEMA ${id(t.schema)} OWNER TO ${id(other.role)}`);
    } },
    { promise: 'USAGE and CREATE on its schema', check: 'schema.tenant-privileges', detail: /lacks CREATE on its schema/, apply: (t) =>
      t.fixture.superuser.query(`REVOKE CREATE ON SCHEMA ${id(t.schema)} FROM ${id(t.role)}`) },
    { promise: 'default privileges', check: 'schema.default-privileges', detail: /SELECT.* on tables\.$/, apply: (t) =>
      t.fixture.superuser.query(
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${id(t.fixture.adminRole)} IN SCHEMA ${id(t.schema)} REVOKE ALL ON TABLES FROM ${id(t.role)}`,
      ) },
    { promise: 'no access to public', check: 'schema.no-public-access', detail: /^The tenant has USAGE on schema public\.$/, apply: (t) =>
      t.fixture.superuser.query(`GRANT USAGE ON SCHEMA public TO ${id(t.role)}`) },
    { promise: "no access to other tenants' schemas", check: 'schema.no-other-tenant-access', detail: /another tenant's schema: "vt_\w+" \(USAGE\)\.$/, apply: async (t) => {
      const other = await t.otherTenant();
      await t.fixture.superuser.query(`GRANT USAGE ON SCHEMA ${id(other.schema)} TO ${id(t.role)}`);
    } },
    { promise: 'objects in its schema owned by it or the admin', check: 'schema.objects-owned-by-others', detail: /^Owned by other roles: table vt_\w+\.intruder \(owner "vx_\w+"\)\.$/, apply: async (t) => {
      const third = await t.extraRole('vx');
      await t.fixture.superuser.query(`CREATE TABLE ${id(t.schema)}.intruder (n int); ALTER TABLE ${id(t.schema)}.intruder OWNER TO ${id(third)}`);
    } },
    { promise: 'nothing owned outside its schema (table)', check: 'role.objects-outside-schema', detail: /^The role owns table vo_\w+\.stray\.$/, apply: async (t) => {
      const elsewhere = uniqueName('vo');
      await t.fixture.superuser.query(
        `CREATE SCHEMA ${id(elsewhere)}; CREATE TABLE ${id(elsewhere)}.stray (n int); ALTER TABLE ${id(elsewhere)}.stray OWNER TO ${id(t.role)}`,
      );
    } },
    { promise: 'nothing owned outside its schema (large object)', check: 'role.objects-outside-schema', detail: /^The role owns large object \d+\.$/, apply: async (t) => {
      const { rows } = await t.fixture.superuser.query<{ oid: number }>('SELECT pg_catalog.lo_create(0)::int AS oid');
      await t.fixture.superuser.query(`ALTER LARGE OBJECT ${rows[0]!.oid} OWNER TO ${id(t.role)}`);
    } },
  ];

  it.each(cases)('flags a broken promise: $promise ($check)', async (breakCase) => {
    const { admin } = fixture();
    const tenant = await newTenant();
    await breakCase.apply(await context(tenant));
    const report = await admin.verifyTenant(tenant.schema);
    expect(report.ok).toBe(false);
    expect(failing(report)).toEqual([breakCase.check]);
    expect(detailOf(report, breakCase.check)).toMatch(breakCase.detail);
  });

  it('still sees the grants of a superuser tenant, which has every privilege anyway', async () => {
    const { admin, superuser } = fixture();
    const tenant = await newTenant();
    const other = await newTenant();
    await superuser.query(`ALTER ROLE ${id(tenant.role)} SUPERUSER; GRANT CREATE ON SCHEMA ${id(other.schema)} TO ${id(tenant.role)}`);
    const report = await admin.verifyTenant(tenant.schema);
    expect(failing(report)).toEqual(['role.not-superuser', 'schema.no-other-tenant-access']);
    expect(detailOf(report, 'schema.no-other-tenant-access')).toContain(`"${other.schema}" (CREATE)`);
  });

  it("works out a superuser tenant's inherited privileges as PostgreSQL would without the attribute", async () => {
    const { admin, superuser } = fixture();
    const tenant = await newTenant();
    const reader = uniqueName('vx');
    await superuser.query(`CREATE ROLE ${id(reader)} NOLOGIN; GRANT USAGE ON SCHEMA public TO ${id(reader)}`);
    extraRoles.push(reader);
    await superuser.query(`ALTER ROLE ${id(tenant.role)} SUPERUSER; GRANT ${id(reader)} TO ${id(tenant.role)}`);
    const inherited = await admin.verifyTenant(tenant.schema);
    expect(failing(inherited)).toEqual(['role.not-superuser', 'role.memberships', 'schema.no-public-access']);

    // A membership that is not inherited gives no privileges: WITH INHERIT FALSE from 16 on, NOINHERIT on the member before.
    const version = Number((await superuser.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`)).rows[0]!.v);
    await superuser.query(
      version >= 160000
        ? `REVOKE ${id(reader)} FROM ${id(tenant.role)}; GRANT ${id(reader)} TO ${id(tenant.role)} WITH INHERIT FALSE`
        : `ALTER ROLE ${id(tenant.role)} NOINHERIT`,
    );
    const notInherited = await admin.verifyTenant(tenant.schema);
    expect(failing(notInherited)).toEqual(['role.not-superuser', 'role.memberships']);
  });

  it('counts privileges inherited through a membership', async () => {
    const { admin, superuser } = fixture();
    const tenant = await newTenant();
    const reader = uniqueName('vx');
    await superuser.query(`CREATE ROLE ${id(reader)} NOLOGIN; GRANT USAGE ON SCHEMA public TO ${id(reader)}; GRANT ${id(reader)} TO ${id(tenant.role)}`);
    extraRoles.push(reader);
    const report = await admin.verifyTenant(tenant.schema);
    expect(failing(report)).toEqual(['role.memberships', 'schema.no-public-access']);
    expect(detailOf(report, 'role.memberships')).toContain(`"${reader}"`);
    expect(detailOf(report, 'schema.no-public-access')).toBe('The tenant has USAGE on schema public.');
  });

  it("flags PUBLIC's grants on schema public, which every tenant holds", async () => {
    const { admin, superuser } = fixture();
    const tenant = await newTenant();
    await superuser.query('GRANT USAGE ON SCHEMA public TO PUBLIC');
    try {
      const report = await admin.verifyTenant(tenant.schema);
      expect(failing(report)).toEqual(['schema.no-public-access']);
      expect(detailOf(report, 'schema.no-public-access')).toBe(
        'The tenant has USAGE on schema public; PUBLIC still holds USAGE on schema public (run prepare).',
      );
    } finally {
      await superuser.query('REVOKE USAGE ON SCHEMA public FROM PUBLIC');
    }
  });

  it('names a sample of the schemas it can reach and counts the rest', async () => {
    const { admin, superuser } = fixture();
    const tenant = await newTenant();
    const others: Tenant[] = [];
    for (let i = 0; i < 12; i++) others.push(await newTenant());
    await superuser.query(others.map((other) => `GRANT USAGE, CREATE ON SCHEMA ${id(other.schema)} TO ${id(tenant.role)}`).join('; '));
    const report = await admin.verifyTenant(tenant.schema);
    expect(failing(report)).toEqual(['schema.no-other-tenant-access']);
    const detail = detailOf(report, 'schema.no-other-tenant-access')!;
    expect(detail).toMatch(/^The tenant can reach 12 other tenants' schemas: .* and 2 more\.$/);
    expect(detail.match(/\(USAGE, CREATE\)/g)).toHaveLength(10);
    // The others were not touched: each of them still verifies.
    expect((await admin.verifyTenant(others[0]!.schema)).ok).toBe(true);
  });

  it('verifies a role whose name needs JSON escapes in the marker', async () => {
    const { admin } = fixture();
    const tenant = await newTenant(`${uniqueName('vq')}"\\é`);
    const report = await admin.verifyTenant(tenant.schema);
    expect(report).toMatchObject({ username: tenant.role, ok: true });
  });

  it("takes the role from the decoded marker, never from the query's guess", async () => {
    const { admin, superuser } = fixture();
    const tenant = await newTenant();
    const decoy = await newTenant();
    // Valid JSON whose first "role":"..." is a label naming another tenant's role.
    const marker = `tenantry:{"v":1,"labels":{"role":${JSON.stringify(decoy.role)}},"role":${JSON.stringify(tenant.role)},"createdAt":"2026-01-01T00:00:00.000Z"}`;
    await superuser.query(`COMMENT ON SCHEMA ${id(tenant.schema)} IS ${lit(marker)}`);
    await superuser.query(`ALTER ROLE ${id(decoy.role)} SUPERUSER`);
    const report = await admin.verifyTenant(tenant.schema);
    expect(report).toMatchObject({ username: tenant.role, ok: true });
  });

  it('refuses an unknown schema, an unmanaged one, a bad name, and a marker whose role is gone', async () => {
    const { admin, superuser } = fixture();
    const rejection = (schema: string) => admin.verifyTenant(schema).then(() => undefined, (error: unknown) => error);
    const unknown = await rejection(uniqueName('nowhere'));
    expect(unknown).toBeInstanceOf(TenantNotFoundError);
    expect(unknown).toMatchObject({ objectKind: 'schema' });
    const plain = uniqueName('plain');
    const commented = uniqueName('commented');
    const orphan = uniqueName('orphan');
    await superuser.query(`CREATE SCHEMA ${id(plain)}; CREATE SCHEMA ${id(commented)}; COMMENT ON SCHEMA ${id(commented)} IS 'tenantry: hand-made'`);
    await superuser.query(
      `CREATE SCHEMA ${id(orphan)}; COMMENT ON SCHEMA ${id(orphan)} IS ${lit(`tenantry:${JSON.stringify({ v: 1, role: uniqueName('gone'), createdAt: new Date().toISOString() })}`)}`,
    );
    for (const schema of [plain, commented]) {
      const unmanaged = await rejection(schema);
      expect(unmanaged).toBeInstanceOf(TenantNotManagedError);
      expect(unmanaged).toMatchObject({ objectKind: 'schema', message: expect.stringContaining('carries no Tenantry marker') });
    }
    const roleGone = await rejection(orphan);
    expect(roleGone).toBeInstanceOf(TenantNotFoundError);
    expect(roleGone).toMatchObject({ objectKind: 'role' });
    await expect(admin.verifyTenant('pg_catalog')).rejects.toBeInstanceOf(ValidationError);
    await expect(admin.verifyTenant('public')).rejects.toBeInstanceOf(ValidationError);
    await superuser.query(`DROP SCHEMA ${id(plain)}, ${id(commented)}, ${id(orphan)}`);
  });
});

describe('verifyTenant with memberships asked for at creation', () => {
  const fixture = useAdminFixture();

  it('expects the memberOf roles recorded in the marker, and still flags any other membership', async () => {
    const { admin, superuser, adminUrl } = fixture();
    const shared = uniqueName('shared_ro');
    const other = uniqueName('other_ro');
    const asAdmin = await connectAs(adminUrl);
    await asAdmin.query(`CREATE ROLE ${shared} NOLOGIN; CREATE ROLE ${other} NOLOGIN`);
    await asAdmin.end();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), memberOf: [shared] });
    const report = await admin.verifyTenant(tenant.schemaName);
    expect(report.checks.find((c) => c.id === 'role.memberships')).toMatchObject({ ok: true });
    expect(report.ok).toBe(true);
    await superuser.query(`GRANT ${other} TO ${tenant.username}`);
    const flagged = (await admin.verifyTenant(tenant.schemaName)).checks.find((c) => c.id === 'role.memberships');
    expect(flagged).toMatchObject({ ok: false });
    expect(flagged?.detail).toContain(other);
    expect(flagged?.detail).not.toContain(shared);
    await admin.removeTenant(tenant);
    await superuser.query(`DROP ROLE ${shared}; DROP ROLE ${other}`);
  });
});
