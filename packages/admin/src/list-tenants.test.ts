import { describe, expect, it } from 'vitest';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('listTenants', () => {
  const fixture = useAdminFixture();

  it('lists only tenants Tenantry created, never guessing from names', async () => {
    const { admin, superuser } = fixture();
    const created = await admin.createTenant({ schemaName: uniqueName('tenant_real'), username: uniqueName('real') });
    const lookalike = uniqueName('tenant_lookalike');
    await superuser.query(`CREATE SCHEMA ${lookalike}; COMMENT ON SCHEMA ${lookalike} IS 'not tenantry'`);

    const tenants = await admin.listTenants();
    expect(tenants).toEqual([
      { schemaName: created.schemaName, username: created.username, createdAt: expect.any(Date), labels: {}, roleIntact: true },
    ]);
    expect(Math.abs(tenants[0]!.createdAt.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('pages through many tenants in schema-name order with a cursor', async () => {
    const { admin } = fixture();
    for (let i = 0; i < 5; i++) await admin.createTenant({ schemaName: uniqueName(`page_${i}`), username: uniqueName('p') });
    const all = (await admin.listTenants()).map((t) => t.schemaName);
    expect(all).toHaveLength(6);
    expect([...all].sort()).toEqual(all);

    const first = await admin.listTenantsPage({ limit: 4 });
    expect(first.tenants).toHaveLength(4);
    expect(first.nextCursor).toBe(first.tenants[3]!.schemaName);
    const second = await admin.listTenantsPage({ limit: 4, after: first.nextCursor });
    expect(second.tenants).toHaveLength(2);
    expect(second.nextCursor).toBeUndefined();
    expect([...first.tenants, ...second.tenants].map((t) => t.schemaName)).toEqual(all);
    await expect(admin.listTenantsPage({ limit: 0 })).rejects.toMatchObject({ rule: 'out-of-range' });
  });

  it("flags a tenant whose role lost its marker", async () => {
    const { admin, superuser } = fixture();
    const created = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    await superuser.query(`COMMENT ON ROLE ${created.username} IS NULL`);
    const listed = (await admin.listTenants()).find((t) => t.schemaName === created.schemaName);
    expect(listed?.roleIntact).toBe(false);
  });
});

describe('listTenants with a malformed marker in the database', () => {
  const fixture = useAdminFixture();

  it('skips a schema whose tenantry comment is not JSON, and still lists the others', async () => {
    const { admin, superuser } = fixture();
    const good = await admin.createTenant({ schemaName: uniqueName('good'), username: uniqueName('good') });
    const broken = uniqueName('broken');
    await superuser.query(`CREATE SCHEMA ${broken}; COMMENT ON SCHEMA ${broken} IS 'tenantry:{not json'`);
    expect((await admin.listTenants()).map((t) => t.schemaName)).toEqual([good.schemaName]);
  });
});
