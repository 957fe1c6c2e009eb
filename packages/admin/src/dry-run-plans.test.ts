import { describe, expect, it } from 'vitest';
import { TenantNotManagedError, ValidationError } from '@tenantry/core';
import { formatPlan } from '@tenantry/sql';
import { catalogSnapshot, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('dry runs: planRemoveTenant, planRotatePassword, planPrepare', () => {
  const fixture = useAdminFixture({ prepare: false });

  it('return the statements the real calls run, after the same checks, changing nothing', async () => {
    const { admin, superuser } = fixture();
    await superuser.query('GRANT USAGE ON SCHEMA public TO PUBLIC');
    const open = await admin.planPrepare();
    expect(open.statements.map((s) => s.text)).toContain('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    await expect(admin.planPrepare({ keepPublicFor: [uniqueName('ghost')] })).rejects.toBeInstanceOf(ValidationError);
    const report = await admin.prepare();
    expect(report.statements).toEqual(open.statements.map((s) => `${s.text};`));
    expect((await admin.planPrepare()).statements).toEqual([]);

    const tenant = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    const before = await catalogSnapshot(superuser);
    const remove = await admin.planRemoveTenant(tenant);
    expect(remove.statements.map((s) => s.text)).toContain(`DROP SCHEMA "${tenant.schemaName}" CASCADE`);
    const rotate = await admin.planRotatePassword(tenant, { terminateSessions: true });
    expect(formatPlan(rotate)).toContain(`ALTER ROLE "${tenant.username}" WITH PASSWORD '[redacted SCRAM-SHA-256 verifier]'`);
    expect(formatPlan(rotate)).toContain('pg_terminate_backend');
    expect(await catalogSnapshot(superuser)).toEqual(before);

    const handmade = uniqueName('handmade');
    await superuser.query(`CREATE SCHEMA ${handmade}`);
    await expect(admin.planRemoveTenant({ schemaName: handmade, username: tenant.username })).rejects.toBeInstanceOf(TenantNotManagedError);
    await expect(admin.planRotatePassword({ schemaName: handmade, username: tenant.username })).rejects.toBeInstanceOf(TenantNotManagedError);
    await superuser.query(`DROP SCHEMA ${handmade}`);
  });
});
