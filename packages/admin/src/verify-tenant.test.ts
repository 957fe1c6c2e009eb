import pg from 'pg';
import { afterEach, describe, expect, inject, it } from 'vitest';
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
  'role.reachable-roles',
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

/**
 * Records `roles` in the schema's marker as memberships asked for at creation
 * (`memberOf`), as createTenant would: done by hand, so that the test does not
 * depend on which roles createTenant accepts.
 */
async function declareMemberOf(superuser: pg.Client, tenant: Tenant, roles: string[]): Promise<void> {
  const { rows } = await superuser.query<{ comment: string }>(`SELECT obj_description(${lit(tenant.schema)}::regnamespace, 'pg_namespace') AS comment`);
  const marker = JSON.parse(rows[0]!.comment.slice('tenantry:'.length)) as Record<string, unknown>;
  await superuser.query(`COMMENT ON SCHEMA ${id(tenant.schema)} IS ${lit(`tenantry:${JSON.stringify({ ...marker, memberOf: roles })}`)}`);
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
    { promise: 'no reachable role with CREATEROLE (even one asked for at creation)', check: 'role.reachable-roles', detail: /^The tenant can SET ROLE to "vx_\w+", which has CREATEROLE\.$/, apply: async (t) => {
      const creator = await t.extraRole('vx');
      await t.fixture.superuser.query(`ALTER ROLE ${id(creator)} CREATEROLE; GRANT ${id(creator)} TO ${id(t.role)}`);
      await declareMemberOf(t.fixture.superuser, t, [creator]);
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

    // A membership that is not inherited still counts: the tenant can SET ROLE to it (NOINHERIT on the member before 16).
    if (inject('tenantryServerVersion') >= 160000) {
      await superuser.query(`REVOKE ${id(reader)} FROM ${id(tenant.role)}; GRANT ${id(reader)} TO ${id(tenant.role)} WITH INHERIT FALSE, SET TRUE`);
      expect(failing(await admin.verifyTenant(tenant.schema))).toEqual(['role.not-superuser', 'role.memberships', 'schema.no-public-access']);
      // From 16 on, a membership with neither SET, INHERIT nor ADMIN grants nothing.
      await superuser.query(`REVOKE ${id(reader)} FROM ${id(tenant.role)}; GRANT ${id(reader)} TO ${id(tenant.role)} WITH INHERIT FALSE, SET FALSE`);
      expect(failing(await admin.verifyTenant(tenant.schema))).toEqual(['role.not-superuser', 'role.memberships']);
    } else {
      await superuser.query(`ALTER ROLE ${id(tenant.role)} NOINHERIT`);
      expect(failing(await admin.verifyTenant(tenant.schema))).toEqual(['role.not-superuser', 'role.memberships', 'schema.no-public-access']);
    }
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

describe('verifyTenant and the roles a tenant can reach', () => {
  const fixture = useAdminFixture();
  const extraRoles: string[] = [];
  const pg16 = () => inject('tenantryServerVersion') >= 160000;

  afterEach(async () => {
    const { superuser } = fixture();
    for (const role of extraRoles.splice(0).reverse()) {
      await superuser.query(`DROP OWNED BY ${id(role)}; DROP ROLE ${id(role)}`);
    }
  });

  async function newTenant(): Promise<Tenant> {
    const credentials = await fixture().admin.createTenant({ schemaName: uniqueName('vt'), username: uniqueName('vu') });
    return { schema: credentials.schemaName, role: credentials.username };
  }

  /** A NOLOGIN role with the given attributes, dropped after the test. */
  async function role(prefix: string, attributes = ''): Promise<string> {
    const name = uniqueName(prefix);
    await fixture().superuser.query(`CREATE ROLE ${id(name)} NOLOGIN ${attributes}`);
    extraRoles.push(name);
    return name;
  }

  /** Grants `granted` to the tenant by hand, as an expected membership (recorded in the marker) when `declared`. */
  async function grant(tenant: Tenant, granted: string, options: { declared: boolean; with?: string }): Promise<void> {
    const { superuser } = fixture();
    await superuser.query(`GRANT ${id(granted)} TO ${id(tenant.role)}${options.with ? ` WITH ${options.with}` : ''}`);
    if (options.declared) await declareMemberOf(superuser, tenant, [granted]);
  }

  async function verify(tenant: Tenant): Promise<VerificationReport> {
    return fixture().admin.verifyTenant(tenant.schema);
  }

  it('passes an expected membership of a plain role without rights', async () => {
    const tenant = await newTenant();
    await grant(tenant, await role('vp'), { declared: true });
    const report = await verify(tenant);
    expect(failing(report)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it.each([true, false])('flags a superuser role granted directly (expected membership: %s)', async (declared) => {
    const tenant = await newTenant();
    const dba = await role('vdba', 'SUPERUSER');
    await grant(tenant, dba, { declared });
    const report = await verify(tenant);
    expect(failing(report)).toEqual(declared ? ['role.reachable-roles'] : ['role.memberships', 'role.reachable-roles']);
    expect(detailOf(report, 'role.reachable-roles')).toBe(`The tenant can SET ROLE to "${dba}", which is SUPERUSER.`);
  });

  it.each([true, false])('flags a superuser role reached through a chain of two plain roles (expected membership: %s)', async (declared) => {
    const { superuser } = fixture();
    const tenant = await newTenant();
    const dba = await role('vdba', 'SUPERUSER');
    const outer = await role('vp');
    const inner = await role('vp');
    await superuser.query(`GRANT ${id(dba)} TO ${id(inner)}; GRANT ${id(inner)} TO ${id(outer)}`);
    await grant(tenant, outer, { declared });
    const report = await verify(tenant);
    expect(failing(report)).toEqual(declared ? ['role.reachable-roles'] : ['role.memberships', 'role.reachable-roles']);
    expect(detailOf(report, 'role.reachable-roles')).toBe(`The tenant can SET ROLE to "${dba}" (through "${outer}", "${inner}"), which is SUPERUSER.`);
  });

  it('follows a membership by what it grants: SET only, INHERIT only, ADMIN only, nothing (16+); NOINHERIT before 16', async () => {
    const { superuser } = fixture();
    const dba = await role('vdba', 'SUPERUSER');
    if (!pg16()) {
      // Before 16 every membership lets the member SET ROLE, NOINHERIT or not.
      const tenant = await newTenant();
      await superuser.query(`ALTER ROLE ${id(tenant.role)} NOINHERIT`);
      await grant(tenant, dba, { declared: true });
      const report = await verify(tenant);
      expect(failing(report)).toEqual(['role.reachable-roles']);
      expect(detailOf(report, 'role.reachable-roles')).toBe(`The tenant can SET ROLE to "${dba}", which is SUPERUSER.`);
      return;
    }
    const expected: Array<[string, string | undefined]> = [
      ['SET TRUE, INHERIT FALSE', `The tenant can SET ROLE to "${dba}", which is SUPERUSER.`],
      ['SET FALSE, INHERIT TRUE', `The tenant inherits from "${dba}", which is SUPERUSER.`],
      // ADMIN alone: the tenant can grant itself the role WITH SET TRUE.
      ['ADMIN TRUE, SET FALSE, INHERIT FALSE', `The tenant can reach "${dba}", which is SUPERUSER.`],
      ['SET FALSE, INHERIT FALSE', undefined],
    ];
    for (const [options, detail] of expected) {
      const tenant = await newTenant();
      await grant(tenant, dba, { declared: true, with: options });
      const report = await verify(tenant);
      expect(failing(report), options).toEqual(detail === undefined ? [] : ['role.reachable-roles']);
      expect(detailOf(report, 'role.reachable-roles'), options).toBe(detail);
    }
  });

  it('flags a reachable role with CREATEROLE, CREATEDB, REPLICATION or BYPASSRLS, each named', async () => {
    const tenant = await newTenant();
    const creator = await role('vcr', 'CREATEROLE');
    const everything = await role('vall', 'CREATEDB REPLICATION BYPASSRLS');
    await fixture().superuser.query(`GRANT ${id(creator)}, ${id(everything)} TO ${id(tenant.role)}`);
    await declareMemberOf(fixture().superuser, tenant, [creator, everything]);
    const report = await verify(tenant);
    expect(failing(report)).toEqual(['role.reachable-roles']);
    expect(detailOf(report, 'role.reachable-roles')).toBe(
      `The tenant ${[`can SET ROLE to "${creator}", which has CREATEROLE`, `can SET ROLE to "${everything}", which has CREATEDB, REPLICATION, BYPASSRLS`]
        .sort()
        .join('; ')}.`,
    );
  });

  it.each(['pg_read_all_data', 'pg_execute_server_program', 'pg_signal_backend'])('flags the predefined role %s', async (predefined) => {
    const tenant = await newTenant();
    await grant(tenant, predefined, { declared: true });
    const report = await verify(tenant);
    expect(failing(report)).toContain('role.reachable-roles');
    expect(detailOf(report, 'role.reachable-roles')).toBe(`The tenant can SET ROLE to "${predefined}", which is a predefined role.`);
    // pg_read_all_data also gives USAGE on every schema, which the rights checks count.
    if (predefined === 'pg_read_all_data') expect(failing(report)).toContain('schema.no-public-access');
    else expect(failing(report)).toEqual(['role.reachable-roles']);
  });

  it("flags another tenant's role, and counts its rights on its schema", async () => {
    const tenant = await newTenant();
    const other = await newTenant();
    await grant(tenant, other.role, { declared: true });
    const report = await verify(tenant);
    expect(failing(report)).toEqual(['role.reachable-roles', 'schema.no-other-tenant-access']);
    expect(detailOf(report, 'role.reachable-roles')).toBe(
      `The tenant can SET ROLE to "${other.role}", which is the role of tenant "${other.schema}" in database "${fixture().database.name}".`,
    );
    expect(detailOf(report, 'schema.no-other-tenant-access')).toContain(`"${other.schema}" (USAGE, CREATE)`);
  });

  it('flags a Tenantry migrator role', async () => {
    const { superuser } = fixture();
    const tenant = await newTenant();
    const migrator = await role('vmig');
    await superuser.query(`COMMENT ON ROLE ${id(migrator)} IS ${lit(`tenantry:${JSON.stringify({ v: 1, migratorFor: 'someone' })}`)}`);
    await grant(tenant, migrator, { declared: true });
    const report = await verify(tenant);
    expect(failing(report)).toEqual(['role.reachable-roles']);
    expect(detailOf(report, 'role.reachable-roles')).toBe(`The tenant can SET ROLE to "${migrator}", which is the Tenantry migrator role of "someone".`);
  });

  it('flags the admin role', async () => {
    const { superuser, adminRole, lane } = fixture();
    const tenant = await newTenant();
    // A CREATEROLE admin on 16+ is a member of every role it created, and PostgreSQL refuses a loop:
    // take the admin's own memberships in this tenant away for the test, and give them back after.
    const { rows: adminGrants } = await superuser.query<{ grantor: string; options: string }>(
      `SELECT g.rolname AS grantor, ${pg16() ? "format('ADMIN %s, INHERIT %s, SET %s', m.admin_option::text, m.inherit_option::text, m.set_option::text)" : "CASE WHEN m.admin_option THEN 'ADMIN OPTION' ELSE '' END"} AS options
         FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.grantor
        WHERE m.roleid = ${lit(tenant.role)}::regrole AND m.member = ${lit(adminRole)}::regrole`,
    );
    expect(adminGrants.length > 0).toBe(lane === 'least-privilege' && pg16());
    const revokeAll = adminGrants.map((g) => `REVOKE ${id(tenant.role)} FROM ${id(adminRole)} GRANTED BY ${id(g.grantor)}`);
    const restoreAll = adminGrants.map(
      (g) => `GRANT ${id(tenant.role)} TO ${id(adminRole)}${g.options ? ` WITH ${g.options}` : ''} GRANTED BY ${id(g.grantor)}`,
    );
    await superuser.query([...revokeAll, `GRANT ${id(adminRole)} TO ${id(tenant.role)}`].join('; '));
    try {
      await declareMemberOf(superuser, tenant, [adminRole]);
      const report = await verify(tenant);
      expect(failing(report)).toContain('role.reachable-roles');
      const why = lane === 'superuser' ? 'is SUPERUSER and is the admin role' : 'has CREATEROLE and is the admin role';
      expect(detailOf(report, 'role.reachable-roles')).toBe(`The tenant can SET ROLE to "${adminRole}", which ${why}.`);
    } finally {
      await superuser.query([`REVOKE ${id(adminRole)} FROM ${id(tenant.role)}`, ...restoreAll].join('; '));
    }
  });

  it('counts the rights of a role the tenant can SET ROLE to but does not inherit from', async () => {
    const { superuser } = fixture();
    const tenant = await newTenant();
    const other = await newTenant();
    const reader = await role('vp');
    await superuser.query(`GRANT USAGE ON SCHEMA ${id(other.schema)} TO ${id(reader)}`);
    if (pg16()) await grant(tenant, reader, { declared: true, with: 'INHERIT FALSE, SET TRUE' });
    else {
      await superuser.query(`ALTER ROLE ${id(tenant.role)} NOINHERIT`);
      await grant(tenant, reader, { declared: true });
    }
    const report = await verify(tenant);
    expect(failing(report)).toEqual(['schema.no-other-tenant-access']);
    expect(detailOf(report, 'schema.no-other-tenant-access')).toBe(`The tenant can reach another tenant's schema: "${other.schema}" (USAGE).`);
  });

  it('counts the objects a reachable role owns outside the schema', async () => {
    const { superuser } = fixture();
    const tenant = await newTenant();
    const owner = await role('vp');
    const elsewhere = uniqueName('vo');
    await superuser.query(`CREATE SCHEMA ${id(elsewhere)}; CREATE TABLE ${id(elsewhere)}.stray (n int); ALTER TABLE ${id(elsewhere)}.stray OWNER TO ${id(owner)}`);
    try {
      await grant(tenant, owner, { declared: true });
      const report = await verify(tenant);
      expect(failing(report)).toEqual(['role.objects-outside-schema']);
      expect(detailOf(report, 'role.objects-outside-schema')).toBe(`The role, or a role it can reach, owns table ${elsewhere}.stray (owner "${owner}").`);
    } finally {
      await superuser.query(`DROP SCHEMA ${id(elsewhere)} CASCADE`);
    }
  });

  it('names a sample of the offending roles and counts the rest', async () => {
    const { superuser } = fixture();
    const tenant = await newTenant();
    const creators: string[] = [];
    for (let i = 0; i < 12; i++) creators.push(await role('vcr', 'CREATEROLE'));
    await superuser.query(`GRANT ${creators.map(id).join(', ')} TO ${id(tenant.role)}`);
    await declareMemberOf(superuser, tenant, creators);
    const detail = detailOf(await verify(tenant), 'role.reachable-roles')!;
    expect(detail.match(/which has CREATEROLE/g)).toHaveLength(10);
    expect(detail).toMatch(/; and 2 more\.$/);
  });
});
