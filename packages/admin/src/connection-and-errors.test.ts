import * as net from 'node:net';
import { inspect } from 'node:util';
import pg from 'pg';
import { parse } from 'pg-connection-string';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { ConnectionError, PermissionError, ValidationError } from '@tenantry/core';
import { DatabaseAdmin } from './database-admin.js';
import { catalogSnapshot, connectAs, uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

describe('connections and errors', () => {
  const fixture = useAdminFixture();

  it.runIf(inject('tenantryPasswordsChecked'))('reports a wrong admin password as ConnectionError without showing the password anywhere', async () => {
    const url = new URL(fixture().database.url);
    url.password = 'Wr0ngButSecret';
    const admin = new DatabaseAdmin(url.toString());
    try {
      const error = await admin.createTenant({ schemaName: 's', username: 'u' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ sqlState: '28P01', code: 'CONNECTION' });
      for (const text of [String(error), inspect(error, { depth: 10 }), JSON.stringify(error)]) {
        expect(text).not.toContain('Wr0ngButSecret');
      }
    } finally {
      await admin.close();
    }
  });

  it('fails fast with ConnectionError on a refused port', async () => {
    const admin = new DatabaseAdmin('postgresql://u:SecretPw@127.0.0.1:1/app');
    try {
      const error = await admin.listTenants().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/ECONNREFUSED/);
      expect(inspect(error, { depth: 10 })).not.toContain('SecretPw');
    } finally {
      await admin.close();
    }
  });

  it('gives up on a server that never answers after connectionTimeoutMillis, not hanging', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const admin = new DatabaseAdmin(`postgresql://u:p@127.0.0.1:${port}/app`, { connectionTimeoutMillis: 300 });
    try {
      // Gave up on its own timer (pg's connect timeout), not on the test's.
      const error = await admin.listTenants().then(() => undefined, (caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as Error).message).toMatch(/connection timeout|timeout exceeded when trying to connect/i);
    } finally {
      await admin.close();
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('refuses a connection string that is not a URL without echoing it', () => {
    expect(() => new DatabaseAdmin('host=db password=Sekrit')).toThrow(ValidationError);
    expect(() => new DatabaseAdmin('host=db password=Sekrit')).toThrow(/^(?!.*Sekrit)/);
  });

  it('accepts a pg pool config or a pool of the caller, and leaves the latter open', async () => {
    const { database } = fixture();
    const parsed = parse(database.url);
    const fromConfig = new DatabaseAdmin({
      host: parsed.host ?? undefined,
      port: Number(parsed.port),
      database: parsed.database ?? undefined,
      user: parsed.user,
      password: parsed.password,
    });
    const viaConfig = await fromConfig.createTenant({ schemaName: uniqueName('cfg'), username: uniqueName('cfg') });
    await (await connectAs(viaConfig.connectionString)).end();
    await fromConfig.close();

    const pool = new pg.Pool({ connectionString: database.url });
    const fromPool = new DatabaseAdmin(pool);
    const viaPool = await fromPool.createTenant({ schemaName: uniqueName('pool'), username: uniqueName('pool') });
    await (await connectAs(viaPool.connectionString)).end();
    await fromPool.close();
    expect((await pool.query('SELECT 1 AS one')).rows[0].one).toBe(1);
    await pool.end();
  });

  describe('an admin without CREATEROLE', () => {
    const weakRole = uniqueName('weak_admin');
    let weak: DatabaseAdmin | undefined;
    afterAll(async () => {
      await weak?.close();
      await fixture().superuser.query(`REVOKE ALL ON DATABASE ${fixture().database.name} FROM ${weakRole}; DROP ROLE IF EXISTS ${weakRole}`);
    });

    it('gets a PermissionError naming the privilege, before anything changes', async () => {
      const { superuser, database } = fixture();
      await superuser.query(`CREATE ROLE ${weakRole} LOGIN PASSWORD 'weak-pass'; GRANT CREATE ON DATABASE ${database.name} TO ${weakRole}`);
      const url = new URL(database.url);
      url.username = weakRole;
      url.password = 'weak-pass';
      weak = new DatabaseAdmin(url.toString());
      const before = await catalogSnapshot(superuser);
      const error = await weak.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PermissionError);
      expect(error).toMatchObject({ privilege: 'CREATEROLE' });
      expect((error as Error).message).toMatch(/Nothing was changed/);
      expect(await catalogSnapshot(superuser)).toEqual(before);
    });
  });
});

describe('an admin with CREATEROLE and CREATE, but not the owner of a tenant it did not create', () => {
  const fixture = useAdminFixture();
  const managerRole = uniqueName('manager');
  let manager: DatabaseAdmin | undefined;
  afterAll(async () => {
    await manager?.close();
    const { superuser, database } = fixture();
    await superuser.query(`REVOKE ALL ON DATABASE ${database.name} FROM ${managerRole}; DROP ROLE IF EXISTS ${managerRole}`);
  });

  it('gets a PermissionError naming what it lacks before anything is dropped, and the tenant stays whole', async () => {
    const { admin, superuser, database } = fixture();
    const tenant = await admin.createTenant({ schemaName: uniqueName('t'), username: uniqueName('u') });
    await superuser.query(
      `CREATE ROLE ${managerRole} LOGIN CREATEROLE PASSWORD 'manager-pass'; GRANT CREATE ON DATABASE ${database.name} TO ${managerRole}`,
    );
    const url = new URL(database.url);
    url.username = managerRole;
    url.password = 'manager-pass';
    manager = new DatabaseAdmin(url.toString());
    const before = await catalogSnapshot(superuser);
    const error = await manager.removeTenant(tenant).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermissionError);
    expect((error as PermissionError).privilege).toMatch(new RegExp(`^ownership of schema "${tenant.schemaName}"`));
    expect((error as Error).message).toMatch(/Nothing was changed/);
    expect(await catalogSnapshot(superuser)).toEqual(before);
    await (await connectAs(tenant.connectionString)).end();
  });
});
