import { basename, dirname } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { enableServerTls, type ServerTls } from '@tenantry/testing';
import { json, tenantry, uniqueName, useCliDatabase } from './test-support/cli.js';

/*
 * With the libpq variables, PGSSLMODE and PGSSLROOTCERT decide the admin's TLS:
 * the tenants' connection strings must say the same, naming the same root
 * certificate. The server gets TLS for this file (enableServerTls).
 */

const db = useCliDatabase();
let tls: ServerTls;
beforeAll(async () => {
  tls = await enableServerTls(inject('tenantryAdminUrl'));
});
afterAll(async () => {
  await tls?.restore();
});

function libpqEnvironment(extra: Record<string, string>): Record<string, string | undefined> {
  const admin = new URL(db().database.url);
  return {
    DATABASE_URL: undefined,
    PGHOST: admin.hostname,
    PGPORT: admin.port,
    PGUSER: decodeURIComponent(admin.username),
    PGPASSWORD: decodeURIComponent(admin.password),
    PGDATABASE: db().database.name,
    ...extra,
  };
}

describe('TLS from PGSSLMODE and PGSSLROOTCERT reaches the tenants', () => {
  it('verify-full with a root certificate (given relative to the working directory): the tenant string says verify-full, names the file, and logs in over verified TLS', async () => {
    const schema = uniqueName('t_tls');
    const user = uniqueName('u_tls');
    const result = await tenantry(['create', '--schema', schema, '--username', user, '--json'], {
      env: libpqEnvironment({ PGSSLMODE: 'verify-full', PGSSLROOTCERT: basename(tls.caPath) }),
      cwd: dirname(tls.caPath),
    });
    expect(result.code, result.stderr).toBe(0);
    const { connectionString } = json<{ connectionString: string }>(result);
    const parameters = new URL(connectionString).searchParams;
    expect(parameters.get('sslmode')).toBe('verify-full');
    expect(parameters.get('sslrootcert')).toBe(tls.caPath);
    const client = new pg.Client({ connectionString });
    await client.connect();
    try {
      const { rows } = await client.query<{ ssl: boolean; user: string }>('SELECT ssl, current_user AS "user" FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      expect(rows[0]).toEqual({ ssl: true, user });
    } finally {
      await client.end();
    }
  });

  it('require without a root certificate: the tenant string says require and names none', async () => {
    const result = await tenantry(['create', '--schema', uniqueName('t_tls'), '--username', uniqueName('u_tls'), '--json'], {
      env: libpqEnvironment({ PGSSLMODE: 'require' }),
    });
    expect(result.code, result.stderr).toBe(0);
    const url = new URL(json<{ connectionString: string }>(result).connectionString);
    expect(url.searchParams.get('sslmode')).toBe('require');
    expect(url.searchParams.has('sslrootcert')).toBe(false);
  });

  it("prefer means what it means in a URL: encrypted, unverified (with a warning that there is no plaintext fallback); allow is refused", async () => {
    const preferred = await tenantry(['create', '--schema', uniqueName('t_tls'), '--username', uniqueName('u_tls'), '--json'], {
      env: libpqEnvironment({ PGSSLMODE: 'prefer' }),
    });
    expect(preferred.code, preferred.stderr).toBe(0);
    expect(preferred.stderr).toContain('PGSSLMODE=prefer: connecting with TLS');
    expect(new URL(json<{ connectionString: string }>(preferred).connectionString).searchParams.get('sslmode')).toBe('require');

    const allowed = await tenantry(['list'], { env: libpqEnvironment({ PGSSLMODE: 'allow' }) });
    expect(allowed.code).toBe(2);
    expect(allowed.stderr).toContain('PGSSLMODE=allow (plaintext first) is not available');
  });
});
