import { parse } from 'pg-connection-string';
import { describe, expect, inject, it } from 'vitest';
import {
  DatabaseNotPreparedError,
  TenantAlreadyExistsError,
  TenantCredentials,
  ValidationError,
} from '@tenantry/core';
import { publicSchemaLockedByDefault } from '@tenantry/sql/postgres';
import { catalogSnapshot, connectAs, expectSqlState, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('createTenant', () => {
  const fixture = useAdminFixture();

  it('returns credentials whose connection string logs in as the tenant, in its own schema', async () => {
    const { admin, database } = fixture();
    const schemaName = uniqueName('tenant_acme');
    const username = uniqueName('acme_user');
    const credentials = await admin.createTenant({ schemaName, username, password: '' });

    expect(credentials).toBeInstanceOf(TenantCredentials);
    expect(credentials.schemaName).toBe(schemaName);
    expect(credentials.username).toBe(username);
    expect(credentials.password).toMatch(/^[A-Za-z0-9]{32}$/);
    const parsed = parse(credentials.connectionString);
    expect(parsed.user).toBe(username);
    expect(parsed.password).toBe(credentials.password);
    expect(parsed.database).toBe(database.name);

    const tenant = await connectAs(credentials.connectionString);
    try {
      const { rows } = await tenant.query('SELECT current_user, current_schema(), current_database()');
      expect(rows[0]).toEqual({ current_user: username, current_schema: schemaName, current_database: database.name });
    } finally {
      await tenant.end();
    }
  });

  // A `trust` server (an extra TEST_DATABASE_URL lane) accepts any password; the embedded one never does.
  it.runIf(inject('tenantryPasswordsChecked'))('uses a given password, and a wrong one is refused (scram-sha-256 really checks it)', async () => {
    const { admin } = fixture();
    const password = `Given p@ss:/?#%'"\\ ünï 🔑`;
    const credentials = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), password });
    expect(credentials.password).toBe(password);
    const tenant = await connectAs(credentials.connectionString);
    await tenant.end();
    const wrong = credentials.connectionString.replace(encodeURIComponent(password), 'wrong');
    await expect(connectAs(wrong)).rejects.toMatchObject({ code: '28P01' });
  });

  it('stores a SCRAM verifier, never the plaintext, and spells out every role attribute', async () => {
    const { admin, superuser } = fixture();
    const credentials = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    const { rows } = await superuser.query(
      `SELECT rolpassword, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, rolreplication, rolbypassrls, rolconnlimit
         FROM pg_authid WHERE rolname = $1`,
      [credentials.username],
    );
    expect(rows[0].rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
    expect(rows[0].rolpassword).not.toContain(credentials.password);
    expect(rows[0]).toMatchObject({
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolcanlogin: true,
      rolreplication: false,
      rolbypassrls: false,
      rolconnlimit: -1,
    });
  });

  it('keeps names exactly as given: case, spaces and quotes', async () => {
    const { admin, superuser } = fixture();
    const schemaName = `Tenant "Acme" ${uniqueName('x')}`;
    const username = `O'Brien User ${uniqueName('y')}`;
    const credentials = await admin.createTenant({ schemaName, username });
    const { rows } = await superuser.query(
      `SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = $1)::int AS schemas,
              (SELECT count(*) FROM pg_roles WHERE rolname = $2)::int AS roles`,
      [credentials.schemaName, credentials.username],
    );
    expect(rows[0]).toEqual({ schemas: 1, roles: 1 });
    const tenant = await connectAs(credentials.connectionString);
    try {
      expect((await tenant.query('SELECT current_schema()')).rows[0].current_schema).toBe(schemaName);
    } finally {
      await tenant.end();
    }
  });

  it('rejects bad input before any I/O, naming the rule', async () => {
    const { admin, superuser } = fixture();
    const before = await catalogSnapshot(superuser);
    await expect(admin.createTenant({ schemaName: 'pg_evil', username: 'u' })).rejects.toMatchObject({
      rule: 'reserved-prefix',
      field: 'schemaName',
    });
    await expect(admin.createTenant({ schemaName: 's', username: 'x'.repeat(64) })).rejects.toMatchObject({ rule: 'too-long' });
    await expect(admin.createTenant({ schemaName: 's', username: 'u', password: 'a\u0000b' })).rejects.toBeInstanceOf(ValidationError);
    await expect(admin.createTenant(null as never)).rejects.toBeInstanceOf(ValidationError);
    expect(await catalogSnapshot(superuser)).toEqual(before);
  });

  it('refuses an existing schema or role with TenantAlreadyExistsError and changes nothing', async () => {
    const { admin, superuser } = fixture();
    const existing = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    const before = await catalogSnapshot(superuser);

    await expect(admin.createTenant({ schemaName: existing.schemaName, username: uniqueName('fresh') })).rejects.toMatchObject({
      name: 'TenantAlreadyExistsError',
      objectKind: 'schema',
      sqlState: '42P06',
    });
    await expect(admin.createTenant({ schemaName: uniqueName('fresh'), username: existing.username })).rejects.toMatchObject({
      name: 'TenantAlreadyExistsError',
      objectKind: 'role',
      sqlState: '42710',
    });
    // A schema someone else made is not handed to a new tenant (no IF NOT EXISTS).
    const foreign = uniqueName('foreign');
    await superuser.query(`CREATE SCHEMA ${foreign}`);
    const withForeign = await catalogSnapshot(superuser);
    await expect(admin.createTenant({ schemaName: foreign, username: uniqueName('u') })).rejects.toBeInstanceOf(
      TenantAlreadyExistsError,
    );
    expect(await catalogSnapshot(superuser)).toEqual(withForeign);
    await superuser.query(`DROP SCHEMA ${foreign}`);
    expect(await catalogSnapshot(superuser)).toEqual(before);
  });

  it('lets exactly one of many racing calls for the same names win', async () => {
    const { admin, superuser } = fixture();
    const schemaName = uniqueName('race');
    const username = uniqueName('race_user');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => admin.createTenant({ schemaName, username })),
    );
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(7);
    for (const failure of lost) expect(failure.reason).toBeInstanceOf(TenantAlreadyExistsError);
    const { rows } = await superuser.query(
      `SELECT (SELECT count(*) FROM pg_namespace WHERE nspname = $1)::int AS schemas,
              (SELECT count(*) FROM pg_roles WHERE rolname = $2)::int AS roles`,
      [schemaName, username],
    );
    expect(rows[0]).toEqual({ schemas: 1, roles: 1 });
  });

  it('keeps the password out of the server: pg_stat_activity never shows it', async () => {
    const { admin, superuser } = fixture();
    const password = `Plaintext-${uniqueName('pw')}`;
    await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), password });
    const { rows } = await superuser.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE '%' || $1 || '%' AND pid <> pg_backend_pid()`, [password]);
    expect(rows[0].n).toBe(0);
    const plan = await admin.planCreateTenant({ schemaName: uniqueName('t'), username: uniqueName('u'), password });
    expect(plan.statements.map((s) => s.sql).join('\n')).not.toContain(password);
  });
});

describe('createTenant and the rights on schema public', () => {
  const fixture = useAdminFixture();

  it('refuses while PUBLIC may CREATE in schema public, even without USAGE', async () => {
    const { admin, superuser } = fixture();
    await superuser.query('GRANT CREATE ON SCHEMA public TO PUBLIC');
    try {
      const before = await catalogSnapshot(superuser);
      const error = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseNotPreparedError);
      expect(await catalogSnapshot(superuser)).toEqual(before);
    } finally {
      await superuser.query('REVOKE ALL ON SCHEMA public FROM PUBLIC');
    }
  });

  it('goes ahead in a database that has no schema public at all', async () => {
    const { admin, superuser } = fixture();
    await superuser.query('DROP SCHEMA public');
    const schemaName = uniqueName('t');
    await admin.createTenant({ schemaName, username: uniqueName('u') });
    const { rows } = await superuser.query(`SELECT count(*)::int AS n FROM pg_namespace WHERE nspname = $1`, [schemaName]);
    expect(rows[0].n).toBe(1);
  });
});

describe('createTenant on a database that was never prepared', () => {
  const fixture = useAdminFixture({ prepare: false });

  it('fails with DatabaseNotPreparedError naming the fix, and leaves nothing behind', async () => {
    const { admin, superuser } = fixture();
    await superuser.query('GRANT USAGE ON SCHEMA public TO PUBLIC'); // as every database before PG15 / prepare
    const before = await catalogSnapshot(superuser);
    const error = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseNotPreparedError);
    expect((error as Error).message).toMatch(/admin\.prepare\(\)/);
    expect(await catalogSnapshot(superuser)).toEqual(before);
  });

  it('goes ahead when the caller opts out explicitly, and the tenant can then see public', async () => {
    const { admin } = fixture();
    const credentials = await admin.createTenant(
      { schemaName: uniqueName('t'), username: uniqueName('u') },
      { requirePreparedDatabase: false },
    );
    const tenant = await connectAs(credentials.connectionString);
    try {
      const { rows } = await tenant.query(`SELECT has_schema_privilege('public', 'USAGE') AS usage`);
      expect(rows[0].usage).toBe(true);
      // What an unprepared database allows depends on the version: PG14 still gives PUBLIC CREATE on public.
      const create = tenant.query('CREATE TABLE public.tenant_made (id int)');
      if (publicSchemaLockedByDefault(inject('tenantryServerVersion'))) await expectSqlState(create, '42501');
      else await create; // exactly why prepare() exists
    } finally {
      await tenant.end();
    }
  });
});
