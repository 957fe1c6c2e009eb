import * as net from 'node:net';
import { format, inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  ConnectionError,
  DatabaseNotPreparedError,
  PermissionError,
  TenantAlreadyExistsError,
  TenantNotFoundError,
  TenantNotManagedError,
  TenantryError,
  ValidationError,
} from '@tenantry/core';
import { DatabaseAdmin } from '../database-admin.js';
import { uniqueName, useAdminFixture } from '../test-support/tenant-fixture.js';

/*
 * Every error path of DatabaseAdmin that a test can reach, on the real server:
 * none may show the admin's password (the one in the URL it was given) or the
 * tenant's password, in message, stack, util.inspect (all hidden properties,
 * causes included) or JSON.
 */

function renderings(error: unknown): string[] {
  const e = error as Error;
  return [String(e), e.message, e.stack ?? '', inspect(e, { depth: 10, showHidden: true }), JSON.stringify(e), format('%o', e)];
}

/** The secret as written, percent-encoded, and JSON-escaped. */
function forms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1)])];
}

function expectNoSecrets(error: unknown, secrets: string[]): void {
  expect(TenantryError.isInstance(error), `not a TenantryError: ${String(error)}`).toBe(true);
  for (const text of renderings(error)) {
    for (const secret of secrets) {
      for (const form of forms(secret)) expect(text, `leaked ${JSON.stringify(form)}`).not.toContain(form);
    }
  }
}

/** A distinctive password with the characters that URLs and SQL treat specially. */
function hostilePassword(label: string): string {
  return `${label}-${uniqueName('s')}'"\\;--$$%@:/?#&=+ ü🔑`;
}

function withPassword(url: string, password: string, changes: { user?: string; port?: string; database?: string } = {}): string {
  const parsed = new URL(url);
  parsed.password = encodeURIComponent(password);
  if (changes.user) parsed.username = encodeURIComponent(changes.user);
  if (changes.port) parsed.port = changes.port;
  if (changes.database) parsed.pathname = `/${encodeURIComponent(changes.database)}`;
  return parsed.toString();
}

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  // Through a promise, so that a synchronous throw (e.g. from the constructor) is caught too.
  return Promise.resolve().then(work).then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('errors from DatabaseAdmin', () => {
  const fixture = useAdminFixture();
  let adminPassword: string;
  const admins: DatabaseAdmin[] = [];
  const open = (...args: ConstructorParameters<typeof DatabaseAdmin>) => {
    const admin = new DatabaseAdmin(...args);
    admins.push(admin);
    return admin;
  };

  beforeAll(() => {
    adminPassword = decodeURIComponent(new URL(fixture().adminUrl).password);
    expect(adminPassword.length).toBeGreaterThan(8);
  });
  afterAll(async () => {
    for (const admin of admins) await admin.close();
  });

  it.runIf(inject('tenantryPasswordsChecked'))('a wrong admin password in the URL: ConnectionError 28P01', async () => {
    const wrong = hostilePassword('wrong');
    const error = await failure(() => open(withPassword(fixture().adminUrl, wrong)).listTenants());
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ sqlState: '28P01' });
    expectNoSecrets(error, [wrong, adminPassword]);
  });

  it.runIf(inject('tenantryPasswordsChecked'))('an unknown admin user: ConnectionError', async () => {
    const secret = hostilePassword('nouser');
    const error = await failure(() => open(withPassword(fixture().adminUrl, secret, { user: uniqueName('nobody') })).createTenant({ schemaName: uniqueName('s'), username: uniqueName('u') }));
    expect(error).toBeInstanceOf(ConnectionError);
    expectNoSecrets(error, [secret]);
  });

  it('a database that does not exist: ConnectionError 3D000', async () => {
    const error = await failure(() => open(withPassword(fixture().adminUrl, adminPassword, { database: uniqueName('missing') })).listTenants());
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ sqlState: '3D000' });
    expectNoSecrets(error, [adminPassword]);
  });

  it('a refused port: ConnectionError', async () => {
    const secret = hostilePassword('refused');
    const error = await failure(() => open(withPassword('postgresql://admin@127.0.0.1:1/app', secret)).listTenants());
    expect(error).toBeInstanceOf(ConnectionError);
    expectNoSecrets(error, [secret]);
  });

  it('a server that never answers, after connectionTimeoutMillis: ConnectionError', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    const secret = hostilePassword('silent');
    try {
      const error = await failure(() => open(withPassword(`postgresql://admin@127.0.0.1:${port}/app`, secret), { connectionTimeoutMillis: 300 }).listTenants());
      expect(error).toBeInstanceOf(ConnectionError);
      expectNoSecrets(error, [secret]);
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
    }
  });

  it('a URL the driver cannot parse (password pasted without percent-encoding)', async () => {
    const secret = `Unenc0ded/${uniqueName('s')}`;
    const url = `postgresql://admin:${secret}@127.0.0.1:5432/app`;
    const error = await failure(() => open(url, { connectionTimeoutMillis: 1_000 }).listTenants());
    expect(error).toBeInstanceOf(ValidationError); // refused before any I/O: the URL is ambiguous
    expectNoSecrets(error, [secret]);
  });

  it('a URL that is not a URL: ValidationError, before any I/O', () => {
    const secret = hostilePassword('kv');
    const error = (() => {
      try {
        open(`host=127.0.0.1 user=admin password=${secret}`);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expectNoSecrets(error, [secret]);
  });

  it("a tenant password the policy refuses: ValidationError, without the password", async () => {
    const secret = `${hostilePassword('bad')}\u0000`;
    const error = await failure(() => fixture().admin.createTenant({ schemaName: uniqueName('s'), username: uniqueName('u'), password: secret }));
    expect(error).toBeInstanceOf(ValidationError);
    expectNoSecrets(error, [secret, secret.slice(0, -1), adminPassword]);
  });

  it('a tenant that exists already: TenantAlreadyExistsError, without either password', async () => {
    const { admin } = fixture();
    const first = hostilePassword('first');
    const second = hostilePassword('second');
    const tenant = await admin.createTenant({ schemaName: uniqueName('dup'), username: uniqueName('dup'), password: first });
    try {
      for (const config of [
        { schemaName: tenant.schemaName, username: uniqueName('other'), password: second },
        { schemaName: uniqueName('other'), username: tenant.username, password: second },
      ]) {
        const error = await failure(() => admin.createTenant(config));
        expect(error).toBeInstanceOf(TenantAlreadyExistsError);
        expectNoSecrets(error, [first, second, adminPassword]);
      }
    } finally {
      await admin.removeTenant(tenant);
    }
  });

  it('a tenant that does not exist: TenantNotFoundError', async () => {
    const error = await failure(() => fixture().admin.removeTenant({ schemaName: uniqueName('ghost'), username: uniqueName('ghost') }));
    expect(error).toBeInstanceOf(TenantNotFoundError);
    expectNoSecrets(error, [adminPassword]);
  });

  it('a schema and role Tenantry did not create: TenantNotManagedError', async () => {
    const { admin, superuser } = fixture();
    const schemaName = uniqueName('unmanaged');
    const username = uniqueName('unmanaged');
    const rolePassword = `Unmanaged-${uniqueName('pw')}`;
    await superuser.query(`CREATE SCHEMA ${schemaName}; CREATE ROLE ${username} LOGIN PASSWORD '${rolePassword}'`);
    try {
      const error = await failure(() => admin.removeTenant({ schemaName, username }));
      expect(error).toBeInstanceOf(TenantNotManagedError);
      expectNoSecrets(error, [adminPassword, rolePassword]);
    } finally {
      await superuser.query(`DROP SCHEMA ${schemaName}; DROP ROLE ${username}`);
    }
  });

  it('an admin without CREATEROLE: PermissionError, without its password', async () => {
    const { superuser, database, adminUrl } = fixture();
    const weakRole = uniqueName('weak');
    const weakPassword = `Weak-${uniqueName('pw')}`;
    await superuser.query(`CREATE ROLE ${weakRole} LOGIN PASSWORD '${weakPassword}'; GRANT CREATE ON DATABASE ${database.name} TO ${weakRole}`);
    try {
      const weak = open(withPassword(adminUrl, weakPassword, { user: weakRole }));
      const tenantPassword = hostilePassword('tenant');
      const error = await failure(() => weak.createTenant({ schemaName: uniqueName('s'), username: uniqueName('u'), password: tenantPassword }));
      expect(error).toBeInstanceOf(PermissionError);
      expectNoSecrets(error, [weakPassword, tenantPassword, adminPassword]);
    } finally {
      await superuser.query(`REVOKE ALL ON DATABASE ${database.name} FROM ${weakRole}; DROP ROLE ${weakRole}`);
    }
  });

  it('the DatabaseAdmin itself, printed or serialised, does not show the admin password', () => {
    const { admin } = fixture();
    for (const text of [String(admin), inspect(admin, { depth: 10, showHidden: true }), JSON.stringify(admin), format('%o', admin)]) {
      for (const form of forms(adminPassword)) expect(text).not.toContain(form);
    }
  });

  // Product finding (low): with a raw "@" and "#" in the password, the driver
  // reads the part between them as the host name, and the ConnectionError
  // repeats it ("getaddrinfo ENOTFOUND <piece of the password>").
  it('a password with a raw "@" and "#" does not show up in part as a host name', async () => {
    const piece = `piece${uniqueName('p').slice(2, 10)}`;
    const url = `postgresql://admin:Secret@${piece}#rest@127.0.0.1:5432/app`;
    const error = await failure(() => open(url, { connectionTimeoutMillis: 2_000 }).listTenants());
    expect(error).toBeInstanceOf(ValidationError);
    for (const text of renderings(error)) expect(text).not.toContain(piece);
  });
});

describe('errors from DatabaseAdmin on a database that was never prepared', () => {
  const fixture = useAdminFixture({ prepare: false });

  it('DatabaseNotPreparedError, without the tenant or admin password', async () => {
    const { admin, adminUrl } = fixture();
    const tenantPassword = hostilePassword('unprepared');
    const error = await failure(() => admin.createTenant({ schemaName: uniqueName('s'), username: uniqueName('u'), password: tenantPassword }));
    expect(error).toBeInstanceOf(DatabaseNotPreparedError);
    expectNoSecrets(error, [tenantPassword, decodeURIComponent(new URL(adminUrl).password)]);
  });
});
