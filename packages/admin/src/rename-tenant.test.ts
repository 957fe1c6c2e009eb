import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { describe, expect, it } from 'vitest';
import { TenantAlreadyExistsError, ValidationError } from '@tenantry/core';
import { catalogSnapshot, connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

type Db = Kysely<any>;

function provider(migrations: Record<string, Migration>): MigrationProvider {
  return { getMigrations: async () => migrations };
}

const first: Record<string, Migration> = {
  '001_notes': { up: async (db: Db) => void (await sql`CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)`.execute(db)) },
};
const both: Record<string, Migration> = {
  ...first,
  '002_tags': { up: async (db: Db) => void (await sql`CREATE TABLE tags (id serial PRIMARY KEY, note_id int REFERENCES notes)`.execute(db)) },
};

describe('renameTenant', () => {
  const fixture = useAdminFixture();

  it('renames schema and login together: markers (unknown fields kept), search_path, sessions, password, migrations', async () => {
    const { admin, superuser } = fixture();
    const old = { schemaName: uniqueName('ren'), username: uniqueName('ren_u') };
    const credentials = await admin.createTenant({ ...old, labels: { tier: 'gold' }, settings: { statement_timeout: '5s' } }, { migrations: provider(first) });
    const session = await connectAs(credentials.connectionString);
    session.on('error', () => undefined); // ended by the rename, as the test expects
    await session.query(`INSERT INTO notes (body) VALUES ('kept')`);
    // Fields a newer Tenantry (or another feature) wrote must survive the rewrite.
    await superuser.query(`COMMENT ON SCHEMA "${old.schemaName}" IS '${(await markerOf(superuser, 'schema', old.schemaName)).replace(/}$/, ',"future":{"x":1}}')}'`);
    await superuser.query(`COMMENT ON ROLE "${old.username}" IS '${(await markerOf(superuser, 'role', old.username)).replace(/}$/, ',"future":2}')}'`);
    const next = { schemaName: uniqueName('ren_new'), username: uniqueName('ren_new_u') };

    const renamed = await admin.renameTenant(old, next);

    expect(renamed).toMatchObject({ ...next, previous: old, labels: { tier: 'gold' }, roleIntact: true, migrations: { last: '001_notes', count: 1 } });
    const url = new URL(renamed.connectionString);
    expect(decodeURIComponent(url.username)).toBe(next.username);
    expect(url.password).toBe('');
    expect(JSON.parse((await markerOf(superuser, 'schema', next.schemaName)).slice('tenantry:'.length))).toMatchObject({ role: next.username, labels: { tier: 'gold' }, future: { x: 1 } });
    expect(JSON.parse((await markerOf(superuser, 'role', next.username)).slice('tenantry:'.length))).toMatchObject({ schema: next.schemaName, migrations: { last: '001_notes', count: 1 }, future: 2 });
    expect((await admin.getTenant(next.schemaName))?.settings).toEqual({ search_path: next.schemaName, statement_timeout: '5s' });
    expect(await admin.getTenant(old.schemaName)).toBeUndefined();
    // The open session was ended: its search_path and user name were the old ones.
    await expect(session.query('SELECT 1')).rejects.toThrow();
    await session.end().catch(() => undefined);
    // The same password logs in under the new name (SCRAM does not depend on the name), and unqualified names resolve in the renamed schema.
    const password = new URL(credentials.connectionString).password;
    url.password = password;
    const tenant = await connectAs(url.toString());
    expect((await tenant.query('SELECT body FROM notes')).rows).toEqual([{ body: 'kept' }]);
    expect((await tenant.query('SELECT current_schema() AS s')).rows[0].s).toBe(next.schemaName);
    await tenant.end();
    const oldLogin = await connectAs(credentials.connectionString).then((client) => client.end(), (error: unknown) => error);
    expect(['28P01', '28000']).toContain((oldLogin as { code?: string }).code);
    expect((await admin.verifyTenant(next.schemaName)).ok).toBe(true);

    // Kysely's history moved with the schema: only the new migration runs.
    const outcomes = await admin.migrateTenants({ migrations: provider(both) });
    expect(outcomes.find((outcome) => outcome.schemaName === next.schemaName)).toMatchObject({ status: 'migrated', applied: ['002_tags'] });

    await admin.removeTenant(next);
  });

  it('renames only the login, or only the schema; a borrowed membership is given back', async () => {
    const { admin, superuser, adminRole } = fixture();
    const credentials = await admin.createTenant({ schemaName: uniqueName('one'), username: uniqueName('one_u') });
    const memberships = async (role: string) =>
      (await superuser.query(`SELECT m.grantor::regrole::text AS grantor, m.admin_option FROM pg_auth_members m WHERE m.roleid = $1::regrole AND m.member = $2::regrole ORDER BY 1`, [`"${role}"`, `"${adminRole}"`])).rows;
    const before = await memberships(credentials.username);
    const username = uniqueName('one_v');
    expect(await admin.renameTenant(credentials, { username })).toMatchObject({ schemaName: credentials.schemaName, username });
    expect(await memberships(username)).toEqual(before);
    const schemaName = uniqueName('two');
    const renamed = await admin.renameTenant({ schemaName: credentials.schemaName, username }, { schemaName });
    expect(renamed).toMatchObject({ schemaName, username, roleIntact: true });
    expect((await admin.getTenant(schemaName))?.settings['search_path']).toBe(schemaName);
    await admin.removeTenant({ schemaName, username });
  });

  it('refuses names that are taken, and changes nothing', async () => {
    const { admin, superuser } = fixture();
    const a = await admin.createTenant({ schemaName: uniqueName('ta'), username: uniqueName('ua') });
    const b = await admin.createTenant({ schemaName: uniqueName('tb'), username: uniqueName('ub') });
    const before = await catalogSnapshot(superuser);
    await expect(admin.renameTenant(a, { schemaName: b.schemaName })).rejects.toMatchObject({ name: 'TenantAlreadyExistsError', objectKind: 'schema' });
    await expect(admin.renameTenant(a, { schemaName: uniqueName('free'), username: b.username })).rejects.toBeInstanceOf(TenantAlreadyExistsError);
    const handmade = uniqueName('handmade');
    await superuser.query(`CREATE ROLE "${handmade}"`);
    const withRole = await catalogSnapshot(superuser);
    // A schema named like another role would be on that role's search_path ("$user").
    await expect(admin.renameTenant(a, { schemaName: handmade })).rejects.toMatchObject({ rule: 'schema-named-like-role' });
    expect(await catalogSnapshot(superuser)).toEqual(withRole);
    await superuser.query(`DROP ROLE "${handmade}"`);
    expect(await catalogSnapshot(superuser)).toEqual(before);
    await admin.removeTenant(a);
    await admin.removeTenant(b);
  });

  it('validates before any I/O: names by the same rules as creation, and a rename that changes something', async () => {
    const { admin } = fixture();
    const ref = { schemaName: uniqueName('v'), username: uniqueName('v') };
    await expect(admin.renameTenant(ref, { schemaName: 'pg_evil' })).rejects.toMatchObject({ field: 'schemaName', rule: 'reserved-prefix' });
    await expect(admin.renameTenant(ref, {})).rejects.toMatchObject({ field: 'to', rule: 'empty' });
    await expect(admin.renameTenant(ref, { username: ref.username })).rejects.toBeInstanceOf(ValidationError);
    await expect(admin.renameTenant(ref, { username: uniqueName('w') })).rejects.toMatchObject({ name: 'TenantNotFoundError' });
  });
});

async function markerOf(client: import('pg').Client, kind: 'schema' | 'role', name: string): Promise<string> {
  const query =
    kind === 'schema'
      ? `SELECT obj_description(oid, 'pg_namespace') AS c FROM pg_namespace WHERE nspname = $1`
      : `SELECT shobj_description(oid, 'pg_authid') AS c FROM pg_roles WHERE rolname = $1`;
  return (await client.query<{ c: string }>(query, [name])).rows[0]!.c;
}
