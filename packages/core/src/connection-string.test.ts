import { parse } from 'pg-connection-string';
import { describe, expect, it } from 'vitest';
import { formatConnectionString, redactConnectionString, tenantConnectionString } from './connection-string.js';

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

  it('refuses a non-URL without echoing it', () => {
    expect(() => tenantConnectionString('host=db password=s3cret', { username: 'a', password: 'b' })).toThrow(
      /^(?!.*s3cret).*postgresql:\/\//,
    );
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
