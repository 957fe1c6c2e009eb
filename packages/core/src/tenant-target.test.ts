import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { tenantConnectionString } from './connection-string.js';
import { ValidationError } from './errors/validation-error.js';
import { hasTenantTarget, tenantTarget } from './tenant-target.js';

const tenant = { username: 'acme user', password: 'p@ss/#?' };

/** The tenant's string for `adminUrl`, pointed at `options`, as pg would read it. */
function pointed(adminUrl: string, options: Parameters<typeof tenantTarget>[0]) {
  const target = tenantTarget(options);
  return tenantConnectionString(adminUrl, tenant, target.params, target);
}

describe('tenantTarget: where tenants connect instead of the admin\'s server', () => {
  it('points a tenant at a pooler: host and port replaced, the login and database kept', () => {
    const url = pointed('postgresql://admin:secret@db.internal:5432/app?application_name=x', { host: 'pgbouncer.internal', port: 6432 });
    expect(url).toBe('postgresql://acme%20user:p%40ss%2F%23%3F@pgbouncer.internal:6432/app?application_name=x');
    expect(parse(url)).toMatchObject({ host: 'pgbouncer.internal', port: '6432', database: 'app', user: 'acme user', password: 'p@ss/#?' });
  });

  it('a port alone keeps the host (PgBouncer next to the server), for a name, an IPv6 address and a socket directory', () => {
    expect(parse(pointed('postgresql://a:b@db:5432/app', { port: 6432 }))).toMatchObject({ host: 'db', port: '6432' });
    expect(parse(pointed('postgresql://a:b@db/app', { port: 6432 }))).toMatchObject({ host: 'db', port: '6432' });
    expect(pointed('postgresql://a:b@[::1]:5432/app', { port: 6432 })).toContain('@[::1]:6432/app');
    expect(parse(pointed('postgresql://a:b@/app?host=/var/run/postgresql&port=5432', { port: 6432 }))).toMatchObject({ host: '/var/run/postgresql', port: '6432' });
  });

  it("a new host replaces the admin's host list and its host, hostaddr and port parameters", () => {
    const url = pointed('postgresql://a:b@h1:5432,h2:5433/app?hostaddr=10.0.0.1&host=/tmp&port=5432&sslmode=verify-full', { host: '10.1.2.3', port: 6432 });
    expect(url).toBe('postgresql://acme%20user:p%40ss%2F%23%3F@10.1.2.3:6432/app?sslmode=verify-full');
    expect(parse(pointed('postgresql://a:b@db:5432/app', { host: '/run/pgbouncer' }))).toMatchObject({ host: '/run/pgbouncer', database: 'app' });
    expect(pointed('postgresql://a:b@db:5432/app', { host: '::1', port: 6432 })).toContain('@[::1]:6432/app');
  });

  it('parameters from the allow-list replace the admin\'s of the same name (a TLS endpoint, or a pooler without TLS)', () => {
    const url = pointed('postgresql://a:b@db:5432/app?sslmode=verify-full&application_name=admin', { host: 'proxy', params: { sslmode: 'require', application_name: 'tenant app' } });
    expect(parse(url)).toMatchObject({ host: 'proxy', sslmode: 'require', application_name: 'tenant app' });
    expect(pointed('postgresql://a:b@db:5432/app?sslmode=verify-full', { port: 6432, params: { sslmode: 'disable' } })).toMatch(/@db:6432\/app\?sslmode=disable$/);
  });

  it('refuses a port alone for a host list: which host would it be?', () => {
    expect(() => pointed('postgresql://a:b@h1:5432,h2:5432/app', { port: 6432 })).toThrow(ValidationError);
  });

  it.each([
    [{ port: 0 }, 'tenantConnection.port', 'out-of-range'],
    [{ port: 65536 }, 'tenantConnection.port', 'out-of-range'],
    [{ port: 64.5 }, 'tenantConnection.port', 'out-of-range'],
    [{ port: '6432' }, 'tenantConnection.port', 'out-of-range'],
    [{ host: '' }, 'tenantConnection.host', 'type'],
    [{ host: 'db:6432' }, 'tenantConnection.host', 'type'],
    [{ host: 'user@db' }, 'tenantConnection.host', 'type'],
    [{ host: 'db/evil' }, 'tenantConnection.host', 'type'],
    [{ host: 'db?sslmode=disable' }, 'tenantConnection.host', 'type'],
    [{ host: 'db\nx' }, 'tenantConnection.host', 'control-character'],
    [{ params: { user: 'admin' } }, 'tenantConnection.params.user', 'type'],
    [{ params: { password: 'x' } }, 'tenantConnection.params.password', 'type'],
    [{ params: { sslcert: '/admin.crt' } }, 'tenantConnection.params.sslcert', 'type'],
    [{ params: { host: 'elsewhere' } }, 'tenantConnection.params.host', 'type'],
    [{ params: { options: '-c role=admin' } }, 'tenantConnection.params.options', 'type'],
    [{ params: { sslmode: 'sometimes' } }, 'tenantConnection.params.sslmode', 'out-of-range'],
    [{ params: { connect_timeout: '5s' } }, 'tenantConnection.params.connect_timeout', 'out-of-range'],
    [{ params: { application_name: '' } }, 'tenantConnection.params.application_name', 'type'],
    [{ params: 'sslmode=require' }, 'tenantConnection.params', 'type'],
  ])('refuses %j', (options, field, rule) => {
    const error = (() => {
      try {
        tenantTarget(options as never);
        return undefined;
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ field, rule });
  });

  it('accepts host names, IPv4 and IPv6 addresses and socket directories, and says when there is a target at all', () => {
    for (const host of ['pgbouncer', 'pg-bouncer.internal', 'pool_1.svc.cluster.local', '10.0.0.7', '::1', '[fe80::1]', '/var/run/pgbouncer']) {
      expect(tenantTarget({ host }).host, host).toBe(host.replace(/^\[(.*)\]$/, '$1'));
    }
    expect(hasTenantTarget(tenantTarget({}))).toBe(false);
    expect(hasTenantTarget(tenantTarget({ sslrootcert: '/ca.pem' }))).toBe(false);
    expect(hasTenantTarget(tenantTarget({ port: 6432 }))).toBe(true);
    expect(hasTenantTarget(tenantTarget({ params: { sslmode: 'require' } }))).toBe(true);
  });
});
