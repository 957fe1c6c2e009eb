import pg from 'pg';
import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '@tenantry/core';
import { DatabaseAdmin } from './database-admin.js';
import { useServerTls } from './test-support/server-tls-fixture.js';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/*
 * A tenant must connect with the TLS requirements the admin connected with.
 * The server gets TLS for this file (a throwaway CA, see enableServerTls in @tenantry/testing); the
 * tenants then log in with exactly the string Tenantry handed them.
 */

const fixture = useAdminFixture();
const serverTls = useServerTls();

/** The admin's URL as a pg pool config, verifying the server with the test CA's text. */
function verifyFullPoolConfig(): pg.PoolConfig {
  const url = new URL(fixture().adminUrl);
  return {
    host: url.hostname,
    port: Number(url.port),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database: decodeURIComponent(url.pathname.slice(1)),
    ssl: { ca: serverTls().caText },
  };
}

/** Logs in with a connection string and tells whether the session is encrypted, and as whom. */
async function logIn(connectionString: string): Promise<{ ssl: boolean; user: string }> {
  const client = new pg.Client({ connectionString });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ ssl: boolean; user: string }>('SELECT ssl, current_user AS "user" FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows[0]!;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function withRootCert(connectionString: string, path: string): string {
  const url = new URL(connectionString);
  url.searchParams.set('sslrootcert', path);
  return url.toString();
}

describe("a tenant's connection string keeps the admin's TLS requirements", () => {
  it('from a pool config verifying with ssl.ca: sslmode=verify-full and the same root certificate, and the tenant logs in over verified TLS', async () => {
    const admin = new DatabaseAdmin(verifyFullPoolConfig(), { tenantConnection: { sslrootcert: serverTls().caPath } });
    try {
      const tenant = { schemaName: uniqueName('t_tls'), username: uniqueName('u_tls') };
      const credentials = await admin.createTenant(tenant);
      const parsed = parse(credentials.connectionString);
      expect(parsed.sslmode).toBe('verify-full');
      expect(parsed.sslrootcert).toBe(serverTls().caPath);
      expect(await logIn(credentials.connectionString)).toEqual({ ssl: true, user: tenant.username });
      // The verification is real: against a CA that did not sign the server's certificate, the login fails.
      await expect(logIn(withRootCert(credentials.connectionString, serverTls().strangerCaPath))).rejects.toThrow(/certificate/i);
    } finally {
      await admin.close();
    }
  });

  it('from a URL with sslmode=verify-full and sslrootcert: both kept, the tenant logs in over verified TLS', async () => {
    const adminUrl = new URL(fixture().adminUrl);
    adminUrl.searchParams.set('sslmode', 'verify-full');
    adminUrl.searchParams.set('sslrootcert', serverTls().caPath);
    const admin = new DatabaseAdmin(adminUrl.toString());
    try {
      const tenant = { schemaName: uniqueName('t_tls'), username: uniqueName('u_tls') };
      const credentials = await admin.createTenant(tenant);
      expect(parse(credentials.connectionString)).toMatchObject({ sslmode: 'verify-full', sslrootcert: serverTls().caPath });
      expect(await logIn(credentials.connectionString)).toEqual({ ssl: true, user: tenant.username });
    } finally {
      await admin.close();
    }
  });

  it('from a URL without TLS parameters next to an ssl object (pg uses the ssl object): verify-full and the root certificate', async () => {
    const admin = new DatabaseAdmin({ connectionString: fixture().adminUrl, ssl: { ca: serverTls().caText } }, { tenantConnection: { sslrootcert: serverTls().caPath } });
    try {
      const tenant = { schemaName: uniqueName('t_tls'), username: uniqueName('u_tls') };
      const credentials = await admin.createTenant(tenant);
      expect(parse(credentials.connectionString)).toMatchObject({ sslmode: 'verify-full', sslrootcert: serverTls().caPath });
      expect(await logIn(credentials.connectionString)).toEqual({ ssl: true, user: tenant.username });
    } finally {
      await admin.close();
    }
  });

  it('refuses, before any connection, a pool config whose ssl.ca cannot be named in a URL', () => {
    const attempt = () => new DatabaseAdmin(verifyFullPoolConfig());
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/tenantConnection: \{ sslrootcert/);
    // A caller's pool with the same settings: refused the same way, and left without Tenantry's listeners.
    const pool = new pg.Pool(verifyFullPoolConfig());
    expect(() => new DatabaseAdmin(pool)).toThrow(ValidationError);
    expect(pool.listenerCount('connect')).toBe(0);
    return pool.end();
  });
});
