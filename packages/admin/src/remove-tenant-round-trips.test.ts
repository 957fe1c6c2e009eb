import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { checkCanRemove, checkManagedTenant, hasRoleGrantOptions, tenantStateQuery, type TenantStateRow } from '@tenantry/sql/postgres';
import { DatabaseAdmin } from './database-admin.js';
import { catalogSnapshot, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';
import { queryRecordingPool } from './test-support/query-recording-pool.js';

describe('removeTenant round trips', () => {
  const fixture = useAdminFixture();

  it('removes a tenant in at most 2 round trips on the admin connection, its checks inside the transaction', async () => {
    const { adminUrl, superuser } = fixture();
    const { pool, sent } = queryRecordingPool(adminUrl);
    const admin = new DatabaseAdmin(pool);
    try {
      const tenant = await admin.createTenant({ schemaName: uniqueName('t_trip'), username: uniqueName('u_trip') });
      sent.length = 0;
      await admin.removeTenant(tenant);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.length).toBeLessThanOrEqual(2);
      expect(sent.join(';')).toContain('DROP ROLE');
      // The first opens the transaction, takes the locks and reads the catalog for the checks; the drops wait for their verdict.
      expect(sent[0]).toMatch(/^BEGIN/);
      expect(sent[0]).toContain('pg_advisory_xact_lock');
      expect(sent[0]).toContain('pg_catalog.to_regnamespace');
      expect(sent[0]).not.toContain('DROP');
      expect(sent.at(-1)).toMatch(/DROP ROLE [^;]+;\s*COMMIT$/);
      const { rows } = await superuser.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [tenant.username]);
      expect(rows).toEqual([]);
    } finally {
      await admin.close();
      await pool.end();
    }
  });

  it("refuses in the server's check with the same error, in the same words, as the checks made on the catalog rows", async () => {
    const { admin, adminUrl, adminRole, superuser, lane } = fixture();
    const info = await admin.serverInfo();
    const a = await admin.createTenant({ schemaName: uniqueName('t_ref'), username: uniqueName('u_ref') });
    const b = await admin.createTenant({ schemaName: uniqueName('t_ref'), username: uniqueName('u_ref') });
    const [schema, role, bad, foreignSchema, foreignRole] = ['s_hand', 'r_hand', 's_bad', 's_foreign', 'r_foreign'].map(uniqueName) as [string, string, string, string, string];
    // A tenant in the markers' words, made by the superuser: the least-privilege admin may not drop it.
    await superuser.query(
      `CREATE SCHEMA ${schema}; CREATE ROLE ${role}; CREATE SCHEMA ${bad}; COMMENT ON SCHEMA ${bad} IS 'tenantry:{not json';
       CREATE ROLE ${foreignRole}; CREATE SCHEMA ${foreignSchema} AUTHORIZATION ${foreignRole};
       COMMENT ON SCHEMA ${foreignSchema} IS 'tenantry:{"v":1,"role":"${foreignRole}","createdAt":"2026-01-01T00:00:00.000Z"}';
       COMMENT ON ROLE ${foreignRole} IS 'tenantry:{"v":1,"schema":"${foreignSchema}","database":"${info.database}"}'`,
    );
    const reader = new pg.Client({ connectionString: adminUrl });
    await reader.connect();
    // What the client-side checks of the remove plan said on the same catalog rows.
    const clientSideVerdict = async (ref: { schemaName: string; username: string }) => {
      const query = tenantStateQuery(ref.schemaName, ref.username, hasRoleGrantOptions(info.versionNum));
      const [state] = (await reader.query<TenantStateRow>(query.sql, [...query.parameters])).rows;
      try {
        checkManagedTenant(state!, { ...ref, database: info.database }, { removing: 'allowed' });
        checkCanRemove(state!, { ...ref, adminRole });
        return undefined;
      } catch (error) {
        return error as Error;
      }
    };
    const refs = [
      { schemaName: schema, username: role },
      { schemaName: a.schemaName, username: b.username },
      { schemaName: a.schemaName, username: role },
      { schemaName: uniqueName('none'), username: role },
      { schemaName: a.schemaName, username: uniqueName('none') },
      { schemaName: bad, username: role },
      { schemaName: foreignSchema, username: foreignRole },
    ];
    const refusals: string[] = [];
    try {
      for (const ref of refs) {
        const expected = await clientSideVerdict(ref);
        refusals.push(expected?.name ?? 'none');
        const before = await catalogSnapshot(superuser);
        const error = await admin.removeTenant(ref).then(() => undefined, (caught: unknown) => caught as Error);
        if (expected === undefined) {
          // The superuser lane may drop the superuser's tenant.
          expect(error).toBeUndefined();
          continue;
        }
        expect({ name: error?.name, message: error?.message }).toEqual({ name: expected.name, message: expected.message });
        expect(await catalogSnapshot(superuser)).toEqual(before);
      }
      // Every kind of refusal was met.
      expect(new Set(refusals)).toEqual(new Set(['TenantNotManagedError', 'TenantNotFoundError', lane === 'least-privilege' ? 'PermissionError' : 'none']));
    } finally {
      await reader.end();
      await superuser.query(`DROP SCHEMA IF EXISTS ${schema}, ${bad}, ${foreignSchema}; DROP ROLE IF EXISTS ${role}, ${foreignRole}`);
      await admin.removeTenant(a);
      await admin.removeTenant(b);
    }
  });
});
