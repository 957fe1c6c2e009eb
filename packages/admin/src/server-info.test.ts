import { describe, expect, inject, it } from 'vitest';
import { useAdminFixture } from './test-support/tenant-fixture.js';

describe('serverInfo', () => {
  const fixture = useAdminFixture({ prepare: false });

  it("reports the server's version, the database and the admin as the server sees them", async () => {
    const { admin, database, adminRole, lane } = fixture();
    expect(await admin.serverInfo()).toEqual({
      versionNum: inject('tenantryServerVersion'),
      database: database.name,
      adminRole,
      isSuperuser: lane === 'superuser',
    });
  });
});
