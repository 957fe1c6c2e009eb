import { execFile } from 'node:child_process';
import pg from 'pg';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DatabaseAdmin } from './database-admin.js';
import { useServerTls } from './test-support/server-tls-fixture.js';
import { uniqueName, useAdminFixture } from './test-support/tenant-fixture.js';

/*
 * sslmode means what libpq says it means, in the admin URL, in PGSSLMODE and
 * in the tenant's connection string alike: `require` encrypts without
 * verifying, `verify-ca` and `verify-full` verify. The server gets TLS with a
 * throwaway CA (enableServerTls); tenants log in with psql, i.e. libpq itself.
 */

const run = promisify(execFile);
const fixture = useAdminFixture();
const serverTls = useServerTls();

const LIBPQ_VARIABLES = ['PGSSLMODE', 'PGSSLROOTCERT', 'PGSERVICE', 'PGSSLCRL'] as const;
const savedEnvironment = Object.fromEntries(LIBPQ_VARIABLES.map((name) => [name, process.env[name]]));
afterEach(() => {
  for (const name of LIBPQ_VARIABLES) {
    if (savedEnvironment[name] === undefined) delete process.env[name];
    else process.env[name] = savedEnvironment[name];
  }
});

/** The fixture's admin URL with these query parameters and an application_name to find its sessions by. */
function adminUrlWith(params: Record<string, string>): { url: string; applicationName: string } {
  const url = new URL(fixture().adminUrl);
  const applicationName = uniqueName('libpq');
  url.searchParams.set('application_name', applicationName);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return { url: url.toString(), applicationName };
}

/** Whether the admin's sessions (found by application_name) are encrypted. */
async function adminSessionsEncrypted(applicationName: string): Promise<boolean[]> {
  const { rows } = await fixture().superuser.query<{ ssl: boolean }>(
    'SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = $1',
    [applicationName],
  );
  return rows.map((row) => row.ssl);
}

/** Logs in with psql (libpq), in an environment without PG* variables or a ~/.postgresql of its own: whether the session is encrypted, and as whom. */
async function psqlLogIn(connectionString: string): Promise<string> {
  const env = { PATH: process.env['PATH'], HOME: '/nonexistent', PGCONNECT_TIMEOUT: '10' };
  const { stdout } = await run('psql', [connectionString, '-XAtc', 'SELECT ssl::text || \' \' || current_user FROM pg_stat_ssl WHERE pid = pg_backend_pid()'], { env });
  return stdout.trim();
}

async function createTenantWith(admin: DatabaseAdmin) {
  const tenant = { schemaName: uniqueName('t_lpq'), username: uniqueName('u_lpq') };
  const credentials = await admin.createTenant(tenant);
  return { tenant, credentials, params: new URL(credentials.connectionString).searchParams };
}

describe('sslmode with libpq semantics', () => {
  it('URL sslmode=require: encrypted without verification (the server certificate is from an unknown CA); the tenant gets require and psql logs in over TLS', async () => {
    const { url, applicationName } = adminUrlWith({ sslmode: 'require' });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.message);
    process.on('warning', onWarning);
    await using admin = new DatabaseAdmin(url);
    try {
      const { tenant, credentials, params } = await createTenantWith(admin);
      expect(await adminSessionsEncrypted(applicationName)).toContain(true);
      expect(params.get('sslmode')).toBe('require');
      expect(params.has('sslrootcert')).toBe(false);
      expect(params.has('uselibpqcompat')).toBe(false); // libpq refuses parameters it does not know
      expect(await psqlLogIn(credentials.connectionString)).toBe(`true ${tenant.username}`);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings.filter((message) => message.includes('SECURITY WARNING'))).toEqual([]);
  });

  it('URL sslmode=verify-ca: verifies the chain against sslrootcert, for the admin and the tenant alike', async () => {
    const stranger = adminUrlWith({ sslmode: 'verify-ca', sslrootcert: serverTls().strangerCaPath });
    await using refused = new DatabaseAdmin(stranger.url);
    await expect(refused.serverInfo()).rejects.toThrow(/certificate/i);

    const { url } = adminUrlWith({ sslmode: 'verify-ca', sslrootcert: serverTls().caPath });
    await using admin = new DatabaseAdmin(url);
    const { tenant, credentials, params } = await createTenantWith(admin);
    expect([params.get('sslmode'), params.get('sslrootcert')]).toEqual(['verify-ca', serverTls().caPath]);
    expect(await psqlLogIn(credentials.connectionString)).toBe(`true ${tenant.username}`);
    const strangerTenantUrl = new URL(credentials.connectionString);
    strangerTenantUrl.searchParams.set('sslrootcert', serverTls().strangerCaPath);
    await expect(psqlLogIn(strangerTenantUrl.toString())).rejects.toThrow(/certificate/i);
  });

  it('PGSSLMODE=require (URL without TLS parameters): encrypted without verification; the tenant gets require, not verify-full', async () => {
    process.env['PGSSLMODE'] = 'require';
    const { url, applicationName } = adminUrlWith({});
    await using admin = new DatabaseAdmin(url);
    const { tenant, credentials, params } = await createTenantWith(admin);
    expect(await adminSessionsEncrypted(applicationName)).toContain(true);
    expect(params.get('sslmode')).toBe('require');
    expect(await psqlLogIn(credentials.connectionString)).toBe(`true ${tenant.username}`);
  });

  it('PGSSLMODE=verify-full with PGSSLROOTCERT: verified, and the tenant gets both', async () => {
    process.env['PGSSLMODE'] = 'verify-full';
    process.env['PGSSLROOTCERT'] = serverTls().strangerCaPath;
    await using refused = new DatabaseAdmin(adminUrlWith({}).url);
    await expect(refused.serverInfo()).rejects.toThrow(/certificate/i);

    process.env['PGSSLROOTCERT'] = serverTls().caPath;
    await using admin = new DatabaseAdmin(adminUrlWith({}).url);
    const { tenant, credentials, params } = await createTenantWith(admin);
    expect([params.get('sslmode'), params.get('sslrootcert')]).toEqual(['verify-full', serverTls().caPath]);
    expect(await psqlLogIn(credentials.connectionString)).toBe(`true ${tenant.username}`);
  });

  it("a caller's pool, made by pg with its own meaning of require (verify-full): the tenant gets verify-full, never less than the admin had", async () => {
    const { url, applicationName } = adminUrlWith({ sslmode: 'require', sslrootcert: serverTls().caPath });
    const pool = new pg.Pool({ connectionString: url });
    try {
      await using admin = new DatabaseAdmin(pool);
      const { tenant, credentials, params } = await createTenantWith(admin);
      expect(await adminSessionsEncrypted(applicationName)).toContain(true);
      expect([params.get('sslmode'), params.get('sslrootcert')]).toEqual(['verify-full', serverTls().caPath]);
      expect(await psqlLogIn(credentials.connectionString)).toBe(`true ${tenant.username}`);
    } finally {
      await pool.end();
    }
  });

  it('a URL sslmode wins over PGSSLMODE, as in libpq', async () => {
    process.env['PGSSLMODE'] = 'verify-ca'; // would be refused without PGSSLROOTCERT
    const { url } = adminUrlWith({ sslmode: 'require' });
    await using admin = new DatabaseAdmin(url);
    expect((await createTenantWith(admin)).params.get('sslmode')).toBe('require');
  });
});

describe('what node-postgres cannot honour is refused, never ignored', () => {
  const password = 'Secret-Passw0rd';

  it.each([
    ['sslmode=no-verify', { sslmode: 'no-verify' }, /no-verify is node-postgres's own/],
    ['sslmode=allow', { sslmode: 'allow' }, /allow/],
    ['sslmode=verify-ca without sslrootcert', { sslmode: 'verify-ca' }, /verify-ca.*root certificate/],
    ['ssl=true', { ssl: 'true' }, /use sslmode/],
    ['service=', { service: 'app' }, /pg_service\.conf/],
    ['sslcrl=', { sslcrl: '/etc/crl.pem' }, /revocation list/],
    ['sslrootcert=system', { sslmode: 'verify-full', sslrootcert: 'system' }, /system/],
  ])('URL %s', (_, params, message) => {
    const url = new URL(fixture().adminUrl);
    url.password = password;
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    const attempt = () => new DatabaseAdmin(url.toString());
    expect(attempt).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
    expect(attempt).toThrow(message);
    expect(() => attempt()).not.toThrow(password);
  });

  it.each([
    ['PGSERVICE', { PGSERVICE: 'app' }, /PGSERVICE is set.*pg_service\.conf/],
    ['PGSSLCRL', { PGSSLCRL: '/etc/crl.pem' }, /PGSSLCRL is set/],
    ['PGSSLMODE=verify-ca without PGSSLROOTCERT', { PGSSLMODE: 'verify-ca' }, /PGSSLROOTCERT/],
    ['PGSSLMODE=sometimes', { PGSSLMODE: 'sometimes' }, /PGSSLMODE must be one of/],
  ])('environment %s', (_, env, message) => {
    Object.assign(process.env, env);
    expect(() => new DatabaseAdmin(fixture().adminUrl)).toThrow(message);
    expect(() => new DatabaseAdmin({ host: 'localhost', database: 'app' })).toThrow(message);
  });

  it('a keyword/value connection string, with a clear message that does not echo it', () => {
    const attempt = () => new DatabaseAdmin(`host=localhost dbname=app user=admin password=${password}`);
    expect(attempt).toThrow(/keyword\/value connection string.*write it as a URL/);
    expect(attempt).not.toThrow(password);
  });
});
