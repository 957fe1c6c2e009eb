import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'pg-connection-string';
import { afterAll, describe, expect, it } from 'vitest';
import { connectionUrlSetsTls, formatConnectionString, redactConnectionString, tenantConnectionString } from './connection-string.js';

// pg-connection-string reads the file an sslrootcert names: give it a real one, at an awkward path.
const certificateDirectory = mkdtempSync(join(tmpdir(), 'tenantry ca & co='));
const rootCertPath = join(certificateDirectory, 'root ca #1.pem');
const rootCertText = '-----BEGIN CERTIFICATE-----\nnot a real one\n-----END CERTIFICATE-----\n';
writeFileSync(rootCertPath, rootCertText);
afterAll(() => rmSync(certificateDirectory, { recursive: true, force: true }));

const awkwardPasswords = [
  'plain',
  'p@ss',
  'a:b',
  'slash/es',
  'what?',
  'hash#tag',
  '100%',
  '%41 is not A',
  "single'quote",
  'double"quote',
  'back\\slash',
  'with space',
  '+plus+',
  'пароль-密码-🔑',
  `@:/?#%'"\\ é`,
];

describe('tenantConnectionString', () => {
  it.each(awkwardPasswords)('round-trips password %j through pg-connection-string', (password) => {
    const url = tenantConnectionString('postgresql://admin:secret@db.example.com:6543/app', {
      username: 'tenant user@x',
      password,
    });
    const parsed = parse(url);
    expect(parsed.password).toBe(password);
    expect(parsed.user).toBe('tenant user@x');
    expect(parsed.host).toBe('db.example.com');
    expect(parsed.port).toBe('6543');
    expect(parsed.database).toBe('app');
  });

  it('leaves the password out when it is empty (a tenant whose password Tenantry does not know)', () => {
    const url = tenantConnectionString('postgresql://admin:secret@db:5432/app?sslmode=require', { username: 'acme user', password: '' });
    expect(url).toBe('postgresql://acme%20user@db:5432/app?sslmode=require');
    const parsed = parse(url);
    expect(parsed.user).toBe('acme user');
    expect(parsed.password ?? '').toBe(''); // pg-connection-string reports an absent password as ''
  });

  it('keeps every query parameter and the database, replaces the user info', () => {
    const url = tenantConnectionString(
      'postgres://admin:s3cret@db:5432/my%20app?sslmode=require&application_name=billing&connect_timeout=5',
      { username: 'acme', password: 'pw' },
    );
    expect(url).toBe('postgres://acme:pw@db:5432/my%20app?sslmode=require&application_name=billing&connect_timeout=5');
    expect(url).not.toContain('s3cret');
    expect(parse(url).database).toBe('my app');
  });

  it('keeps a Unix socket host given as ?host= and a URL without user info', () => {
    const url = tenantConnectionString('postgresql:///app?host=/var/run/postgresql', { username: 'acme', password: 'pw' });
    expect(url).toBe('postgresql://acme:pw@/app?host=/var/run/postgresql');
    const parsed = parse(url);
    expect(parsed.host).toBe('/var/run/postgresql');
    expect(parsed.user).toBe('acme');
  });

  it('keeps a multi-host list as written', () => {
    const url = tenantConnectionString('postgresql://admin:x@h1:5432,h2:5433/app?target_session_attrs=read-write', {
      username: 'acme',
      password: 'pw',
    });
    expect(url).toBe('postgresql://acme:pw@h1:5432,h2:5433/app?target_session_attrs=read-write');
  });

  it("drops parameters that carry the admin's identity or secret", () => {
    const url = tenantConnectionString(
      'postgresql://db/app?user=admin&password=s3cret&sslmode=verify-full&sslcert=/a.crt&sslkey=/a.key&sslrootcert=/ca.crt',
      { username: 'acme', password: 'pw' },
    );
    expect(url).toBe('postgresql://acme:pw@db/app?sslmode=verify-full&sslrootcert=/ca.crt');
  });

  it("keeps a verify-full admin's sslmode and root certificate: pg would verify the tenant's server the same way", () => {
    const adminUrl = `postgresql://admin:pw@db.example.com/app?sslmode=verify-full&sslrootcert=${encodeURIComponent(rootCertPath)}&sslcert=/admin.crt&sslkey=/admin.key&sslpassword=k3y`;
    const url = tenantConnectionString(adminUrl, { username: 'acme', password: 'pw' });
    const parsed = parse(url);
    expect(parsed.sslmode).toBe('verify-full');
    expect(parsed.sslrootcert).toBe(rootCertPath);
    expect(parsed.ssl).toEqual({ ca: rootCertText });
    expect(url).not.toMatch(/sslcert|sslkey|sslpassword|k3y/);
  });

  it('sets extra parameters, replacing the URL\'s own of the same name, percent-encoded', () => {
    const url = tenantConnectionString('postgresql://admin:pw@db/app?sslmode=require&sslrootcert=/old.pem&application_name=x', { username: 'acme', password: 'pw' }, {
      sslrootcert: rootCertPath,
    });
    expect(url).toBe(`postgresql://acme:pw@db/app?sslmode=require&application_name=x&sslrootcert=${encodeURIComponent(rootCertPath)}`);
    expect(parse(url).sslrootcert).toBe(rootCertPath);
    expect(parse(url).application_name).toBe('x');
  });

  it('puts sslmode=verify-full in place of a client certificate that was the only TLS parameter (pg used TLS because of it)', () => {
    const adminUrl = 'postgresql://admin:pw@db/app?sslcert=/admin.crt&sslkey=/admin.key';
    const url = tenantConnectionString(adminUrl, { username: 'acme', password: 'pw' });
    expect(url).toBe('postgresql://acme:pw@db/app?sslmode=verify-full');
    expect(parse(url).ssl).toEqual({});
    // Nothing added where the URL said nothing about TLS.
    expect(tenantConnectionString('postgresql://admin:pw@db/app', { username: 'acme', password: 'pw' })).toBe('postgresql://acme:pw@db/app');
  });

  it('refuses a non-URL without echoing it', () => {
    expect(() => tenantConnectionString('host=db password=s3cret', { username: 'a', password: 'b' })).toThrow(
      /^(?!.*s3cret).*postgresql:\/\//,
    );
  });
});

describe('connectionUrlSetsTls', () => {
  it.each([
    ['postgresql://db/app?sslmode=disable', true],
    ['postgresql://db/app?ssl=true', true],
    ['postgresql://db/app?sslrootcert=/ca.pem', true],
    ['postgresql://db/app?sslcert=/a.crt', true],
    ['postgresql://db/app?sslnegotiation=direct', true],
    ['postgresql://db/app?application_name=sslmode', false],
    ['postgresql://db/app', false],
  ])('%s: %s', (url, expected) => {
    expect(connectionUrlSetsTls(url)).toBe(expected);
  });
});

describe('formatConnectionString', () => {
  it.each(awkwardPasswords)('round-trips %j', (password) => {
    const url = formatConnectionString({ host: 'localhost', port: 5432, database: 'my app é', user: 'u:1', password });
    const parsed = parse(url);
    expect(parsed.password).toBe(password);
    expect(parsed.user).toBe('u:1');
    // pg-connection-string decodes the path with decodeURI, so a `/` in a database name cannot round-trip.
    expect(parsed.database).toBe('my app é');
  });

  it('puts a socket directory in ?host= and keeps extra params', () => {
    const url = formatConnectionString({
      host: '/tmp/sock dir',
      database: 'app',
      user: 'u',
      password: 'p',
      params: { sslmode: 'disable' },
    });
    expect(parse(url).host).toBe('/tmp/sock dir');
    expect(parse(url).sslmode).toBe('disable');
  });
});

describe('redactConnectionString', () => {
  it('hides the password in user info and parameters, keeps the rest', () => {
    expect(redactConnectionString('postgresql://admin:s3cret@db:5432/app?sslmode=require')).toBe(
      'postgresql://admin:***@db:5432/app?sslmode=require',
    );
    expect(redactConnectionString('postgresql://db/app?password=s3cret&sslpassword=k3y')).toBe(
      'postgresql://db/app?password=***&sslpassword=***',
    );
    expect(redactConnectionString('host=db password=s3cret')).not.toContain('s3cret');
  });
});
